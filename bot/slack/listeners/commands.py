"""Slash commands: /ask, /ingest, /newsbot (sources, forget)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, Respond

from newsbot.bot.paging import sources_page
from newsbot.bot.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.slack import render
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.routing import plain_text
from newsbot.bot.slack.services import services_of
from newsbot.index import IngestOutcome

# One link and nothing else, in Slack's <url|label> form or bare. Any scheme, so
# that ftp://... is refused as a link (only http and https) rather than stored as text.
_URL = re.compile(r"^<?([a-zA-Z][a-zA-Z0-9+.-]*://[^\s|>]+)(?:\|[^>]*)?>?$")
ASK_USAGE = "Usage: `/ask QUESTION`"
INGEST_USAGE = "Usage: `/ingest URL` or `/ingest` pasted text"
NEWSBOT_USAGE = (
    "Usage: `/newsbot sources [words in a headline or outlet]` or `/newsbot forget ID` "
    "(admins only)."
)
REFUSED_FORGET = "Sorry, only newsbot admins can forget articles."


def handle_ask(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    question = plain_text(command.get("text", ""))
    if not question:
        ack(response_type="ephemeral", text=ASK_USAGE)
        return
    ack()
    services = services_of(context)
    answer = services.runtime.answer(question, surface="slack")
    shown_id = None
    if not answer.abstained:  # kept as shown, so Share posts exactly this
        shown_id = services.state.keep_shown("slack", render.answer_message(answer))
    respond(response_type="ephemeral", **render.answer_message(answer, share_id=shown_id))


def handle_ingest(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    services = services_of(context)
    user = command.get("user_id")
    if not services.config.ingest_users.allows(user):
        ack(response_type="ephemeral", text=REFUSED_INGEST)
        return
    raw = command.get("text", "").strip()
    if not raw:
        ack(response_type="ephemeral", text=INGEST_USAGE)
        return
    url_match = _URL.match(raw)
    if url_match:
        url = url_match.group(1)
        ack(response_type="ephemeral", text=f"Fetching {render.escape(url)}…")

        def job() -> IngestOutcome:
            return services.runtime.ingest_url(url)

    else:
        ack(response_type="ephemeral", text="Adding the pasted article…")
        origin = f"slack:/ingest by {user}"

        def job() -> IngestOutcome:
            return services.runtime.ingest_bytes(raw.encode("utf-8"), origin)

    # Slow work happens after the acknowledgement, on the ingest queue; the result
    # goes to response_url.
    queued = services.ingest_queue.submit(
        str(user),
        lambda: respond(response_type="ephemeral", text=render.outcome_text(job())),
        lambda error: respond(response_type="ephemeral", text=failure_text(error)),
    )
    if not queued:
        respond(response_type="ephemeral", text=QUEUE_FULL)


def handle_newsbot(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    services = services_of(context)
    words = plain_text(command.get("text", "")).split()
    match words:
        case ["sources", *match]:
            ack()
            page = services.call(sources_page, services.engine, " ".join(match))
            respond(response_type="ephemeral", **render.sources_message(page))
        case ["forget", raw_id]:
            if not services.config.admins.allows(command.get("user_id")):
                ack(response_type="ephemeral", text=REFUSED_FORGET)
                return
            if not raw_id.lstrip("#").isdigit():
                ack(response_type="ephemeral", text=NEWSBOT_USAGE)
                return
            ack()
            article = services.write(services.engine.forget, int(raw_id.lstrip("#")))
            text = f"Forgot #{article.id}: {render.escape(article.headline)}"
            respond(response_type="ephemeral", text=text)
        case _:
            ack(response_type="ephemeral", text=NEWSBOT_USAGE)
