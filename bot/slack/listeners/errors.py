"""Failures in Slack listeners: what the user reads, and the guard that keeps every
request acknowledged once.

A refusal (a question too long, an unknown collection, a vote on an answer no
longer kept) is not a failure: the runtime's flows return it as a `Refusal` and
the listener acknowledges with that line. Anything a listener raises is a bug:
the user gets a short apology and the log the traceback.

bolt must never see a listener raise after its `ack()`: its runner then clears
the acknowledgement it already had, and Slack gets a 404 after 3 seconds
("didn't call ack()") with its own failure notice under newsbot's line.
`acknowledged` wraps every listener that acknowledges by hand, so the apology
goes out through the acknowledgement when none was sent yet, else through the
response_url, and bolt only ever sees a listener that returned.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from newsbot.bot.chat import replies
from newsbot.bot.slack import render
from newsbot.bot.slack.routing import failure_thread

log = logging.getLogger("newsbot.slack")


def failure_text(error: BaseException) -> str:
    """What the user reads, in Slack's escaping (see bot/chat/replies.py)."""
    return replies.failure_text(error, render.escape)


def acknowledged(listener: Callable[..., None]) -> Callable[..., None]:
    """`listener`, never raising: its failure is logged and told to the user, through the
    acknowledgement when it has not acknowledged yet, else through the response_url.
    bolt reads the listener's arguments through the wrapper (inspect.unwrap)."""

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception as exc:  # noqa: BLE001 - logged with its traceback just below
            replies.log_failure(log, exc, "a Slack listener")
            _tell(exc, kwargs)

    return guarded


def _tell(error: Exception, given: dict[str, Any]) -> None:
    """The apology: in the acknowledgement if there was none yet, else by response_url,
    else (a modal's submission, a shortcut) in the user's DM with newsbot. Read from
    the request's context, which every listener takes."""
    text = failure_text(error)
    context = given.get("context")
    ack: Ack | None = given.get("ack") or getattr(context, "ack", None)
    if ack is not None and ack.response is None:
        ack(response_type="ephemeral", text=text)
        return
    respond: Respond | None = getattr(context, "respond", None)
    client: WebClient | None = getattr(context, "client", None)
    user = getattr(context, "user_id", None)
    try:
        if respond is not None:
            respond(response_type="ephemeral", text=text, replace_original=False)
        elif client is not None and user:
            client.chat_postMessage(channel=user, text=text)
    except (SlackApiError, SlackClientError, OSError):
        log.exception("could not tell the user about the failure")


def handle_error(
    error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None
) -> None:
    """bolt's error handler: what reaches it is an event listener's failure (events are
    acknowledged before their listener runs): the apology goes to the event's thread."""
    replies.log_failure(log, error, "a Slack listener")
    text = failure_text(error)
    event = body.get("event") or {}
    try:
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", text=text, replace_original=False)
        elif event.get("channel"):
            client.chat_postMessage(
                channel=event["channel"], thread_ts=failure_thread(event), text=text
            )
    except (SlackApiError, SlackClientError, OSError):
        log.exception("could not tell the user about the failure")
