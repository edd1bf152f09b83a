"""The Slack renderer: Block Kit for the engine's typed results.

Article text is escaped (`&`, `<`, `>`) so a quoted `<!channel>` cannot ping
anyone, and every message stays inside Slack's limits (3,000 characters per
section, 50 blocks) by splitting long quotes and trimming extra blocks, never
by failing. Every message carries a plain-text fallback.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from newsbot.bot.replies import counted
from newsbot.index import Answer, Article, IngestOutcome, Quote, Status

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
FALLBACK_LIMIT = 3000
SHARE_ACTION = "share_answer"

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: the only three characters Slack asks to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_line(article: Article) -> str:
    """`<url|headline> · outlet · date`; no link where there is no URL."""
    headline = escape(article.headline)
    if article.url and not any(c in article.url for c in "<>| "):
        title = f"<{article.url}|{headline}>"
    else:
        title = headline
    parts = [title, *(escape(p) for p in (article.outlet, article.published) if p)]
    return " · ".join(parts)


def quote_sections(quote: Quote, limit: int = SECTION_LIMIT) -> list[str]:
    """The quote as mrkdwn block-quote sections of at most `limit` characters each.

    Matched words are bold and all text is escaped. A long quote is cut
    between words (never inside an escape like `&amp;`), and each piece stays
    a block quote.
    """
    tokens: list[str] = []
    cursor = 0
    spans = [*quote.highlights, (len(quote.text), len(quote.text))]
    for start, end in spans:
        for bold, part in ((False, quote.text[cursor:start]), (True, quote.text[start:end])):
            for word in re.split(r"(\s+)", part):
                if not word:
                    continue
                if word.isspace():
                    tokens.append(word.replace("\n", "\n>"))
                else:
                    tokens.append(f"*{escape(word)}*" if bold else escape(word))
        cursor = end
    sections: list[str] = []
    current = ">"
    for token in tokens:
        while len(">" + token) > limit:  # one enormous word: cut it, between escapes
            cut = limit - 1
            amp = token.rfind("&", 0, cut)
            if amp > cut - 5:
                cut = amp
            tokens_head, token = token[:cut], token[cut:]
            if current != ">":
                sections.append(current)
            sections.append(">" + tokens_head)
            current = ">"
        if len(current) + len(token) > limit:
            sections.append(current.rstrip())
            current = ">" + token.lstrip()
        else:
            current += token
    if current.strip(">").strip():
        sections.append(current)
    return sections


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, 3000)}]}


def _escaped_clip(text: str, limit: int) -> str:
    """Escaped, then clipped to `limit` without cutting an escape like `&amp;` in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]*$", "", escaped[: limit - 1]) + "…"


def _fallback(answer: Answer) -> str:
    """The message's top-level `text`: Slack parses it too, so it is escaped as well."""
    if answer.abstained:
        question = _escaped_clip(answer.question, FALLBACK_LIMIT - 60)
        return f"I could not find an answer to “{question}” in my articles."
    first = answer.quotes[0]
    more = f" ({len(answer.quotes) - 1} more)" if len(answer.quotes) > 1 else ""
    return _escaped_clip(f"“{first.text}” — {first.article.headline}{more}", FALLBACK_LIMIT)


def _limit_blocks(blocks: list[Block], keep_last: int) -> list[Block]:
    """At most BLOCK_LIMIT blocks; the last `keep_last` (buttons) always stay."""
    if len(blocks) <= BLOCK_LIMIT:
        return blocks
    tail = blocks[len(blocks) - keep_last :] if keep_last else []
    head = blocks[: BLOCK_LIMIT - keep_last - 1]
    note = context(f"_…{len(blocks) - keep_last - len(head)} more blocks not shown._")
    return [*head, note, *tail]


