"""Slash commands: /ask, /ingest, /newsbot (sources, scope, answer, forget).

Each acknowledges exactly once: with the refusal or usage line when there is
one, else at once and then the result through the response_url.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, Respond

from newsbot.bot.chat.channels import answer_mode, stored_scope
from newsbot.bot.chat.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.chat.runtime import Asked, Question, Refusal, Runtime
from newsbot.bot.slack import render
from newsbot.bot.slack.context import config_of, runtime_of
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.listeners.events import EVENT_CLAIMED, command_key
from newsbot.bot.slack.routing import plain_text
from newsbot.index import CollectionError, IngestOutcome, collection_names

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
    """Claimed before the ack (`events.claim_before_ack`), and marked answered once the
    answer is posted: a newsbot killed in between answers it after a restart."""
    runtime = runtime_of(context)
    key = command_key(command)
    if key is not None and context.get(EVENT_CLAIMED) is False:
        ack()  # another delivery of this very command answers it
        return
    with runtime.claimed(key):
        question = plain_text(command.get("text", ""))
        if not question:
            ack(response_type="ephemeral", text=ASK_USAGE)
            return
        ack()  # answering may wait for a write in progress: the answer follows by response_url
        user, channel = command.get("user_id"), command.get("channel_id")
        asked = ask_privately(runtime, question, user, channel)
        respond(response_type="ephemeral", **render.private_reply(asked))


def ask_privately(
    runtime: Runtime, question: str, user: str | None, channel: str | None
) -> Asked | Refusal:
    """A question answered for its asker alone (/ask, "Ask newsbot about this"), kept as
    shown so that Share posts exactly what they saw."""
    return runtime.ask(
        Question("slack", question, user=user, channel=channel),
        shown=lambda asked: render.answer_message(asked.answer),
    )


def handle_ingest(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    runtime = runtime_of(context)
    user = command.get("user_id")
    if not config_of(context).ingest_users.allows(user):
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
            return runtime.ingest_url(url, collections=names)

    else:
        ack(response_type="ephemeral", text="Adding the pasted article…")
        origin = f"slack:/ingest by {user}"

        def job() -> IngestOutcome:
            return runtime.ingest_bytes(raw.encode("utf-8"), origin, collections=names)

    # Slow work happens after the acknowledgement, on the ingest queue; the result
    # goes to response_url.
    queued = runtime.queue_ingest(
        str(user),
        lambda: respond(response_type="ephemeral", text=render.outcome_text(job())),
        lambda error: respond(response_type="ephemeral", text=failure_text(error)),
    )
    if not queued:
        respond(response_type="ephemeral", text=QUEUE_FULL)


def handle_newsbot(
    ack: Ack, command: dict[str, Any], respond: Respond, context: dict[str, Any]
) -> None:
    runtime = runtime_of(context)
    admin = config_of(context).admins.allows(command.get("user_id"))
    channel = str(command.get("channel_id"))
    user = str(command.get("user_id"))
    words = plain_text(command.get("text", "")).split()
    match words:
        case ["sources", *match]:
            ack()
            page = runtime.sources_page(" ".join(match))
            respond(response_type="ephemeral", **render.sources_message(page))
        case ["scope"] | ["answer"]:
            text = runtime.describe_channel("slack", channel)
            ack(response_type="ephemeral", text=render.escape(text))
        case ["scope" | "answer", *_] if not admin:
            ack(response_type="ephemeral", text=REFUSED_SETTING)
        case ["scope", *names]:
            done = runtime.change_channel(
                "slack", channel, by=user, scope=lambda: stored_scope(" ".join(names))
            )
            ack(response_type="ephemeral", text=render.said(done))
        case ["answer", mode]:
            done = runtime.change_channel("slack", channel, by=user, mode=lambda: answer_mode(mode))
            ack(response_type="ephemeral", text=render.said(done))
        case ["forget", _] if not admin:
            ack(response_type="ephemeral", text=REFUSED_FORGET)
        case ["forget", raw_id] if raw_id.lstrip("#").isdigit():
            ack()  # a write may wait for another writer: the outcome follows by response_url
            forgotten = runtime.forget(int(raw_id.lstrip("#")))
            if isinstance(forgotten, Refusal):
                text = render.said(forgotten)
            else:
                text = f"Forgot #{forgotten.id}: {render.escape(forgotten.headline)}"
            respond(response_type="ephemeral", text=text)
        case _:
            ack(response_type="ephemeral", text=NEWSBOT_USAGE)
