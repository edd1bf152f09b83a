"""What an answer says, in which order, for every surface: Slack, Discord and the terminal.

The renderers differ in markup (Block Kit, embeds, styled text) and limits; the
words and their order are decided here once: the question, then either the
abstention (with the channel's scope, where it has one, and the closest
articles) or a summary line (the confidence label and how many quotes), the
staleness note, and the quotes one article at a time. Each renderer passes its
`Ink` (how it escapes and emphasises) and lays the parts out in its own markup.

The lowest confidence band is shown as "Not sure": on held-apart news its first
quote is right about one time in eight, so it is offered as the closest passage
found, never as an answer (README, "Answer quality").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import assert_never

from newsbot.bot.chat.replies import counted
from newsbot.index import Answer, Article, Confidence, IngestOutcome, Quote, Status

NOT_FOUND = "I could not find an answer to that in my articles."
CLOSEST_HEADING = "Closest articles:"
# What each confidence label reads as. "low" stays "low" in the JSON (a stable
# contract); people read "Not sure".
LABELS = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "Not sure"}


@dataclass(frozen=True)
class Ink:
    """How one surface writes text: `text(raw, limit)` makes article or user text inert
    in its markup, within `limit` characters as the surface counts them (a renderer
    with no limits ignores it); `strong` emphasises text already written."""

    text: Callable[[str, int], str]
    strong: Callable[[str], str]


PLAIN = Ink(text=lambda raw, _limit: raw, strong=lambda written: written)


def not_sure(answer: Answer) -> bool:
    """Whether the answer is in the lowest band: offered as the closest passage found."""
    return answer.confidence is Confidence.LOW


def summary(answer: Answer, ink: Ink) -> str:
    """`Confidence: high · 2 quotes`, or, in the lowest band, `Not sure · the closest
    passage I found` (passages, for several)."""
    if not_sure(answer):
        passage = "passage" if len(answer.quotes) == 1 else "passages"
        return f"{ink.strong('Not sure')} · the closest {passage} I found"
    label = ink.strong(LABELS[answer.confidence])
    return f"Confidence: {label} · {counted(len(answer.quotes), 'quote')}"


def stale_note(answer: Answer) -> str | None:
    """The staleness note, when even the newest source quoted is old."""
    if answer.stale_days is None:
        return None
    return f"Note: the newest of these sources is {answer.stale_days:,} days old."


def abstention(answer: Answer, ink: Ink, *, in_chat: bool = True) -> str:
    """Why there is no answer. A scoped question says where it looked (its collections'
    names, never what another collection holds): in chat, that the channel answers
    only from them; on the command line, that only they were searched."""
    if not answer.scope:
        return NOT_FOUND
    names = ink.text(", ".join(answer.scope), 500)
    one = len(answer.scope) == 1
    which = "collection" if one else "collections"
    if in_chat:
        return f"{NOT_FOUND} This channel answers only from the {which} {names}."
    return f"{NOT_FOUND} Only the {which} {names} {'was' if one else 'were'} searched."


def by_article(quotes: Iterable[Quote]) -> list[tuple[Article, list[Quote]]]:
    """The quotes grouped under their article, in the order the articles first come:
    one source line per article, however many of its sentences are quoted."""
    groups: dict[int, tuple[Article, list[Quote]]] = {}
    for quote in quotes:
        groups.setdefault(quote.article.id, (quote.article, []))[1].append(quote)
    return list(groups.values())


def in_scope(answer: Answer, article: Article) -> tuple[str, ...]:
    """Which of the question's collections an article is in, when the scope held several."""
    return tuple(n for n in answer.collections.get(article.id, ()) if n in answer.scope)


def outcome_text(outcome: IngestOutcome, ink: Ink, *, origin_first: bool = False) -> str:
    """One line for an ingest result. Chat reads `Added #5: *headline* · outlet (12
    passages)`; the command line, listing many items (`origin_first`), `path: added
    #5: headline · outlet (12 passages)`."""
    origin = ink.text(outcome.origin, 500)
    match outcome.status:
        case Status.ADDED:
            outlet = f" · {ink.text(outcome.outlet, 100)}" if outcome.outlet else ""
            headline = ink.strong(ink.text(outcome.headline or "", 500))
            passages = counted(outcome.passage_count, "passage")
            what = f"added #{outcome.article_id}: {headline}{outlet} ({passages})"
            return f"{origin}: {what}" if origin_first else what[0].upper() + what[1:]
        case Status.DUPLICATE:
            what = f"already indexed as #{outcome.article_id}"
            return (
                f"{origin}: {what}"
                if origin_first
                else f"Already indexed as #{outcome.article_id}."
            )
        case Status.NEAR_DUPLICATE:
            same = f"#{outcome.article_id} ({outcome.similarity or 0:.0%} the same text)"
            if origin_first:
                return f"{origin}: near-duplicate of {same}; not added"
            return f"Not added: {origin} is a near-duplicate of {same}."
        case Status.FAILED:
            reason = ink.text(outcome.reason or "", 1500)
            return (
                f"{origin}: failed: {reason}"
                if origin_first
                else f"Could not add {origin}: {reason}"
            )
        case _:
            assert_never(outcome.status)
