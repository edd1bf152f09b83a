"""The Discord renderer: message payloads for the engine's typed results.

Quotes are block quotes with the matched words in bold, one embed per article
(Discord shows only the first of several embeds that share a URL). Article
text is escaped so that its markdown, mentions and emoji render as the
characters they are, and every message says `allowed_mentions: {"parse": []}`
so a quoted "@everyone" pings no one. Every Discord limit is kept by cutting
text (between escapes, never inside one) or leaving embeds out with a note,
and `message`, which every payload passes through, checks them all in one
place (`limit_violations`): a payload over a limit is a bug, raised here
rather than refused by Discord in front of a user.
"""

from __future__ import annotations

import re
from typing import Any

from newsbot.bot.chat import layout
from newsbot.bot.chat.paging import PAGE_SIZE, SourcesPage
from newsbot.bot.chat.replies import and_more, counted, joined_within
from newsbot.bot.chat.runtime import Asked, Refusal
from newsbot.index import Answer, Article, Gap, IngestOutcome, Quote

CONTENT_LIMIT = 2000
EMBED_LIMIT = 10
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
AUTHOR_LIMIT = 256
ROWS_LIMIT = 5
ROW_COMPONENTS_LIMIT = 5
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
HEADLINE_LIMIT = 200
URL_LIMIT = 400  # a longer link is left off the headline: it would crowd out a list
SHARE_PREFIX = "share:"
SOURCES_PREFIX = "sources:"
VOTE_PREFIX = "vote:"  # vote:up:<answer id> or vote:down:<answer id>
EPHEMERAL = 64  # message flag: only the person who asked sees it
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
QUESTION_MARK = "**Q:** "  # what begins the question's line

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


INK = layout.Ink(text=escaped_clip, strong=lambda written: f"**{written}**")


def message(content: str, *, ephemeral: bool = False, **extra: Any) -> Message:
    """A message payload; every one newsbot sends pings nobody, and is inside every
    limit Discord documents (ValueError, naming them, if a renderer got one wrong)."""
    body: Message = {"content": clip(content, CONTENT_LIMIT), "allowed_mentions": NO_MENTIONS}
    if ephemeral:
        body["flags"] = EPHEMERAL
    body.update(extra)
    violations = limit_violations(body)
    if violations:
        raise ValueError("a Discord message over its limits: " + "; ".join(violations))
    return body


def limit_violations(body: Message) -> list[str]:
    """Every documented Discord limit this message payload breaks (none: an empty list)."""
    found: list[str] = []

    def over(what: str, text: object, limit: int) -> None:
        if isinstance(text, str) and len(text) > limit:
            found.append(f"{what} has {len(text):,} characters (limit {limit:,})")

    over("content", body.get("content"), CONTENT_LIMIT)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBED_LIMIT:
        found.append(f"{len(embeds)} embeds (limit {EMBED_LIMIT})")
    total = 0
    for n, embed in enumerate(embeds, 1):
        texts = [
            ("title", embed.get("title"), TITLE_LIMIT),
            ("description", embed.get("description"), DESCRIPTION_LIMIT),
            ("footer", (embed.get("footer") or {}).get("text"), FOOTER_LIMIT),
            ("author", (embed.get("author") or {}).get("name"), AUTHOR_LIMIT),
        ]
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_LIMIT:
            found.append(f"embed {n} has {len(fields)} fields (limit {FIELDS_LIMIT})")
        for field in fields:
            texts.append(("field name", field.get("name"), FIELD_NAME_LIMIT))
            texts.append(("field value", field.get("value"), FIELD_VALUE_LIMIT))
        for what, text, limit in texts:
            over(f"embed {n}'s {what}", text, limit)
            total += len(text) if isinstance(text, str) else 0
    if total > EMBEDS_TOTAL_LIMIT:
        found.append(f"the embeds have {total:,} characters (limit {EMBEDS_TOTAL_LIMIT:,})")
    rows = body.get("components") or []
    if len(rows) > ROWS_LIMIT:
        found.append(f"{len(rows)} rows of components (limit {ROWS_LIMIT})")
    for row in rows:
        parts = row.get("components") or []
        if len(parts) > ROW_COMPONENTS_LIMIT:
            found.append(f"a row of {len(parts)} components (limit {ROW_COMPONENTS_LIMIT})")
        for part in parts:
            over("a button's label", part.get("label"), LABEL_LIMIT)
            over("a custom_id", part.get("custom_id"), CUSTOM_ID_LIMIT)
    return found


