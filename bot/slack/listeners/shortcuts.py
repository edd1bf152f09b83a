"""Message shortcuts: "Ask newsbot about this" (a modal with the message as the
question, answered privately with Share, like /ask) and "Add to newsbot" (the
article a message links to, for users allowed to ingest)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from newsbot.bot.chat.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.slack import render
from newsbot.bot.slack.context import config_of, runtime_of
from newsbot.bot.slack.listeners.commands import ask_privately
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.routing import plain_text

log = logging.getLogger("newsbot.slack")

ASK_SHORTCUT = "ask_about_message"
ADD_SHORTCUT = "add_to_newsbot"
NO_LINK = "That message has no link to add. Share a file in a DM with newsbot, or use /ingest."
_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>|(https?://[^\s<>]+)")


def tell_privately(client: WebClient, channel: str | None, user: str, **message: Any) -> None:
    """An ephemeral message in `channel`; where newsbot may not post there (it is not a
    member), the same in the user's DM with newsbot."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, **message)
            return
        except SlackApiError as exc:
            log.info(
                "no ephemeral message in %s (%s): a DM instead", channel, exc.response.get("error")
            )
    client.chat_postMessage(channel=user, **message)


def handle_ask_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    ack()
    message = shortcut.get("message") or {}
    question = plain_text(str(message.get("text") or ""))
    metadata = json.dumps({"channel": (shortcut.get("channel") or {}).get("id")})
    client.views_open(trigger_id=shortcut["trigger_id"], view=render.ask_modal(question, metadata))


def handle_ask_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    """The modal's question, answered privately where the shortcut was used."""
    values = (view.get("state") or {}).get("values") or {}
    question = plain_text(
        str(
            ((values.get(render.QUESTION_BLOCK) or {}).get(render.QUESTION_INPUT) or {}).get(
                "value"
            )
            or ""
        )
    )
    if not question:
        ack(response_action="errors", errors={render.QUESTION_BLOCK: "Type a question."})
        return
    ack()  # the modal closes; the answer follows
    user = str((body.get("user") or {}).get("id"))
    try:
        channel = json.loads(view.get("private_metadata") or "{}").get("channel")
    except ValueError:
        channel = None
    asked = ask_privately(runtime_of(context), question, user, channel)
    tell_privately(client, channel, user, **render.private_reply(asked))


def handle_add_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    """The first link of a message, fetched and added on the ingest queue; the outcome
    told privately."""
    ack()
    runtime = runtime_of(context)
    user = str((shortcut.get("user") or {}).get("id"))
    channel = (shortcut.get("channel") or {}).get("id")
    if not config_of(context).ingest_users.allows(user):
        tell_privately(client, channel, user, text=REFUSED_INGEST)
        return
    found = _LINK.search(str((shortcut.get("message") or {}).get("text") or ""))
    if found is None:
        tell_privately(client, channel, user, text=NO_LINK)
        return
    url = found.group(1) or found.group(2)
    tell_privately(client, channel, user, text=f"Fetching {render.escape(url)}…")
    queued = runtime.queue_ingest(
        user,
        lambda: tell_privately(
            client, channel, user, text=render.outcome_text(runtime.ingest_url(url))
        ),
        lambda error: tell_privately(client, channel, user, text=failure_text(error)),
    )
    if not queued:
        tell_privately(client, channel, user, text=QUEUE_FULL)
