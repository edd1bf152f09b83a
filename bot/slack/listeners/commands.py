"""Slash commands: /ask, /ingest, /newsbot (sources, forget)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond

from newsbot.bot.channels import answer_mode, stored_scope
from newsbot.bot.paging import sources_page
from newsbot.bot.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.slack import render
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.routing import plain_text
from newsbot.bot.slack.services import Services, services_of
from newsbot.index import (
    Answer,
    CollectionError,
    IngestOutcome,
    collection_names,
)

# One link and nothing else, in Slack's <url|label> form or bare. Any scheme, so
# that ftp://... is refused as a link (only http and https) rather than stored as text.
_URL = re.compile(r"^<?([a-zA-Z][a-zA-Z0-9+.-]*://[^\s|>]+)(?:\|[^>]*)?>?$")
ASK_USAGE = "Usage: `/ask QUESTION`"
INGEST_USAGE = (
    "Usage: `/ingest URL` or `/ingest` pasted text; `/ingest --collection ukraine URL` "
    "files it into a collection too"
)
# `--collection NAMES` (or `=NAMES`) before the link or text; "—" too, which a
# keyboard's smart punctuation makes of "--".
_COLLECTION = re.compile(r"^(?:--|—)collection[= ]\s*([^\s]+)")
NEWSBOT_USAGE = (
    "Usage: `/newsbot sources [words in a headline or outlet]`, `/newsbot scope` "
    "(admins: `/newsbot scope ukraine,world`, `all` or `default`), `/newsbot answer` "
    "(admins: `mentions`, `questions` or `silent`), `/newsbot forget ID` (admins)."
)
REFUSED_FORGET = "Sorry, only newsbot admins can forget articles."
REFUSED_SETTING = "Sorry, only newsbot admins can change this channel's settings."


def handle_ask(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    question = plain_text(command.get("text", ""))
    if not question:
        ack(response_type="ephemeral", text=ASK_USAGE)
        return
    services = services_of(context)
    channel = command.get("channel_id")
    refused = services.runtime.admit("slack", command.get("user_id"), channel)
    if refused:
        ack(response_type="ephemeral", text=refused)
        return
    ack()
    answer = services.runtime.answer(question, surface="slack", channel=channel)
    respond(response_type="ephemeral", **private_answer(services, answer, channel))


def private_answer(services: Services, answer: Answer, channel: str | None) -> dict[str, Any]:
    """An answer only its asker sees (/ask, "Ask newsbot about this"), with Share and
    the votes: kept as shown, so Share posts exactly this and a vote is on this."""
    if answer.abstained:
        return render.answer_message(answer)
    shown_id = services.state.keep_shown("slack", render.answer_message(answer))
    vote_id = services.runtime.keep_answer(answer, surface="slack", channel=channel)
    return render.answer_message(answer, share_id=shown_id, vote_id=vote_id)


def handle_ingest(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    services = services_of(context)
    user = command.get("user_id")
    if not services.config.ingest_users.allows(user):
        ack(response_type="ephemeral", text=REFUSED_INGEST)
        return
    raw = command.get("text", "").strip()
    named = _COLLECTION.match(raw)
    names: tuple[str, ...] = ()
    if named:
        try:
            names = collection_names(named.group(1))
        except CollectionError as exc:
            ack(response_type="ephemeral", text=render.escape(str(exc)))
            return
        raw = raw[named.end() :].strip()
    if not raw:
        ack(response_type="ephemeral", text=INGEST_USAGE)
        return
    url_match = _URL.match(raw)
    if url_match:
        url = url_match.group(1)
        ack(response_type="ephemeral", text=f"Fetching {render.escape(url)}…")

        def job() -> IngestOutcome:
            return services.runtime.ingest_url(url, collections=names)

    else:
        ack(response_type="ephemeral", text="Adding the pasted article…")
        origin = f"slack:/ingest by {user}"

        def job() -> IngestOutcome:
            return services.runtime.ingest_bytes(raw.encode("utf-8"), origin, collections=names)

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
        case ["scope"] | ["answer"]:
            ack(response_type="ephemeral", text=_describe(services, command))
        case ["scope", *names]:
            ack()  # a refusal (a malformed or unknown name) reaches the user by respond
            text = _change(services, command, lambda: {"scope": stored_scope(" ".join(names))})
            respond(response_type="ephemeral", text=text)
        case ["answer", mode]:
            ack()
            respond(
                response_type="ephemeral",
                text=_change(services, command, lambda: {"mode": answer_mode(mode)}),
            )
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


def _describe(services: Services, command: dict[str, Any]) -> str:
    settings = services.state.channel("slack", str(command.get("channel_id")))
    default = services.runtime.default_scope
    return render.escape(settings.describe(default))


def _change(services: Services, command: dict[str, Any], read: Callable[[], dict[str, Any]]) -> str:
    """An admin's change to this channel's settings (`read` parses it, once the user is
    known to be an admin), checked (a collection must exist) before it is kept; what
    the channel does now."""
    user = str(command.get("user_id"))
    if not services.config.admins.allows(user):
        return REFUSED_SETTING
    channel = str(command.get("channel_id"))
    settings = services.runtime.change_channel("slack", channel, by=user, **read())
    return render.escape(settings.describe(services.runtime.default_scope))
