"""Fixtures: a fake Slack API and the real HTTP endpoint (waitress) on free local ports."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App
from slack_sdk.signature import SignatureVerifier

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.cli.environment import engine_environment
from newsbot.bot.server.http import ServerConfig, create_server, http_app
from newsbot.bot.slack.app import create_app
from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.server import EVENTS_PATH, shutdown, wsgi_app
from newsbot.index.engine import Engine
from tests.bot.slack.fake_slack import BOT_TOKEN, BOT_USER, FakeSlack

SIGNING_SECRET = "test-signing-secret"
ALLOWED = "UALLOWED"
ADMIN = "UADMIN"
OTHER = "UOTHER"


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("NEWSBOT_INGEST_USERS", f"{ALLOWED},{ADMIN}")
    monkeypatch.setenv("NEWSBOT_ADMINS", ADMIN)
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")


@dataclass
class Bot:
    url: str
    fake: FakeSlack
    app: App
    runtime: Runtime
    server: Any

    stopping: threading.Event

    def settle(self) -> None:
        """Wait until every listener this bot started has finished (and start no more).

        Every accepted request has handed its listener to bolt's executor before
        the HTTP response, so after this, whatever newsbot was going to post, it has.
        """
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        assert self.runtime.wait_idle(timeout=60)

    def stop(self) -> None:
        self.stopping.set()
        self.server.close()
        shutdown(self.app)
        self.runtime.close()

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=ts, body=body
        )
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(headers or {}),
        }
        return httpx.post(self.url + "/slack/events", content=body, headers=all_headers, timeout=10)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev1",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        body = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}],
        }
        return self.post(json.dumps(body).encode(), "application/json", headers=headers, **kwargs)

    def command(self, command: str, text: str, user: str, channel: str = "C1") -> httpx.Response:
        form = {
            "token": "legacy",
            "team_id": "T1",
            "channel_id": channel,
            "user_id": user,
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": f"{self.fake.url}/response/{command.strip('/')}",
            "trigger_id": f"trig-{next(_TRIGGERS)}",  # Slack's: one per invocation
        }
        return self.post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def action(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")


_TRIGGERS = itertools.count(1)


def start_bot(engine: Engine, fake: FakeSlack, *, claim_lease: float = 30.0) -> Bot:
    runtime = Runtime.open(engine, claim_lease=claim_lease)
    config = SlackConfig.from_env()
    app = create_app(runtime, config)
    routes = {EVENTS_PATH: wsgi_app(app, config)}
    server = create_server(
        http_app(routes, runtime), ServerConfig(host="127.0.0.1", port=0, threads=4)
    )
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            # waitress has no stop(): closing its sockets under select() ends the loop so.
            if not stopping.is_set():
                raise

    threading.Thread(target=run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    return Bot(url, fake, app, runtime, server, stopping)


@pytest.fixture
def bot(slack_env: None, fake_slack: FakeSlack, db_path: Path) -> Iterator[Bot]:
    engine, _ = engine_environment(db_path=db_path).open_engine()
    with engine:
        running = start_bot(engine, fake_slack)
        yield running
        running.stop()


def mention(
    text: str,
    *,
    ts: str = "1700000100.000100",
    channel: str = "C1",
    user: str = OTHER,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str,
    *,
    ts: str,
    channel: str,
    channel_type: str,
    user: str = OTHER,
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def press(
    bot: Bot, button: dict[str, Any], *, user: str = OTHER, channel: str = "C1", path: str = "press"
) -> httpx.Response:
    """Click a button of a message newsbot sent, as Slack reports the click."""
    return bot.action(
        {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T1"},
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel},
            "response_url": f"{bot.fake.url}/response/{path}",
            "trigger_id": "t",
            "actions": [
                {
                    "action_id": button["action_id"],
                    "value": button["value"],
                    "type": "button",
                    "block_id": "b",
                    "action_ts": "1",
                }
            ],
        }
    )


def buttons(call: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A recorded message's buttons, by label."""
    return {
        element["text"]["text"]: element
        for block in call.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


def blocks_text(call: dict[str, Any]) -> str:
    """All mrkdwn text of a recorded message's blocks."""
    out = []
    for block in call.get("blocks") or []:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), str):
                out.append(element["text"])
    return "\n".join(out)
