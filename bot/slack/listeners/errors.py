"""The one error handler of the Slack app: every listener's failure ends here.

A `NewsbotError` is a refusal with a reason the user can read (an empty
question, an unknown article id): the user gets that reason. Anything else
is a bug: the user gets a short apology and the log gets the traceback.
Either way the reply goes where the request came from: the response_url of a
command or button, or the thread of an event.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from newsbot.bot import replies
from newsbot.bot.slack import render
from newsbot.bot.slack.routing import failure_thread

log = logging.getLogger("newsbot.slack")


def failure_text(error: BaseException) -> str:
    """What the user reads, in Slack's escaping (see bot/replies.py)."""
    return replies.failure_text(error, render.escape)


def handle_error(
    error: Exception, body: dict[str, Any], client: WebClient, respond: Respond | None
) -> None:
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
