"""One HTTP server for every surface that takes webhooks, behind waitress.

Slack's events arrive at /slack/events and Discord's interactions at
/discord/interactions, on NEWSBOT_HOST:NEWSBOT_PORT; /healthz answers load
balancers. Each surface supplies a WSGI app for its own path.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from newsbot.bot.runtime import Runtime
from newsbot.index import ConfigError

HEALTH_PATH = "/healthz"
DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 3000
MAX_BODY_BYTES = 1024 * 1024  # chat platforms send kilobytes; anything larger is not theirs

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerConfig:
        env = os.environ if env is None else env
        port_raw = env.get("NEWSBOT_PORT", "").strip() or str(DEFAULT_PORT)
        if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
            raise ConfigError(
                f"NEWSBOT_PORT must be a port number (1-65535), not {port_raw!r}.",
                variable="NEWSBOT_PORT",
            )
        return cls(host=env.get("NEWSBOT_HOST", "").strip() or DEFAULT_HOST, port=int(port_raw))


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


def json_object(text: str | bytes) -> dict[str, Any] | None:
    """A JSON object, or None for anything else: not JSON, not UTF-8, not an object,
    or nested past what json's parser can recurse (a RecursionError, not a ValueError:
    a signed body of 100,000 brackets is malformed, not a server error)."""
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def has_shape(value: dict[str, Any], shape: dict[str, tuple[type, ...]]) -> bool:
    """Whether each key of `shape` that `value` has holds one of its types."""
    return all(isinstance(value[key], kinds) for key, kinds in shape.items() if key in value)


def http_app(routes: Mapping[str, WSGIApp], runtime: Runtime) -> WSGIApp:
    """Route by path to each surface's app; /healthz reports the article count."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            articles = runtime.call(runtime.engine.count_articles)
            return respond_json(start_response, "200 OK", {"ok": True, "articles": articles})
        route = routes.get(path or "")
        if route is None:
            return respond_json(
                start_response, "404 Not Found", {"ok": False, "error": "not found"}
            )
        return route(environ, start_response)

    return application


def serve_http(app: WSGIApp, config: ServerConfig) -> None:
    import waitress

    try:
        server = waitress.create_server(
            app, host=config.host, port=config.port, threads=8, ident="newsbot"
        )
    except OSError as exc:  # the port is taken, or the host is not this machine's
        raise ConfigError(
            f"Cannot listen on {config.host}:{config.port} ({exc.strerror or exc}). "
            "Set NEWSBOT_HOST and NEWSBOT_PORT.",
            variable="NEWSBOT_PORT",
        ) from exc
    server.run()
