"""The terminal renderer: turns the engine's typed results into lines of text.

Matched words are styled with click.style; click.echo drops the styling when
output is not a terminal, so piped output is plain.
"""

from __future__ import annotations

import textwrap
from typing import assert_never

import click

from newsbot.bot.replies import counted
from newsbot.index import (
    Answer,
    Article,
    Disagreement,
    Feedback,
    Gap,
    IngestOutcome,
    Quote,
    SearchResults,
    Status,
)

_WIDTH = 88


def source_line(article: Article) -> str:
    """`headline · outlet · date · url`, skipping what we do not know."""
    parts = [article.headline, article.outlet, article.published, article.url]
    return " · ".join(p for p in parts if p)


def in_collections(answer: Answer, article: Article) -> str:
    """` [ukraine, world]` after a source line when the question's scope held several
    collections (which of them the article is in); else nothing."""
    names = answer.collections.get(article.id, ())
    return f" [{', '.join(n for n in names if n in answer.scope)}]" if names else ""


def stale_note(days: int) -> str:
    return f"Note: the newest of these sources is {days:,} days old."


def differ_line(disagreement: Disagreement) -> str:
    """`26 (#2, #3) · 27 (#5)`: each number with the articles that give it."""
    return " · ".join(
        f"{value} ({', '.join(f'#{a.id}' for a in articles)})"
        for value, articles in disagreement.values
    )


def highlighted(quote: Quote) -> str:
    """The quote with matched words styled; the characters are the quote's own."""
    out: list[str] = []
    cursor = 0
    for start, end in quote.highlights:
        out.append(quote.text[cursor:start])
        out.append(click.style(quote.text[start:end], bold=True, fg="yellow"))
        cursor = end
    out.append(quote.text[cursor:])
    return "".join(out)


def _indent_block(text: str, prefix: str) -> str:
    # The quote's own line breaks are kept; each line gets the quote margin.
    return "\n".join(prefix + line for line in text.split("\n"))


def render_answer(answer: Answer) -> str:
    lines = [click.style(f"Q: {answer.question}", bold=True)]
    if answer.abstained:
        lines.append("I could not find an answer to that in the articles I have.")
        if answer.closest:
            lines.append("The closest articles:")
            lines.extend(f"  #{a.id} {source_line(a)}" for a in answer.closest)
        return "\n".join(lines)
    lines.append(f"Confidence: {answer.confidence.value}")
    if answer.stale_days is not None:
        lines.append(stale_note(answer.stale_days))
    for quote in answer.quotes:
        lines.append("")
        lines.append(_indent_block(f"“{highlighted(quote)}”", "  │ "))
        said = f"{quote.speaker}, in " if quote.speaker else ""
        where = in_collections(answer, quote.article)
        lines.append(f"    — {said}#{quote.article.id} {source_line(quote.article)}{where}")
        if quote.article.origin and not quote.article.url:
            lines.append(f"      {quote.article.origin} [{quote.start}:{quote.end}]")
        for twin in quote.also_in:
            lines.append(f"      also in #{twin.id} {source_line(twin)}")
        if quote.corroborated_by:
            n = len(quote.corroborated_by)
            lines.append(f"      also reported by {n} source{'s' if n > 1 else ''}:")
            lines.extend(
                f"        #{c.article.id} {source_line(c.article)}" for c in quote.corroborated_by
            )
        for disagreement in quote.disagreements:
            lines.append(
                f"      sources differ on {disagreement.what}: {differ_line(disagreement)}"
            )
    return "\n".join(lines)


def render_search(results: SearchResults) -> str:
    if not results.hits:
        return f"No articles match {results.query!r}."
    lines: list[str] = []
    for rank, hit in enumerate(results.hits, 1):
        lines.append(
            click.style(f"{rank}. #{hit.article.id} {source_line(hit.article)}", bold=True)
        )
        lines.append(f"   score {hit.score:.2f}")
        snippet = " ".join(hit.passage.split())
        lines.append(textwrap.indent(textwrap.fill(snippet, _WIDTH - 3), "   "))
    return "\n".join(lines)


def render_sources(articles: list[Article]) -> str:
    if not articles:
        return "No articles yet. Add some with: newsbot ingest PATH"
    lines = []
    for a in articles:
        lines.append(f"#{a.id} {source_line(a)} ({counted(a.passage_count, 'passage')})")
        if a.origin:
            lines.append(f"    {a.origin}")
    return "\n".join(lines)


def render_gaps(gaps: list[Gap]) -> str:
    """Each gap: how often, when last, the newest wording, others, the closest articles."""
    if not gaps:
        return "Nothing unanswered yet."
    lines: list[str] = []
    for gap in gaps:
        wrong = f", {gap.marked_wrong} marked wrong" if gap.marked_wrong else ""
        lines.append(
            click.style(f"{counted(gap.asked, 'time')}{wrong} · last {gap.last_asked}", bold=True)
        )
        lines.append(f"  {gap.question}")
        lines.extend(f"  also: {wording}" for wording in gap.wordings)
        lines.extend(f"    closest: #{a.id} {source_line(a)}" for a in gap.closest)
    return "\n".join(lines)


def render_feedback(votes: list[Feedback]) -> str:
    """One line a vote: 👍/👎, when, who, where, the confidence shown, the question."""
    if not votes:
        return "No feedback yet."
    lines = []
    for vote in votes:
        mark = "👍" if vote.vote > 0 else "👎"
        where = " ".join(p for p in (vote.surface, vote.channel) if p)
        quoted = ", ".join(f"#{a}[{s}:{e}]" for a, s, e in vote.quotes)
        lines.append(
            f"{mark} {vote.voted_at} {vote.user} ({where}) {vote.confidence}: "
            f"{vote.question} -> {quoted}"
        )
    return "\n".join(lines)


def render_outcome(outcome: IngestOutcome) -> str:
    """`origin: what happened`, one line per ingested item."""
    match outcome.status:
        case Status.ADDED:
            outlet = f" · {outcome.outlet}" if outcome.outlet else ""
            passages = outcome.passage_count
            what = (
                f"added #{outcome.article_id}: {outcome.headline}{outlet} "
                f"({counted(passages, 'passage')})"
            )
        case Status.DUPLICATE:
            what = f"already indexed as #{outcome.article_id}"
        case Status.NEAR_DUPLICATE:
            share = f"{outcome.similarity or 0:.0%}"
            what = f"near-duplicate of #{outcome.article_id} ({share} the same text); not added"
        case Status.FAILED:
            what = f"failed: {outcome.reason}"
        case _:
            assert_never(outcome.status)
    return f"{outcome.origin}: {what}"
