"""`newsbot serve`: whatever is configured, Slack, Discord or both, in one process.

Both surfaces share one `Runtime` (the engine behind one lock, the chat state,
the ingest queue). Webhooks (Slack's HTTP mode, Discord's interactions) share
one HTTP server; Socket Mode and the Discord gateway run beside it, or alone.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from newsbot.bot.chat.budget import Budget
from newsbot.bot.chat.channels import stored_scope
from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.server.health import Probe, socket_mode_probe
from newsbot.bot.server.http import (
    HEALTH_PATH,
    ServerConfig,
    WSGIApp,
    create_server,
    http_app,
    run_server,
)
from newsbot.bot.server.settings import Env
from newsbot.bot.slack.config import SlackConfig
from newsbot.index import ConfigError, Engine, IngestLimits, NewsbotError

log = logging.getLogger("newsbot")


@dataclass(frozen=True)
class ServePlan:
    server: ServerConfig
    slack: SlackConfig | None
    discord: DiscordConfig | None
    ingest_limits: IngestLimits = field(default_factory=IngestLimits)
    json_logs: bool = False
    default_scope: str | None = None
    budget: Budget = field(default_factory=Budget)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServePlan:
        """Slack when SLACK_BOT_TOKEN is set, Discord when any DISCORD_* id, key or
        token is; each checked in full. Neither is a ConfigError."""
        read = Env.of(env)
        slack = SlackConfig.from_env(read.values) if read.text("SLACK_BOT_TOKEN") else None
        discord = DiscordConfig.from_env(read.values) if DiscordConfig.wanted(read.values) else None
        if slack is None and discord is None:
            raise ConfigError(
                "Nothing to serve: set SLACK_BOT_TOKEN (Slack) or DISCORD_APPLICATION_ID "
                "with DISCORD_PUBLIC_KEY or DISCORD_BOT_TOKEN (Discord); see .env.example.",
                variable="SLACK_BOT_TOKEN",
            )
        limits = IngestLimits(
            seconds=read.number("NEWSBOT_INGEST_TIMEOUT", 60, 1, 3600, "seconds"),
            memory_mb=read.number("NEWSBOT_INGEST_MEMORY_MB", 1024, 64, 65536, "megabytes"),
        )
        log_format = read.choice("NEWSBOT_LOG_FORMAT", ("text", "json"), "text")
        scope_text = read.text("NEWSBOT_DEFAULT_COLLECTIONS")
        try:
            default_scope = stored_scope(scope_text) if scope_text else None
        except NewsbotError as exc:
            raise ConfigError(
                f"NEWSBOT_DEFAULT_COLLECTIONS: {exc}", variable="NEWSBOT_DEFAULT_COLLECTIONS"
            ) from exc
        budget = Budget(
            per_user=read.number("NEWSBOT_QUESTIONS_PER_USER", 20, 0, 10_000, "a count"),
            per_channel=read.number("NEWSBOT_QUESTIONS_PER_CHANNEL", 60, 0, 10_000, "a count"),
        )
        return cls(
            server=ServerConfig.from_env(read.values),
            slack=slack,
            discord=discord,
            ingest_limits=limits,
            json_logs=log_format == "json",
            default_scope=default_scope,
            budget=budget,
        )


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def _stop_on_sigterm() -> SignalHandler:
    """SIGTERM (systemd, docker stop) shuts down as cleanly as Ctrl-C does. Returns the
    handler it replaced, to put back when serve returns (None off the main thread,
    where no handler can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def serve(engine: Engine, plan: ServePlan, *, stop: threading.Event | None = None) -> None:
    """Run until interrupted (or `stop` is set, when there is no HTTP server)."""
    from newsbot.bot.discord.app import DiscordApp
    from newsbot.bot.slack.app import connect_slack
    from newsbot.bot.slack.server import (
        EVENTS_PATH,
        answer_unfinished,
        shutdown,
        start_socket_mode,
        wsgi_app,
    )

    if plan.default_scope is not None:
        engine.scope(plan.default_scope)  # a default naming no collection stops here
    runtime = Runtime.open(
        engine,
        ingest_limits=plan.ingest_limits,
        default_scope=plan.default_scope,
        budget=plan.budget,
    )
    runtime.start_upkeep()
    routes: dict[str, WSGIApp] = {}
    connections: dict[str, Probe] = {}
    serving = False
    slack_app = discord_app = None
    previous_sigterm: SignalHandler = None
    try:
        if plan.slack is not None:
            slack_app = connect_slack(runtime, plan.slack)
            if plan.slack.app_token:
                log.info("Slack: connecting in Socket Mode")
                handler = start_socket_mode(slack_app, runtime, plan.slack.app_token)
                connections["slack_socket_mode"] = socket_mode_probe(handler)
            else:
                routes[EVENTS_PATH] = wsgi_app(slack_app, plan.slack)
                answer_unfinished(slack_app, runtime)
        if plan.discord is not None:
            discord_app = DiscordApp(runtime, plan.discord)
            routes.update(discord_app.routes())
            connections.update(discord_app.connections())
            if discord_app.leader is not None:
                log.info("Discord: the gateway runs on the replica holding its lock")
            elif discord_app.gateway is not None:
                log.info("Discord: connecting to the gateway via %s", plan.discord.api_url)
            discord_app.start()
        previous_sigterm = _stop_on_sigterm()
        # Always: /healthz answers in Socket Mode and gateway-only Discord too, where
        # no platform calls in. Bound first, so a port in use is the only line.
        server = create_server(http_app(routes, runtime, connections), plan.server)
        where = f"http://{plan.server.host}:{plan.server.port}"
        log.info("serving %s on %s", ", ".join(sorted([*routes, HEALTH_PATH])), where)
        serving = True
        run_server(server, stop=stop)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a service manager
        pass
    finally:
        if serving:
            log.info("stopping: finishing the answers and ingests in progress")
        if slack_app is not None:
            shutdown(slack_app)
        if discord_app is not None:
            discord_app.close()
        runtime.close()
        if previous_sigterm is not None:  # a process that goes on keeps its own handler
            signal.signal(signal.SIGTERM, previous_sigterm)
