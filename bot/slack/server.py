"""Running the app: Socket Mode, or HTTP behind waitress (a production WSGI server)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from newsbot.bot.slack.services import Services

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """Never let a Slack token reach a log line, whoever logs it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub(r"\1-[redacted]", message)
            record.args = ()
        return True


def install_log_redaction() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactTokens())


def shutdown(app: App, services: Services) -> None:
    """Let running listeners finish, then close the Slack state."""
    app.listener_runner.listener_executor.shutdown(wait=True)
    services.state.close()


def wsgi_app(app: App, services: Services) -> Callable[..., Iterable[bytes]]:
    """Slack's endpoint at /slack/events, and /healthz for load balancers."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            articles = services.call(services.engine.count_articles)
            body = json.dumps({"ok": True, "articles": articles}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application


def serve_http(app: App, services: Services, host: str, port: int) -> None:
    import waitress

    logging.getLogger("newsbot").info(
        "serving Slack events on http://%s:%d%s", host, port, EVENTS_PATH
    )
    waitress.serve(wsgi_app(app, services), host=host, port=port, threads=8, ident="newsbot")


def serve_socket_mode(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
