"""Running the app: its endpoint for the HTTP server, or Socket Mode."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.server.http import WSGIApp, has_shape, json_object, read_body, respond_json
from newsbot.bot.slack.config import SlackConfig

log = logging.getLogger("newsbot.slack")

EVENTS_PATH = "/slack/events"
MAX_CLOCK_SKEW = 300  # seconds: an older signed request is a replay
SLACK_CLAIM_PREFIX = "event:"  # the keys under which Slack events are claimed, with bodies


def answer_unfinished(app: App, runtime: Runtime) -> threading.Thread:
    """Once the claim lease has run out, answer the events a crashed newsbot claimed
    but never answered (Slack, having had its acknowledgement, will not send them
    again)."""

    def dispatch(body: Any) -> None:
        if isinstance(body, dict):
            app.dispatch(BoltRequest(body=body, mode="socket_mode"))

    return runtime.replay_unfinished(SLACK_CLAIM_PREFIX, dispatch, name="slack")


def shutdown(app: App) -> None:
    """Let running listeners finish (the runtime, shared, is closed by its owner)."""
    app.listener_runner.listener_executor.shutdown(wait=True)


# The shapes newsbot (and bolt before it) reads of a Slack body. Any other shape is
# not Slack's, however well signed: a 400, never a traceback inside bolt.
_TOP_LEVEL: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "event": (dict,),
    "event_id": (str,),
    "authorizations": (list,),
    "team": (dict, type(None)),
    "user": (dict,),
    "channel": (dict, type(None)),
    "container": (dict,),
    "message": (dict,),
    "view": (dict,),
    "enterprise": (dict, type(None)),
    "actions": (list,),
    "response_url": (str,),
    "trigger_id": (str,),
}
_IN_EVENT: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "subtype": (str,),
    "text": (str,),
    "user": (str,),
    "bot_id": (str,),
    "ts": (str,),
    "thread_ts": (str,),
    "event_ts": (str,),
    "channel": (str, dict),
    "channel_type": (str,),
    "files": (list,),
}


# A view (a modal's submission) is read by bolt by its type and callback_id.
_IN_VIEW: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "callback_id": (str,),
    "private_metadata": (str,),
    "state": (dict,),
}


def _slack_shaped(payload: dict[str, Any]) -> bool:
    if not has_shape(payload, _TOP_LEVEL):
        return False
    view = payload.get("view")
    if view is not None and not (has_shape(view, _IN_VIEW) and isinstance(view.get("type"), str)):
        return False
    lists = [payload.get("authorizations") or [], payload.get("actions") or []]
    if not all(isinstance(item, dict) for items in lists for item in items):
        return False
    event = payload.get("event")
    if event is None:
        return True
    files = event.get("files") or []
    return has_shape(event, _IN_EVENT) and all(isinstance(f, dict) for f in files)


def _well_formed(body: bytes, content_type: str) -> bool:
    """Whether a signed body is a Slack payload bolt can read: a JSON object, or a
    UTF-8 form whose `payload`, if any, is a JSON object, in the shapes Slack sends."""
    if content_type.startswith("application/json"):
        payload = json_object(body)
        return payload is not None and _slack_shaped(payload)
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=bool(body), errors="strict")
    except (ValueError, UnicodeDecodeError):
        return False
    raw = form.get("payload")
    if raw is None:
        return True
    payload = json_object(raw[0])
    return payload is not None and _slack_shaped(payload)


def _signed(secret: str, environ: dict[str, Any], body: bytes, *, now: float) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes the body
    first, so a signed body that is not UTF-8 would read as badly signed, not malformed)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not (timestamp.isdigit() and signature) or abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def checked_request(environ: dict[str, Any], secret: str | None) -> tuple[str, str] | None:
    """Check a POST to /slack/events before bolt sees it; None when it may pass.

    Otherwise (status, reason): 413 for a body too large to be Slack's, 401 for
    a missing, malformed, stale or wrong signature, 400 for a signed body that is
    not a Slack payload (one log line, no traceback). The body read here is handed
    on to bolt.
    """
    body = read_body(environ)
    if body is None:
        return "413 Payload Too Large", "request body too large"
    if secret is not None and not _signed(secret, environ, body, now=time.time()):
        return "401 Unauthorized", "invalid request"
    if not _well_formed(body, environ.get("CONTENT_TYPE", "")):
        log.warning("400 for a malformed request: signed, but not a Slack payload")
        return "400 Bad Request", "malformed request"
    return None


def wsgi_app(app: App, config: SlackConfig) -> WSGIApp:
    """Slack's endpoint, /slack/events: checked here, then handed to bolt."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = config.signing_secret
    checked_secret = secret if secret and not config.socket_mode else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            refused = checked_request(environ, checked_secret)
            if refused is not None:
                status, reason = refused
                return respond_json(start_response, status, {"ok": False, "error": reason})
        return slack(environ, start_response)

    return application


def start_socket_mode(app: App, runtime: Runtime, app_token: str) -> Any:
    """Connect over Socket Mode (in the background); returns the handler."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    answer_unfinished(app, runtime)
    handler = SocketModeHandler(app, app_token)
    handler.connect()
    return handler
