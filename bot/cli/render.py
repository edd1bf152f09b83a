"""The terminal renderer: turns the engine's typed results into lines of text.

Matched words are styled with click.style; click.echo drops the styling when
output is not a terminal, so piped output is plain.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import click

from newsbot.bot.chat import layout
from newsbot.bot.chat.replies import counted
from newsbot.index import (
    Answer,
    Article,
    Disagreement,
    Feedback,
    Gap,
    IngestOutcome,
    LibraryCheck,
    Migration,
    Quote,
    SearchResults,
)

_WIDTH = 88
INK = layout.Ink(
    text=lambda raw, _limit: raw, strong=lambda written: click.style(written, bold=True)
)


def source_line(article: Article) -> str:
    """`headline · outlet · date · url`, skipping what we do not know."""
    parts = [article.headline, article.outlet, article.published, article.url]
    return " · ".join(p for p in parts if p)


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
    """The answer as bot/chat/layout.py lays it out: one article's quotes, then its
    source line once, with where each quote is in the stored article."""
    lines = [click.style(f"Q: {answer.question}", bold=True)]
    if answer.abstained:
        lines.append(layout.abstention(answer, INK, in_chat=False))
        if answer.closest:
            lines.append(layout.CLOSEST_HEADING)
            lines.extend(f"  #{a.id} {source_line(a)}" for a in answer.closest)
        return "\n".join(lines)
    lines.append(layout.summary(answer, INK))
    stale = layout.stale_note(answer)
    if stale is not None:
        lines.append(stale)
    for article, quotes in layout.by_article(answer.quotes):
        one_speaker = len({q.speaker for q in quotes}) == 1
        for quote in quotes:
            lines.append("")
            lines.append(_indent_block(f"“{highlighted(quote)}”", "  │ "))
            if quote.speaker and not one_speaker:  # each names its own; the source once
                lines.append(f"    — {quote.speaker}")
        said = f"{quotes[0].speaker}, in " if one_speaker and quotes[0].speaker else ""
        collections = layout.in_scope(answer, article)
        where = f" [{', '.join(collections)}]" if collections else ""
        lines.append(f"    — {said}#{article.id} {source_line(article)}{where}")
        if article.origin and not article.url:
            spans = " ".join(f"[{q.start}:{q.end}]" for q in quotes)
            lines.append(f"      {article.origin} {spans}")
        also = sorted({a.id: a for q in quotes for a in q.also_in}.values(), key=lambda a: a.id)
        lines.extend(f"      also in #{twin.id} {source_line(twin)}" for twin in also)
        reported = {c.article.id: c.article for q in quotes for c in q.corroborated_by}
        if reported:
            lines.append(f"      also reported by {counted(len(reported), 'source')}:")
            lines.extend(f"        #{a.id} {source_line(a)}" for a in reported.values())
        for disagreement in (d for q in quotes for d in q.disagreements):
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
    return layout.outcome_text(outcome, layout.PLAIN, origin_first=True)


def render_migration(result: Migration) -> str:
    """`newsbot migrate`: a line a table (copied, of how many), then what happened."""
    lines = [f"{result.source} -> {result.target}"]
    for table, present in result.present.items():
        copied = result.copied.get(table, 0)
        there = present - copied
        note = f", {there:,} there already" if there > 0 else ""
        lines.append(f"  {table}: {copied:,} copied of {present:,}{note}")
    if result.skipped:
        lines.append(f"  not in this library: {', '.join(result.skipped)}")
    if result.total_copied:
        lines.append(
            f"copied {counted(result.total_copied, 'row')} in one transaction; counts checked. "
            "Set NEWSBOT_DB to the URL on every machine."
        )
    else:
        lines.append("nothing to copy: everything was there already; counts checked.")
    return "\n".join(lines)


def render_check(db_path: Path, result: LibraryCheck) -> str:
    """`newsbot check`: one line for the database, one for the index, what to do."""
    database = result.database
    timing = f"{database.kind}, {database.seconds:.2f} s"
    if database.ok:
        lines = [f"database {db_path}: ok ({timing})"]
    else:
        lines = [
            f"database {db_path}: damaged, {counted(len(database.problems), 'problem')} ({timing}):"
        ]
        lines += [f"  {problem}" for problem in database.problems]
    index = result.index_path
    if not database.ok:
        lines.append(f"index {index}: not checked (the database comes first)")
    elif result.index_problems:
        lines.append(f"index {index}: does not agree with the database:")
        lines += [f"  {problem}" for problem in result.index_problems]
    else:
        lines.append(
            f"index {index}: ok ({counted(result.passages, 'passage')}, as in the database)"
        )
    if result.advice:
        lines.append(f"what to do: {result.advice}")
    return "\n".join(lines)
