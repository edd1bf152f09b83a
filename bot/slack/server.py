"""Running the app: Socket Mode, or HTTP behind waitress (a production WSGI server)."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from newsbot.bot.slack.services import Services

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")


MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are kilobytes; anything larger is not Slack
LOG_LINE_LIMIT = 2000


class RedactTokens(logging.Filter):
    """Never let a Slack token reach a log line, whoever logs it; and never a whole
    request body either (bolt logs bodies at debug level): lines are clipped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _TOKEN.sub(r"\1-[redacted]", message)
        if len(clean) > LOG_LINE_LIMIT:
            clean = f"{clean[:LOG_LINE_LIMIT]}… [{len(clean) - LOG_LINE_LIMIT:,} more characters]"
        if clean != message:
            record.msg = clean
            record.args = ()
        return True


def install_log_redaction() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactTokens())


def answer_unfinished(app: App, services: Services) -> threading.Thread:
    """Once the claim lease has run out, answer the events a crashed newsbot claimed
    but never answered (Slack, having had its acknowledgement, will not send them
    again). Waiting the lease out first keeps a live server's claims its own."""

    def run() -> None:
        time.sleep(services.state.lease)
        for raw in services.state.unfinished():
            try:
                app.dispatch(BoltRequest(body=json.loads(raw), mode="socket_mode"))
            except (ValueError, TypeError):
                logging.getLogger("newsbot.slack").warning("an unfinished event is unreadable")

    thread = threading.Thread(target=run, name="answer-unfinished", daemon=True)
    thread.start()
    return thread


def shutdown(app: App, services: Services) -> None:
    """Let running listeners and ingest jobs finish, then close the Slack state."""
    app.listener_runner.listener_executor.shutdown(wait=True)
    services.ingest_queue.shutdown()
    services.state.close()


def _respond(
    start_response: Callable[..., Any], status: str, body: dict[str, Any]
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _well_formed(body: bytes, content_type: str) -> bool:
    """Whether a signed body is a Slack payload bolt can read: a JSON object, or a
    form whose `payload`, if any, is a JSON object."""
    try:
        if content_type.startswith("application/json"):
            return isinstance(json.loads(body), dict)
        form = parse_qs(body.decode("utf-8"), strict_parsing=bool(body))
        payload = form.get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def _signed(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isdigit() and signature):
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:  # Slack signs UTF-8 text; other bytes are not Slack's
        return False


def checked_request(
    environ: dict[str, Any], verifier: SignatureVerifier | None
) -> tuple[str, str] | None:
    """Check a POST to /slack/events before bolt sees it; None when it may pass.

    Otherwise (status, reason): 413 for a body too large to be Slack's, 401 for
    a missing, malformed, stale or wrong signature, 400 for a signed body that is
    not a Slack payload. The body read here is handed on to bolt.
    """
    length = environ.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return "413 Payload Too Large", "request body too large"
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    if verifier is not None and not _signed(verifier, environ, body):
        return "401 Unauthorized", "invalid request"
    if not _well_formed(body, environ.get("CONTENT_TYPE", "")):
        return "400 Bad Request", "malformed request"
    return None


def wsgi_app(app: App, services: Services) -> Callable[..., Iterable[bytes]]:
    """Slack's endpoint at /slack/events, and /healthz for load balancers."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = services.config.signing_secret
    verifier = SignatureVerifier(secret) if secret and not services.config.socket_mode else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            articles = services.call(services.engine.count_articles)
            return _respond(start_response, "200 OK", {"ok": True, "articles": articles})
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            refused = checked_request(environ, verifier)
            if refused is not None:
                status, reason = refused
                return _respond(start_response, status, {"ok": False, "error": reason})
        return slack(environ, start_response)

    return application


def serve_http(app: App, services: Services, host: str, port: int) -> None:
    import waitress

    logging.getLogger("newsbot").info(
        "serving Slack events on http://%s:%d%s", host, port, EVENTS_PATH
    )
    answer_unfinished(app, services)
    waitress.serve(wsgi_app(app, services), host=host, port=port, threads=8, ident="newsbot")


def serve_socket_mode(app: App, services: Services, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    answer_unfinished(app, services)
    SocketModeHandler(app, app_token).start()
