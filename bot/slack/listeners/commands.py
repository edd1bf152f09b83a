"""Slash commands: /ask, /ingest, /newsbot (sources, forget)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack import render
from bot.slack.services import GENERIC_FAILURE, Services, plain_text
from index.errors import IngestError, NewsbotError
from index.fetch import fetch_article
from index.ingest import draft_from_bytes
from index.models import IngestOutcome, Status

_URL = re.compile(r"^<?(https?://[^\s|>]+)(?:\|[^>]*)?>?$")
NEWSBOT_USAGE = "Usage: `/newsbot sources` or `/newsbot forget ID` (admins only)."
REFUSED_INGEST = "Sorry, you are not allowed to add articles to newsbot."
REFUSED_FORGET = "Sorry, only newsbot admins can forget articles."


def _ingest_url(services: Services, url: str) -> IngestOutcome:
    existing = services.call(services.engine.article_id_for_url, url)
    if existing is not None:
        return IngestOutcome(url, Status.DUPLICATE, article_id=existing)
    try:
        draft = fetch_article(url)  # network: outside the engine lock
    except IngestError as exc:
        return IngestOutcome(url, Status.FAILED, reason=str(exc))
    return services.call(services.engine.ingest, draft)


def _ingest_text(services: Services, text: str, user: str) -> IngestOutcome:
    origin = f"slack:/ingest by {user}"
    try:
        draft = draft_from_bytes(text.encode("utf-8"), origin)
    except IngestError as exc:
        return IngestOutcome(origin, Status.FAILED, reason=str(exc))
    return services.call(services.engine.ingest, draft)


def register(app: App, services: Services) -> None:
    @app.command("/ask")
    def ask(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        question = plain_text(command.get("text", ""))
        if not question:
            ack(response_type="ephemeral", text="Usage: `/ask QUESTION`")
            return
        ack()
        try:
            answer = services.call(services.engine.answer, question)
            respond(response_type="ephemeral", **render.answer_message(answer, share=True))
        except NewsbotError as exc:
            respond(response_type="ephemeral", text=render.escape(str(exc)))
        except Exception:
            services.logger.exception("/ask failed")
            respond(response_type="ephemeral", text=GENERIC_FAILURE)

    @app.command("/ingest")
    def ingest(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        user = command.get("user_id")
        if not services.config.ingest_users.allows(user):
            ack(response_type="ephemeral", text=REFUSED_INGEST)
            return
        raw = command.get("text", "").strip()
        if not raw:
            ack(response_type="ephemeral", text="Usage: `/ingest URL` or `/ingest` pasted text")
            return
        url_match = _URL.match(raw)
        if url_match:
            ack(response_type="ephemeral", text=f"Fetching {render.escape(url_match.group(1))}…")
        else:
            ack(response_type="ephemeral", text="Adding the pasted article…")
        # Slow work happens after the acknowledgement; the result goes to response_url.
        try:
            if url_match:
                outcome = _ingest_url(services, url_match.group(1))
            else:
                outcome = _ingest_text(services, raw, str(user))
            respond(response_type="ephemeral", text=render.outcome_text(outcome))
        except Exception:
            services.logger.exception("/ingest failed")
            respond(response_type="ephemeral", text=GENERIC_FAILURE)

    @app.command("/newsbot")
    def newsbot(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        words = command.get("text", "").split()
        if words[:1] == ["sources"] and len(words) == 1:
            ack()
            articles = services.call(services.engine.sources)
            respond(response_type="ephemeral", **render.sources_message(articles))
            return
        if words[:1] == ["forget"] and len(words) == 2:
            if not services.config.admins.allows(command.get("user_id")):
                ack(response_type="ephemeral", text=REFUSED_FORGET)
                return
            if not words[1].lstrip("#").isdigit():
                ack(response_type="ephemeral", text=NEWSBOT_USAGE)
                return
            ack()
            try:
                article = services.call(services.engine.forget, int(words[1].lstrip("#")))
                respond(
                    response_type="ephemeral",
                    text=f"Forgot #{article.id}: {render.escape(article.headline)}",
                )
            except NewsbotError as exc:
                respond(response_type="ephemeral", text=render.escape(str(exc)))
            return
        ack(response_type="ephemeral", text=NEWSBOT_USAGE)
