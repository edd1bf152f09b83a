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
# The keys under which Slack's deliveries are claimed, with their bodies.
SLACK_CLAIM_PREFIX = "event:"
SLACK_COMMAND_PREFIX = "command:"
# Slack takes answers at a command's response_url for 30 minutes; a minute's margin.
RESPONSE_URL_SECONDS = 29 * 60


def answer_unfinished(app: App, runtime: Runtime) -> list[threading.Thread]:
    """Once the claim lease has run out, answer the events and /ask commands a crashed
    newsbot claimed but never answered (Slack, having had its acknowledgement, will
    not send them again); a command only while its response_url still takes one."""

    def dispatch(body: Any) -> None:
        if isinstance(body, dict):
            app.dispatch(BoltRequest(body=body, mode="socket_mode"))

    return [
        runtime.replay_unfinished(SLACK_CLAIM_PREFIX, dispatch, name="slack"),
        runtime.replay_unfinished(
            SLACK_COMMAND_PREFIX, dispatch, name="slack /ask", max_age=RESPONSE_URL_SECONDS
        ),
    ]


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


# What the listeners read of a button press, of a shared file, and of a modal's input.
_IN_ACTION: dict[str, tuple[type, ...]] = {
    "action_id": (str,),
    "value": (str,),
    "type": (str,),
    "block_id": (str,),
}
_IN_FILE: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "name": (str,),
    "size": (int,),
    "url_private": (str,),
    "url_private_download": (str,),
}
_IN_INPUT: dict[str, tuple[type, ...]] = {"type": (str,), "value": (str, type(None))}
# Messages and mentions are answered where they were written: both must be said.
_ANSWERED = ("app_mention", "message")


def _all_shaped(items: Any, shape: dict[str, tuple[type, ...]]) -> bool:
    """Whether `items` is a list of objects, each of `shape`."""
    return isinstance(items, list) and all(
        isinstance(item, dict) and has_shape(item, shape) for item in items
    )


def _view_shaped(view: Any) -> bool:
    """A modal's view: its type named, and its state's values two levels of objects
    deep, each input's value text (or null)."""
    if not (isinstance(view, dict) and has_shape(view, _IN_VIEW)):
        return False
    if not isinstance(view.get("type"), str):
        return False
    values = (view.get("state") or {}).get("values", {})
    if not isinstance(values, dict):
        return False
    blocks = values.values()
    return all(
        isinstance(block, dict)
        and all(isinstance(i, dict) and has_shape(i, _IN_INPUT) for i in block.values())
        for block in blocks
    )


def _event_shaped(event: dict[str, Any]) -> bool:
    if not has_shape(event, _IN_EVENT) or not _all_shaped(event.get("files", []), _IN_FILE):
        return False
    if event.get("type") in _ANSWERED:
        return isinstance(event.get("ts"), str) and isinstance(event.get("channel"), str)
    return True


def _slack_shaped(payload: dict[str, Any]) -> bool:
    """Every field a listener (or bolt) reads, of the type it reads it as: a payload
    of another shape is answered 400, never a traceback in a listener."""
    if not has_shape(payload, _TOP_LEVEL):
        return False
    if "view" in payload and not _view_shaped(payload["view"]):
        return False
    if not _all_shaped(payload.get("authorizations", []), {}):
        return False
    if not _all_shaped(payload.get("actions", []), _IN_ACTION):
        return False
    event = payload.get("event")
    return event is None or _event_shaped(event)


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
