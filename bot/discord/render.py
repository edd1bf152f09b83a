"""The Discord renderer: message payloads for the engine's typed results.

Quotes are block quotes with the matched words in bold, one embed per article
(Discord shows only the first of several embeds that share a URL). Article
text is escaped so that its markdown, mentions and emoji render as the
characters they are, and every message says `allowed_mentions: {"parse": []}`
so a quoted "@everyone" pings no one. Every Discord limit is kept by cutting
text (between escapes, never inside one) or leaving embeds out with a note,
never by failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, assert_never

from newsbot.bot.replies import counted
from newsbot.index import Answer, Article, IngestOutcome, Quote, Status

CONTENT_LIMIT = 2000
EMBED_LIMIT = 10
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
CUSTOM_ID_LIMIT = 100
SHARE_PREFIX = "share:"
EPHEMERAL = 64  # message flag: only the person who asked sees it
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
NOT_FOUND = "I could not find an answer to that in my articles."

Message = dict[str, Any]

# Discord's markdown and mention syntax, each escaped with a backslash (which
# Discord drops before punctuation, wherever it is); list markers at a line start.
_SPECIAL = re.compile(r"([\\*_~`|<>\[\]()#@])")
_LIST_MARK = re.compile(r"^(\s*)(?:([-+])|(\d+)\.)(?=\s|$)", re.MULTILINE)


def _unlist(match: re.Match[str]) -> str:
    if match[2]:
        return f"{match[1]}\\{match[2]}"
    return f"{match[1]}{match[3]}\\."  # "1\." renders "1." anywhere


def escape(text: str) -> str:
    return _LIST_MARK.sub(_unlist, _SPECIAL.sub(r"\\\1", text))


def clip(text: str, limit: int) -> str:
    """`text` (already rendered) within `limit`, cut before a dangling backslash."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:  # half an escape pair would escape the ellipsis
        cut = cut[:-1]
    return cut + "…"


def escaped_clip(text: str, limit: int) -> str:
    return clip(escape(text), limit)


def message(content: str, *, ephemeral: bool = False, **extra: Any) -> Message:
    """A message payload; every one newsbot sends pings nobody."""
    body: Message = {"content": clip(content, CONTENT_LIMIT), "allowed_mentions": NO_MENTIONS}
    if ephemeral:
        body["flags"] = EPHEMERAL
    body.update(extra)
    return body


def link(article: Article) -> str:
    """The headline, linked when the article has a URL Discord can link."""
    headline = escaped_clip(article.headline, 200)
    url = article.url or ""
    if url.startswith(("http://", "https://")) and not any(c in url for c in "<> )"):
        return f"[{headline}](<{url}>)"  # <…>: no link preview
    return headline


def source_line(article: Article) -> str:
    parts = [link(article), *(escape(p) for p in (article.outlet, article.published) if p)]
    return " · ".join(parts)


def quote_markdown(quote: Quote, limit: int) -> str:
    """The quote as a block quote within `limit` characters, matched words in bold."""
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in (*quote.highlights, (len(quote.text), len(quote.text))):
        pieces.append((quote.text[cursor:start], False))
        pieces.append((quote.text[start:end], True))
        cursor = end
    out = "> "
    for raw, bold in pieces:
        for word in re.split(r"(\s+)", raw):
            if not word:
                continue
            if word.isspace():
                token = "\n> " if "\n" in word else " "
            else:
                token = f"**{escape(word)}**" if bold else escape(word)
            if len(out) + len(token) <= limit - 1:
                out += token
                continue
            # Too long: the part of this word that fits (escaping at most doubles it).
            room = (limit - 1 - len(out) - (4 if bold else 0)) // 2
            if room > 0 and not word.isspace():
                part = escape(word[:room])
                out += f"**{part}**" if bold else part
            return out.rstrip() + "…"
    return out


def _footer(article: Article) -> str:
    return " · ".join(p for p in (article.outlet, article.published) if p)


def _grouped(quotes: Iterable[Quote]) -> list[tuple[Article, list[Quote]]]:
    groups: dict[int, tuple[Article, list[Quote]]] = {}
    for quote in quotes:
        groups.setdefault(quote.article.id, (quote.article, []))[1].append(quote)
    return list(groups.values())


