"""Running the app: its endpoint for the HTTP server, or Socket Mode."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from newsbot.bot.http_server import WSGIApp, read_body, respond_json
from newsbot.bot.slack.services import Services

EVENTS_PATH = "/slack/events"
SLACK_CLAIM_PREFIX = "event:"  # the keys under which Slack events are claimed, with bodies


def answer_unfinished(app: App, services: Services) -> threading.Thread:
    """Once the claim lease has run out, answer the events a crashed newsbot claimed
    but never answered (Slack, having had its acknowledgement, will not send them
    again). Waiting the lease out first keeps a live server's claims its own."""

    def run() -> None:
        time.sleep(services.state.lease)
        for raw in services.state.unfinished(prefix=SLACK_CLAIM_PREFIX):
            try:
                app.dispatch(BoltRequest(body=json.loads(raw), mode="socket_mode"))
            except (ValueError, TypeError):
                logging.getLogger("newsbot.slack").warning("an unfinished event is unreadable")

    thread = threading.Thread(target=run, name="answer-unfinished", daemon=True)
    thread.start()
    return thread


def shutdown(app: App) -> None:
    """Let running listeners finish (the runtime, shared, is closed by its owner)."""
    app.listener_runner.listener_executor.shutdown(wait=True)


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
    body = read_body(environ)
    if body is None:
        return "413 Payload Too Large", "request body too large"
    if verifier is not None and not _signed(verifier, environ, body):
        return "401 Unauthorized", "invalid request"
    if not _well_formed(body, environ.get("CONTENT_TYPE", "")):
        return "400 Bad Request", "malformed request"
    return None


def wsgi_app(app: App, services: Services) -> WSGIApp:
    """Slack's endpoint, /slack/events: checked here, then handed to bolt."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = services.config.signing_secret
    verifier = SignatureVerifier(secret) if secret and not services.config.socket_mode else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            refused = checked_request(environ, verifier)
            if refused is not None:
                status, reason = refused
                return respond_json(start_response, status, {"ok": False, "error": reason})
        return slack(environ, start_response)

    return application


def start_socket_mode(app: App, services: Services, app_token: str) -> Any:
    """Connect over Socket Mode (in the background); returns the handler."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    answer_unfinished(app, services)
    handler = SocketModeHandler(app, app_token)
    handler.connect()
    return handler