def link(article: Article) -> str:
    """The headline, linked when the article has a URL Discord can link."""
    headline = escaped_clip(article.headline, HEADLINE_LIMIT)
    url = article.url or ""
    usable = len(url) <= URL_LIMIT and not any(c in url for c in "<> )")
    if url.startswith(("http://", "https://")) and usable:
        return f"[{headline}](<{url}>)"  # <…>: no link preview
    return headline


def source_line(article: Article) -> str:
    extra = (escaped_clip(p, 100) for p in (article.outlet, article.published) if p)
    return " · ".join([link(article), *extra])


def listing_line(article: Article, limit: int) -> str:
    """`#id headline · outlet · date` within `limit`: linked when the link fits,
    else the same words unlinked and clipped (a link is never cut in half)."""
    line = f"#{article.id} {source_line(article)}"
    if len(line) <= limit:
        return line
    words = " · ".join(p for p in (article.headline, article.outlet, article.published) if p)
    return clip(f"#{article.id} {escape(words)}", limit)


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


def _embed(
    article: Article, quotes: list[Quote], budget: int, collections: tuple[str, ...] = ()
) -> dict[str, Any]:
    """One article's embed, its text (title, footer, field, quotes) within `budget`;
    `collections` (of the question's scope, when it held several) end the footer."""
    share = budget // 4  # title, footer and "Also in" each take at most a quarter
    title = clip(article.headline, min(TITLE_LIMIT, share))
    footer = " · ".join(p for p in (_footer(article), ", ".join(collections)) if p)
    footer = clip(footer, min(FOOTER_LIMIT, share))
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
        name = f"Also reported by {counted(n, 'source')}"
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
    vote_id: str | None = None,
) -> Message:
    """The answer as a message, laid out as bot/chat/layout.py says: the question, the
    abstention or the summary, one embed per article.

    `preface` (already escaped) goes first; `share_id` adds the "Share in
    channel" button whose custom_id carries it; `vote_id`, the 👍/👎 buttons.
    """
    lines = [preface] if preface else []
    lines.append(f"{QUESTION_MARK}{escaped_clip(answer.question, 1000)}")
    if answer.abstained:
        lines.append(layout.abstention(answer, INK))
        if answer.closest:
            closest = [f"• {source_line(a)}" for a in answer.closest]
            room = CONTENT_LIMIT - sum(len(line) + 1 for line in lines) - 20
            heading = layout.CLOSEST_HEADING + "\n"
            lines.append(heading + joined_within(closest, "\n", room - len(heading), and_more))
        return message("\n".join(lines), ephemeral=ephemeral, embeds=[])
    groups = layout.by_article(answer.quotes)
    shown = groups[:EMBED_LIMIT]
    lines.append(layout.summary(answer, INK))
    stale = layout.stale_note(answer)
    if stale is not None:
        lines.append(stale)
    if len(groups) > len(shown):
        lines.append(f"_{counted(len(groups) - len(shown), 'more article')} not shown._")
    budget = EMBEDS_TOTAL_LIMIT // len(shown)
    embeds = [
        _embed(article, quotes, budget, layout.in_scope(answer, article))
        for article, quotes in shown
    ]
    extra: dict[str, Any] = {"embeds": embeds}
    buttons = []
    if share_id is not None:
        custom_id = SHARE_PREFIX + share_id
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise ValueError("a share id must fit Discord's 100-character custom_id")
        buttons.append({"type": 2, "style": 1, "label": "Share in channel", "custom_id": custom_id})
    if vote_id is not None:
        for way, emoji in (("up", "👍"), ("down", "👎")):
            custom_id = f"{VOTE_PREFIX}{way}:{vote_id}"
            buttons.append({"type": 2, "style": 2, "label": emoji, "custom_id": custom_id})
    if buttons:
        extra["components"] = [{"type": 1, "components": buttons}]
    return message("\n".join(lines), ephemeral=ephemeral, **extra)


def asked_message(asked: Asked, *, private: bool = False) -> Message:
    """An answer from the runtime with its votes; a `private` one (only its asker sees
    it) with Share too, all carrying the one id it was kept under."""
    answer_id = asked.answer_id
    return answer_message(
        asked.answer,
        vote_id=answer_id,
        share_id=answer_id if private else None,
        ephemeral=private,
    )