def answer_message(
    answer: Answer, *, share_id: str | None = None, preface: str | None = None
) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage or a response_url post.

    `preface` (mrkdwn, already escaped) goes first, as a context line. `share_id`
    adds the "Share in channel" button, carrying the id under which the answer as
    shown was kept (never the question: a button's value holds 2,000 characters).
    """
    blocks: list[Block] = [context(preface)] if preface else []
    blocks.append(section(f"*Q:* {escape(_clip(answer.question, 2900))}"))
    if answer.abstained:
        blocks.append(section("I could not find an answer to that in my articles."))
        if answer.closest:
            lines = "\n".join(f"• {source_line(a)}" for a in answer.closest)
            blocks.append(context(f"Closest articles:\n{lines}"))
    else:
        for quote in answer.quotes:
            blocks.extend(section(chunk) for chunk in quote_sections(quote))
            source = source_line(quote.article)
            if quote.speaker:
                source = f"— *{escape(quote.speaker)}*, in {source}"
            if quote.also_in:
                source += "\nAlso in: " + "; ".join(source_line(a) for a in quote.also_in)
            if quote.corroborated_by:
                n = len(quote.corroborated_by)
                links = "; ".join(source_line(c.article) for c in quote.corroborated_by)
                source += f"\nAlso reported by {n} source{'s' if n > 1 else ''}: {links}"
            for disagreement in quote.disagreements:
                source += f"\nSources differ on {escape(disagreement.what)}: " + " · ".join(
                    f"{escape(value)} ({', '.join(escape(a.headline) for a in articles)})"
                    for value, articles in disagreement.values
                )
            blocks.append(context(source))
        noun = "quote" if len(answer.quotes) == 1 else "quotes"
        blocks.append(
            context(f"Confidence: *{answer.confidence.value}* · {len(answer.quotes)} {noun}")
        )
        if answer.stale_days is not None:
            blocks.append(
                context(f"Note: the newest of these sources is {answer.stale_days:,} days old.")
            )
    keep_last = 0
    if share_id is not None and not answer.abstained:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": SHARE_ACTION,
                        "text": {"type": "plain_text", "text": "Share in channel"},
                        "value": share_id,
                    }
                ],
            }
        )
        keep_last = 1
    return {"text": _fallback(answer), "blocks": _limit_blocks(blocks, keep_last)}


def shared_message(shown: dict[str, Any], preface: str) -> dict[str, Any]:
    """An answer kept as shown, for the channel: `preface` (escaped mrkdwn) first."""
    blocks = [context(preface), *shown.get("blocks", [])]
    return {"text": shown.get("text", ""), "blocks": _limit_blocks(blocks, 0)}


def outcome_text(outcome: IngestOutcome) -> str:
    """One line for an ingest result: headline, outlet, passage count, or the reason."""
    match outcome.status:
        case Status.ADDED:
            outlet = f" · {escape(outcome.outlet)}" if outcome.outlet else ""
            return (
                f"Added #{outcome.article_id}: *{escape(outcome.headline or '')}*{outlet} "
                f"({counted(outcome.passage_count, 'passage')})"
            )
        case Status.DUPLICATE:
            return f"Already indexed as #{outcome.article_id}."
        case Status.NEAR_DUPLICATE:
            return (
                f"Not added: {escape(outcome.origin)} is a near-duplicate of "
                f"#{outcome.article_id} ({outcome.similarity or 0:.0%} the same text)."
            )
        case Status.FAILED:
            return f"Could not add {escape(outcome.origin)}: {escape(outcome.reason or '')}"
        case _:
            assert_never(outcome.status)


def sources_message(articles: list[Article]) -> dict[str, Any]:
    if not articles:
        return {"text": "No articles yet."}
    lines = [f"#{a.id} {source_line(a)}" for a in articles]
    blocks = [section(chunk) for chunk in _split_lines(lines)]
    return {"text": counted(len(articles), "article"), "blocks": _limit_blocks(blocks, 0)}


def _split_lines(lines: list[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = _clip(line, SECTION_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks
