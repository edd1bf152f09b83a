"""Interactivity: "Share in channel" under a private /ask answer, and the
Previous/Next buttons of `/newsbot sources`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from newsbot.bot.chat.runtime import Refusal
from newsbot.bot.slack import render
from newsbot.bot.slack.context import runtime_of

log = logging.getLogger("newsbot.slack")

SHARE_REFUSED = (
    "Slack would not post the answer in this channel ({reason}). You can copy it from "
    "here, or ask again where newsbot may post."
)


def handle_share(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: dict[str, Any],
) -> None:
    """Post the answer the user saw, as they saw it, through the interaction's
    response_url: it reaches channels newsbot has not joined, and the articles having
    changed since does not change what is shared."""
    ack()
    shown = runtime_of(context).shown("slack", str(action.get("value") or ""))
    if isinstance(shown, Refusal):
        respond(response_type="ephemeral", replace_original=False, text=render.said(shown))
        return
    user = (body.get("user") or {}).get("id")
    preface = f"Shared by <@{user}> via /ask" if user else "Shared via /ask"
    posted = respond(response_type="in_channel", **render.shared_message(shown, preface))
    if posted.status_code != 200:
        reason = render.escape(str(posted.body or posted.status_code))[:200]
        log.warning("Slack refused a shared answer: %s", reason)
        text = SHARE_REFUSED.format(reason=reason)
        respond(response_type="ephemeral", replace_original=False, text=text)
        return
    respond(delete_original=True)


def handle_sources_page(
    ack: Ack, action: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    """Previous/Next under a `/newsbot sources` page: the page the button names
    replaces the one shown (read afresh: articles may have come and gone since)."""
    ack()
    number, match = render.page_request(str(action.get("value") or ""))
    page = runtime_of(context).sources_page(match, number)
    respond(response_type="ephemeral", replace_original=True, **render.sources_message(page))


def handle_vote(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: dict[str, Any],
) -> None:
    """👍 or 👎 under an answer: kept with the answer as shown, the voter told privately
    (voting again changes the vote; nobody else sees it)."""
    ack()
    up = action.get("action_id") == render.VOTE_UP
    user = str((body.get("user") or {}).get("id"))
    thanks = runtime_of(context).vote(str(action.get("value") or ""), user, up=up)
    respond(response_type="ephemeral", replace_original=False, text=render.said(thanks))
