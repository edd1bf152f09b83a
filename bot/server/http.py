"""One HTTP server for every surface that takes webhooks, behind waitress.

Slack's events arrive at /slack/events and Discord's interactions at
/discord/interactions, on NEWSBOT_HOST:NEWSBOT_PORT; /healthz answers load
balancers. Each surface supplies a WSGI app for its own path.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.server.bodies import DEFAULT_BUDGET_MB, budgeted
from newsbot.bot.server.health import Probe, check
from newsbot.bot.server.settings import Env
from newsbot.index import ConfigError

HEALTH_PATH = "/healthz"
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 3000
MAX_BODY_BYTES = 1024 * 1024  # chat platforms send kilobytes; anything larger is not theirs

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


DEFAULT_CONNECTIONS = 1000
DEFAULT_IDLE_TIMEOUT = 15


@dataclass(frozen=True)
class ServerConfig:
    """Where the HTTP endpoints listen, and how they hold up under idle and slow clients.

    `connections`: how many connections may be open at once (waitress's default,
    100, let 100 idle sockets lock every signed request out); `idle_timeout`: a
    connection that sends nothing for this many seconds, mid-headers or mid-body
    included, is closed, and its place freed; `body_budget_mb`: memory that requests
    still arriving may hold in all (bodies), past which the connection sending more
    is closed (`bodies`).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    connections: int = DEFAULT_CONNECTIONS
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    threads: int = 8
    body_budget_mb: int = DEFAULT_BUDGET_MB

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerConfig:
        read = Env.of(env)
        return cls(
            host=read.text("NEWSBOT_HOST") or DEFAULT_HOST,
            port=read.number("NEWSBOT_PORT", DEFAULT_PORT, 1, 65535, "a port number"),
            connections=read.number(
                "NEWSBOT_HTTP_CONNECTIONS", DEFAULT_CONNECTIONS, 10, 100_000, "a count"
            ),
            idle_timeout=read.number(
                "NEWSBOT_HTTP_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT, 1, 3600, "seconds"
            ),
            body_budget_mb=read.number(
                "NEWSBOT_HTTP_BODY_BUDGET_MB", DEFAULT_BUDGET_MB, 2, 65_536, "megabytes"
            ),
        )


def respond_json(
    start_response: Callable[..., Any], status: str, body: dict[str, Any]
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def read_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or None when it is larger than any platform sends.

    The body is put back into `environ` for whatever reads it next.
    """
    length = environ.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


MAX_JSON_DEPTH = 200  # Slack's and Discord's payloads nest a dozen levels at most

# A JSON string, or an unclosed one to the end of the text (then the body is no JSON
# anyway). Possessive: one pass, never backtracking. The old pattern, retried at
# every quote of an unclosed string, took 12.7 s on 40 KB of \" (quadratic).
_JSON_STRING = re.compile(r'(?s)"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep `text`'s brackets nest, outside strings (read in linear time)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def json_object(text: str | bytes) -> dict[str, Any] | None:
    """A JSON object, or None for anything else: not JSON, not UTF-8, not an object,
    or nested deeper than MAX_JSON_DEPTH. The depth is measured before parsing: json's
    parser recurses, and 100,000 signed brackets must be a malformed body, not a
    RecursionError in a server thread."""
    try:
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        if json_depth(decoded) > MAX_JSON_DEPTH:
            return None
        value = json.loads(decoded)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def has_shape(value: dict[str, Any], shape: dict[str, tuple[type, ...]]) -> bool:
    """Whether each key of `shape` that `value` has holds one of its types."""
    return all(isinstance(value[key], kinds) for key, kinds in shape.items() if key in value)


def http_app(
    routes: Mapping[str, WSGIApp],
    runtime: Runtime,
    connections: Mapping[str, Probe] | None = None,
) -> WSGIApp:
    """Route by path to each surface's app; /healthz reports the article count and each
    of `connections` (name: probe), with 503 while one is not connected."""
    probes = dict(connections or {})

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            health = check(runtime, probes)
            status = "200 OK" if health.ok else "503 Service Unavailable"
            return respond_json(start_response, status, health.to_json())
        route = routes.get(path or "")
        if route is None:
            return respond_json(
                start_response, "404 Not Found", {"ok": False, "error": "not found"}
            )
        return route(environ, start_response)

    return application


def create_server(app: WSGIApp, config: ServerConfig) -> Any:
    """The waitress server `serve` runs (the tests start the same one).

    Bodies are read whole by waitress's event loop before a worker thread sees the
    request, so a slow or partial body costs a connection, never a worker, and
    memory within `body_budget_mb` (never a temporary file: `bodies`); poll()
    rather than select() lets it hold more than 1,024 sockets.
    """
    import waitress

    try:
        server = waitress.create_server(
            app,
            host=config.host,
            port=config.port,
            threads=config.threads,
            ident="newsbot",
            connection_limit=config.connections,
            channel_timeout=config.idle_timeout,
            cleanup_interval=max(1, min(config.idle_timeout // 3, 30)),
            asyncore_use_poll=True,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=64 * 1024,
            inbuf_overflow=MAX_BODY_BYTES + 1,  # in memory: the budget bounds it
        )
    except OSError as exc:  # the port is taken, or the host is not this machine's
        raise ConfigError(
            f"Cannot listen on {config.host}:{config.port} ({exc.strerror or exc}). "
            "Set NEWSBOT_HOST and NEWSBOT_PORT.",
            variable="NEWSBOT_PORT",
        ) from exc
    return budgeted(server, config.body_budget_mb * 1024 * 1024)


def run_server(server: Any, *, stop: threading.Event | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM (waitress takes the interrupt itself), or `stop`."""
    if stop is None:
        server.run()
        return

    def close_on_stop() -> None:
        stop.wait()
        server.close()

    threading.Thread(target=close_on_stop, name="http-stop", daemon=True).start()
    try:
        server.run()
    except OSError:  # waitress has no stop(): closing its sockets ends the loop so
        if not stop.is_set():
            raise
