"""Discord's interactions endpoint, /discord/interactions, for the HTTP server.

Every request is verified with Ed25519 against the application's public key
(`X-Signature-Ed25519` over `X-Signature-Timestamp` + body) before anything
else: Discord sends unsigned and badly signed probes and removes an endpoint
that accepts them. A bad, missing or stale signature gets 401 and does no
work; a signed body that is not a JSON object gets 400. The first response
is the HTTP response; work after it (a deferred answer, an ingest) starts
once the server has sent it (the response iterable's `close`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from newsbot.bot.discord.interactions import Interactions, well_shaped
from newsbot.bot.server.http import WSGIApp, json_object, read_body, respond_json

log = logging.getLogger("newsbot.discord")

INTERACTIONS_PATH = "/discord/interactions"
MAX_CLOCK_SKEW = 300  # seconds: an older signed request is a replay


class _ThenRun:
    """A WSGI response body that runs `after` once the server is done sending it."""

    def __init__(self, body: Iterable[bytes], after: Callable[[], None]) -> None:
        self._body = body
        self._after = after

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        self._after()


def signed(key: VerifyKey, environ: dict[str, Any], body: bytes, *, now: float) -> bool:
    signature = environ.get("HTTP_X_SIGNATURE_ED25519", "")
    timestamp = environ.get("HTTP_X_SIGNATURE_TIMESTAMP", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return False
    try:
        key.verify(timestamp.encode() + body, bytes.fromhex(signature))
    except (BadSignatureError, ValueError):  # ValueError: not hex, or not 64 bytes
        return False
    return True


def interactions_app(interactions: Interactions, public_key: str) -> WSGIApp:
    key = VerifyKey(bytes.fromhex(public_key))

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return respond_json(start_response, "405 Method Not Allowed", {"error": "POST only"})
        body = read_body(environ)
        if body is None:
            return respond_json(start_response, "413 Payload Too Large", {"error": "too large"})
        if not signed(key, environ, body, now=time.time()):
            return respond_json(start_response, "401 Unauthorized", {"error": "invalid request"})
        payload = json_object(body)
        if payload is None or not well_shaped(payload):
            log.warning("400 for a malformed request: signed, but not a Discord interaction")
            return respond_json(start_response, "400 Bad Request", {"error": "malformed request"})
        reply = interactions.handle(payload)
        then = interactions.hold(reply)
        sent = respond_json(start_response, "200 OK", reply.response)
        return _ThenRun(sent, lambda: then(True))

    return application