def _embed(article: Article, quotes: list[Quote], budget: int) -> dict[str, Any]:
    """One article's embed, its text (title, footer, field, quotes) within `budget`."""
    share = budget // 4  # title, footer and "Also in" each take at most a quarter
    title = clip(article.headline, min(TITLE_LIMIT, share))
    footer = clip(_footer(article), min(FOOTER_LIMIT, share))
    embed: dict[str, Any] = {"title": title}
    if footer:
        embed["footer"] = {"text": footer}
    url = article.url or ""
    if url.startswith(("http://", "https://")) and len(url) <= 2048:
        embed["url"] = url
    room = budget - len(title) - len(footer)
    fields = []
    also = sorted({a.id: a for q in quotes for a in q.also_in}.values(), key=lambda a: a.id)
    if also:
        fields.append(("Also in", "\n".join(source_line(a) for a in also)))
    reported = {c.article.id: c.article for q in quotes for c in q.corroborated_by}
    if reported:
        n = len(reported)
        name = f"Also reported by {n} source{'s' if n > 1 else ''}"
        fields.append((name, "\n".join(source_line(a) for a in reported.values())))
    for disagreement in (d for q in quotes for d in q.disagreements):
        values = " · ".join(
            f"{escape(value)} ({', '.join(escaped_clip(a.headline, 60) for a in articles)})"
            for value, articles in disagreement.values
        )
        fields.append((clip(f"Sources differ on {disagreement.what}", TITLE_LIMIT), values))
    if fields:
        # The fields share a quarter of the embed's budget; they are cut, never the quotes.
        each = max(20, min(FIELD_VALUE_LIMIT, share // len(fields)))
        embed["fields"] = [
            {"name": name, "value": clip(value, each), "inline": False} for name, value in fields
        ]
        room -= sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    room = min(DESCRIPTION_LIMIT, room)
    parts: list[str] = []
    for quote in quotes:
        said = f"\n— **{escaped_clip(quote.speaker, 100)}**" if quote.speaker else ""
        left = room - sum(len(p) + 2 for p in parts) - len(said)
        if left < 20:
            break
        parts.append(quote_markdown(quote, left) + said)
    embed["description"] = "\n\n".join(parts)
    return embed


def answer_message(
    answer: Answer,
    *,
    share_id: str | None = None,
    preface: str | None = None,
    ephemeral: bool = False,
) -> Message:
    """The answer as a message: the question and confidence, one embed per article.

    `preface` (already escaped) goes first; `share_id` adds the "Share in
    channel" button whose custom_id carries it.
    """
    lines = [preface] if preface else []
    lines.append(f"**Q:** {escaped_clip(answer.question, 1000)}")
    if answer.abstained:
        lines.append(NOT_FOUND)
        if answer.closest:
            lines.append("Closest articles:")
            lines.extend(f"• {source_line(a)}" for a in answer.closest)
        return message("\n".join(lines), ephemeral=ephemeral, embeds=[])
    groups = _grouped(answer.quotes)
    shown = groups[:EMBED_LIMIT]
    noun = "quote" if len(answer.quotes) == 1 else "quotes"
    lines.append(f"Confidence: **{answer.confidence.value}** · {len(answer.quotes)} {noun}")
    if answer.stale_days is not None:
        lines.append(f"Note: the newest of these sources is {answer.stale_days:,} days old.")
    if len(groups) > len(shown):
        lines.append(f"_{len(groups) - len(shown)} more articles not shown._")
    budget = EMBEDS_TOTAL_LIMIT // len(shown)
    embeds = [_embed(article, quotes, budget) for article, quotes in shown]
    extra: dict[str, Any] = {"embeds": embeds}
    if share_id is not None:
        custom_id = SHARE_PREFIX + share_id
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError("a share id must fit Discord's 100-character custom_id")
        button = {"type": 2, "style": 1, "label": "Share in channel", "custom_id": custom_id}
        extra["components"] = [{"type": 1, "components": [button]}]
    return message("\n".join(lines), ephemeral=ephemeral, **extra)


def shared_message(shown: Message, preface: str) -> Message:
    """An answer kept as shown, for everyone in the channel: `preface` (escaped) first,
    the kept content after it within the content limit, its embeds as they were."""
    content = f"{preface}\n{shown.get('content', '')}"
    return message(content, embeds=list(shown.get("embeds", [])))


def outcome_text(outcome: IngestOutcome) -> str:
    """One line for an ingest result: headline, outlet, passage count, or the reason."""
    match outcome.status:
        case Status.ADDED:
            outlet = f" · {escape(outcome.outlet)}" if outcome.outlet else ""
            headline = escaped_clip(outcome.headline or "", 500)
            return (
                f"Added #{outcome.article_id}: **{headline}**{outlet} "
                f"({counted(outcome.passage_count, 'passage')})"
            )
        case Status.DUPLICATE:
            return f"Already indexed as #{outcome.article_id}."
        case Status.NEAR_DUPLICATE:
            return (
                f"Not added: {escaped_clip(outcome.origin, 500)} is a near-duplicate of "
                f"#{outcome.article_id} ({outcome.similarity or 0:.0%} the same text)."
            )
        case Status.FAILED:
            origin = escaped_clip(outcome.origin, 500)
            return f"Could not add {origin}: {escaped_clip(outcome.reason or '', 1000)}"
        case _:
            assert_never(outcome.status)


def sources_message(articles: list[Article]) -> Message:
    """The stored articles, newest id last, as many as one embed holds."""
    if not articles:
        return message("No articles yet.", ephemeral=True)
    lines: list[str] = []
    used = 0
    for article in articles:
        line = f"#{article.id} {source_line(article)}"
        if used + len(line) + 1 > DESCRIPTION_LIMIT - 100:
            break
        lines.append(line)
        used += len(line) + 1
    rest = len(articles) - len(lines)
    if rest:
        lines.append(f"… and {rest} more (`newsbot sources` lists them all).")
    embed = {"title": counted(len(articles), "article"), "description": "\n".join(lines)}
    return message("", ephemeral=True, embeds=[embed])