def said(outcome: str | Refusal) -> str:
    """A flow's plain line (what it did, or why not), escaped for Discord."""
    return escaped_clip(outcome.text if isinstance(outcome, Refusal) else outcome, 1900)


def private_reply(asked: Asked | Refusal) -> Message:
    """What the asker alone reads: the answer with Share and the votes, or the refusal."""
    if isinstance(asked, Refusal):
        return message(said(asked), ephemeral=True)
    return asked_message(asked, private=True)


SHARED_QUESTION_LIMIT = 300  # characters of the question a shared answer repeats


def shared_message(shown: Message, preface: str) -> Message:
    """An answer kept as shown, for everyone in the channel: `preface` (escaped) first,
    the question clipped to SHARED_QUESTION_LIMIT characters, the rest of the kept
    content within the content limit, its embeds as they were."""
    lines = str(shown.get("content", "")).split("\n")
    for index, line in enumerate(lines):
        if line.startswith(QUESTION_MARK):
            question = clip(line.removeprefix(QUESTION_MARK), SHARED_QUESTION_LIMIT)
            lines[index] = QUESTION_MARK + question
            break
    content = clip(preface + "\n" + "\n".join(lines), CONTENT_LIMIT)
    return message(content, embeds=list(shown.get("embeds", [])))


def outcome_text(outcome: IngestOutcome) -> str:
    """One line for an ingest result (bot/chat/layout.py), in Discord's escaping."""
    return layout.outcome_text(outcome, INK)


def sources_message(page: SourcesPage) -> Message:
    """One page of `/newsbot sources` (only the asker sees it): an embed listing the
    page's articles, and Previous/Next buttons carrying the page number and filter."""
    if not page.total:
        text = f"No articles match “{escape(page.match)}”." if page.match else "No articles yet."
        return message(text, ephemeral=True)
    each = (DESCRIPTION_LIMIT - PAGE_SIZE) // max(PAGE_SIZE, len(page.articles))
    lines = [listing_line(article, each) for article in page.articles]
    embed = {
        "title": escaped_clip(page.heading(), TITLE_LIMIT),
        "description": joined_within(lines, "\n", DESCRIPTION_LIMIT, and_more),
    }
    buttons = []
    if page.has_previous:
        buttons.append(_page_button("Previous", page, page.number - 1))
    if page.has_next:
        buttons.append(_page_button("Next", page, page.number + 1))
    extra: dict[str, Any] = {"embeds": [embed]}
    if buttons:
        extra["components"] = [{"type": 1, "components": buttons}]
    return message("", ephemeral=True, **extra)


def _page_button(label: str, page: SourcesPage, number: int) -> dict[str, Any]:
    # The filter is at most MATCH_LIMIT characters, so the custom_id fits its 100.
    custom_id = f"{SOURCES_PREFIX}{number}:{page.match}"
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id}


def page_request(custom_id: str) -> tuple[int, str]:
    """The page number and filter a Previous/Next button carries (`sources:3:ukraine`);
    anything malformed reads page 1 of everything."""
    number, _, match = custom_id.removeprefix(SOURCES_PREFIX).partition(":")
    return (int(number) if number.isdigit() and len(number) < 10 else 1), match


def gaps_message(gaps: list[Gap]) -> Message:
    """What nobody could answer (admins only see it): one field per gap, its newest
    wording, how often and when last, and the closest articles."""
    if not gaps:
        return message("Nothing unanswered yet.", ephemeral=True)
    fields = []
    for gap in gaps[:10]:
        wrong = f", {gap.marked_wrong} marked wrong" if gap.marked_wrong else ""
        name = clip(f"{counted(gap.asked, 'time')}{wrong} · last {gap.last_asked}", 150)
        closest = [f"• {source_line(a)}" for a in gap.closest]
        # 10 gaps of at most 550 characters: inside the 6,000 an embed may hold.
        value = joined_within(
            [f"“{escaped_clip(gap.question, 300)}”", *closest], "\n", 400, and_more
        )
        fields.append({"name": name, "value": value, "inline": False})
    embed = {"title": "What nobody could answer, newest first", "fields": fields}
    return message("", ephemeral=True, embeds=[embed])
