"""The Slack renderer: Block Kit for the engine's typed results.

Blocks are built with `slack_sdk.models.blocks`, whose validation runs when each
block becomes JSON, so a block Slack would refuse fails here, in a test, not in
a user's channel. Article text is escaped (`&`, `<`, `>`) so a quoted
`<!channel>` cannot ping anyone, and every limit is kept by construction:

- text is clipped after it is escaped, never inside an escape, a link or a
  mention (lists are cut between whole entries, with "and N more");
- each section holds at most 3,000 characters (SECTION_LIMIT), a message at most
  50 blocks (BLOCK_LIMIT) and 12,000 characters of block text (MESSAGE_LIMIT:
  Slack refuses larger messages with `msg_blocks_too_long`, at about 13,000);
- quotes share the message's room, so a 9,000-character quote is shortened
  (with "…") rather than pushing the sources and the confidence out.

Every message carries a plain-text fallback, escaped too (Slack parses it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from newsbot.bot.chat import layout
from newsbot.bot.chat.paging import SourcesPage
from newsbot.bot.chat.replies import and_more, counted, joined_within
from newsbot.bot.chat.runtime import Asked, Home, Refusal
from newsbot.index import MAX_QUERY_CHARS, Answer, Article, IngestOutcome, Quote

SECTION_LIMIT = 3000
CONTEXT_LIMIT = 3000
BLOCK_LIMIT = 50
MESSAGE_LIMIT = 12_000
FALLBACK_LIMIT = 3000
QUESTION_LIMIT = 1500  # escaped characters of the question shown above an answer
HEADLINE_LIMIT = 200
URL_LIMIT = 400  # a longer link is left off the headline: it would crowd out the list
SHARE_ACTION = "share_answer"
VOTE_UP, VOTE_DOWN = "vote_up", "vote_down"
VOTE_ACTION = re.compile(f"^({VOTE_UP}|{VOTE_DOWN})$")
SOURCES_PREVIOUS = "sources_previous"
SOURCES_NEXT = "sources_next"
SOURCES_ACTION = re.compile(f"^({SOURCES_PREVIOUS}|{SOURCES_NEXT})$")

Message = dict[str, Any]
QUESTION_MARK = "*Q:* "  # what begins the question's section

# An escape (&amp; &lt; &gt;) or a link/mention (<...>) left open at the end of a cut.
_OPEN_ESCAPE = re.compile(r"&[a-z]{0,3}$")
_OPEN_LINK = re.compile(r"<[^>]*$")


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: the only three characters Slack asks to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Rendered mrkdwn within `limit` characters, with "…" where it was cut; never
    inside an escape like `&amp;` or a link like `<https://…|headline>`."""
    if len(text) <= limit:
        return text
    cut = _OPEN_LINK.sub("", _OPEN_ESCAPE.sub("", text[: limit - 1]))
    return _OPEN_ESCAPE.sub("", cut) + "…"


def escaped_clip(text: str, limit: int) -> str:
    """`text` escaped, then clipped to `limit`: the limit counts what Slack counts."""
    return clip(escape(text), limit)


INK = layout.Ink(text=escaped_clip, strong=lambda written: f"*{written}*")


def source_line(article: Article) -> str:
    """`<url|headline> · outlet · date`; no link where there is no usable URL."""
    headline = escaped_clip(article.headline, HEADLINE_LIMIT)
    url = article.url or ""
    if url and len(url) <= URL_LIMIT and not any(c in url for c in "<>| "):
        headline = f"<{url}|{headline}>"
    extra = (escaped_clip(p, 100) for p in (article.outlet, article.published) if p)
    return " · ".join([headline, *extra])


def quote_sections(
    quote: Quote, limit: int = SECTION_LIMIT, budget: int | None = None
) -> list[str]:
    """The quote as mrkdwn block-quote sections of at most `limit` characters each,
    `budget` characters in all (then "…": the quote's beginning, verbatim).

    Matched words are bold and all text is escaped. A long quote is cut between
    words (never inside an escape like `&amp;`), and each piece stays a block quote.
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
    used = 0
    cut_short = False
    for token in tokens:
        if budget is not None and used + len(token) > budget - 1:
            room = budget - 1 - used  # the part of this word that fits, if it is worth it
            plain = not token.isspace() and not token.startswith("*")
            token = clip(token, room) if plain and room > 20 else ""
            cut_short = True
        used += len(token)
        while len(">" + token) > limit:  # one enormous word: cut it, between escapes
            cut = limit - 1
            amp = token.rfind("&", 0, cut)
            if amp > cut - 5:
                cut = amp
            head, token = token[:cut], token[cut:]
            if current != ">":
                sections.append(current)
            sections.append(">" + head)
            current = ">"
        if len(current) + len(token) > limit:
            sections.append(current.rstrip())
            current = ">" + token.lstrip()
        else:
            current += token
        if cut_short:
            break
    if cut_short and not current.endswith("…"):
        current = current.rstrip()
        if len(current) >= limit:
            sections.append(current)
            current = ">"
        current += "…"
    if current.strip(">").strip():
        sections.append(current)
    return sections


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_LIMIT)))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, CONTEXT_LIMIT))])


def button(label: str, action_id: str, value: str) -> ButtonElement:
    return ButtonElement(text=label, action_id=action_id, value=value)


def text_length(node: Any) -> int:
    """Characters of text in blocks as JSON (every "text" string, however deep): what
    Slack's message limit counts."""
    if isinstance(node, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else text_length(v)
            for k, v in node.items()
        )
    if isinstance(node, list):
        return sum(text_length(item) for item in node)
    return 0


def message_size(message: Message) -> int:
    """Characters of block text in a message, as Slack counts towards msg_blocks_too_long."""
    return text_length(message.get("blocks", []))


def _fit(body: list[Block], tail: list[Block]) -> list[dict]:
    """The blocks as JSON (slack_sdk validates each one), the message within
    BLOCK_LIMIT blocks and MESSAGE_LIMIT characters: whole body blocks are kept while
    they fit, then one line says how many were left out; `tail` (buttons) always stays."""
    tail_json = [block.to_dict() for block in tail]
    room = MESSAGE_LIMIT - text_length(tail_json) - 100  # the note's room
    slots = BLOCK_LIMIT - len(tail_json) - 1
    kept: list[dict] = []
    for index, block in enumerate(body):
        as_json = block.to_dict()
        size = text_length(as_json)
        if len(kept) == slots or size > room:
            left = len(body) - index
            kept.append(context(f"_…{counted(left, 'more block')} not shown._").to_dict())
            break
        kept.append(as_json)
        room -= size
    return [*kept, *tail_json]


def _fallback(answer: Answer) -> str:
    """The message's top-level `text`: Slack parses it too, so it is escaped as well."""
    if answer.abstained:
        question = escaped_clip(answer.question, FALLBACK_LIMIT - 60)
        return f"I could not find an answer to “{question}” in my articles."
    first = answer.quotes[0]
    more = f" ({len(answer.quotes) - 1} more)" if len(answer.quotes) > 1 else ""
    lead = "Not sure: " if layout.not_sure(answer) else ""
    return escaped_clip(f"{lead}“{first.text}” — {first.article.headline}{more}", FALLBACK_LIMIT)


def _one_speaker(quotes: list[Quote]) -> bool:
    """Whether an article's quotes all have the same speaker (or all none)."""
    return len({q.speaker for q in quotes}) == 1


def _source_context(
    article: Article, quotes: list[Quote], limit: int, collections: tuple[str, ...]
) -> str:
    """One article's line under its quotes: where (and in which of the question's
    collections), which other outlets report them and where they differ, as many whole
    lines and links as fit."""
    source = source_line(article)
    if collections:
        source += " · _" + escape(", ".join(collections)) + "_"
    if _one_speaker(quotes) and quotes[0].speaker:  # named once, here
        source = f"— *{escaped_clip(quotes[0].speaker, 100)}*, in {source}"
    lines = [source]
    also = sorted({a.id: a for q in quotes for a in q.also_in}.values(), key=lambda a: a.id)
    if also:
        links = [source_line(a) for a in also]
        lines.append("Also in: " + joined_within(links, "; ", limit // 3, and_more))
    reported = {c.article.id: c.article for q in quotes for c in q.corroborated_by}
    if reported:
        heading = f"Also reported by {counted(len(reported), 'source')}: "
        links = [source_line(a) for a in reported.values()]
        lines.append(heading + joined_within(links, "; ", limit // 3, and_more))
    for disagreement in (d for q in quotes for d in q.disagreements):
        values = [
            f"{escaped_clip(value, 200)} ("
            + ", ".join(escaped_clip(a.headline, 80) for a in articles)
            + ")"
            for value, articles in disagreement.values
        ]
        heading = f"Sources differ on {escaped_clip(disagreement.what, 100)}: "
        lines.append(heading + joined_within(values, " · ", limit // 3, and_more))
    return joined_within(lines, "\n", limit, lambda n: f"_{counted(n, 'more line')}._")


def answer_message(
    answer: Answer,
    *,
    share_id: str | None = None,
    preface: str | None = None,
    vote_id: str | None = None,
) -> Message:
    """`text` and `blocks` for chat.postMessage or a response_url post, laid out as
    bot/chat/layout.py says: the question, then the abstention or the summary, and
    the quotes one article at a time (one source line each).

    `preface` (mrkdwn, already escaped) goes first, as a context line. `share_id`
    adds the "Share in channel" button, carrying the id under which the answer as
    shown was kept (never the question: a button's value holds 2,000 characters);
    `vote_id`, the 👍/👎 buttons, carrying the id the engine kept the answer under.
    """
    body: list[Block] = [context(clip(preface, 500))] if preface else []
    body.append(section(f"{QUESTION_MARK}{escaped_clip(answer.question, QUESTION_LIMIT)}"))
    footer: list[Block] = []
    if answer.abstained:
        body.append(section(layout.abstention(answer, INK)))
        if answer.closest:
            lines = [f"• {source_line(a)}" for a in answer.closest]
            body.append(context(layout.CLOSEST_HEADING + "\n" + "\n".join(lines)))
    else:
        footer.append(context(layout.summary(answer, INK)))
        stale = layout.stale_note(answer)
        if stale is not None:
            footer.append(context(stale))
        # The quotes share what the question, the footer and the buttons leave; each
        # article takes an even share of what is left, so a short one leaves room.
        room = MESSAGE_LIMIT - 400 - sum(text_length(b.to_dict()) for b in (*body, *footer))
        groups = layout.by_article(answer.quotes)
        for position, (article, quotes) in enumerate(groups):
            share = room // (len(groups) - position)
            collections = layout.in_scope(answer, article)
            source = _source_context(
                article, quotes, min(CONTEXT_LIMIT, max(300, share // 3)), collections
            )
            each = max(200, (share - len(source)) // len(quotes))
            for quote in quotes:
                sections = quote_sections(quote, budget=each)
                if quote.speaker and not _one_speaker(quotes):  # each quote names its own
                    said = f"\n— *{escaped_clip(quote.speaker, 100)}*"
                    if len(sections[-1]) + len(said) <= SECTION_LIMIT:
                        sections[-1] += said
                body.extend(section(chunk) for chunk in sections)
                room -= sum(len(chunk) for chunk in sections)
            body.append(context(source))
            room -= len(source)
    body.extend(footer)
    buttons: list[ButtonElement] = []
    if share_id is not None and not answer.abstained:
        buttons.append(button("Share in channel", SHARE_ACTION, share_id))
    if vote_id is not None and not answer.abstained:
        buttons.append(button("👍", VOTE_UP, vote_id))
        buttons.append(button("👎", VOTE_DOWN, vote_id))
    tail: list[Block] = [ActionsBlock(elements=buttons)] if buttons else []
    return {"text": _fallback(answer), "blocks": _fit(body, tail)}


def asked_message(asked: Asked, *, share: bool = False) -> Message:
    """An answer from the runtime with its buttons: the votes, and Share where `share`
    (a private answer), all carrying the one id it was kept under."""
    answer_id = asked.answer_id
    return answer_message(asked.answer, vote_id=answer_id, share_id=answer_id if share else None)


def said(outcome: str | Refusal) -> str:
    """A flow's plain line (what it did, or why not), escaped for Slack."""
    return escape(outcome.text if isinstance(outcome, Refusal) else outcome)


def private_reply(asked: Asked | Refusal) -> Message:
    """What the asker alone reads: the answer with Share and the votes, or the refusal."""
    if isinstance(asked, Refusal):
        return {"text": said(asked)}
    return asked_message(asked, share=True)


SHARED_QUESTION_LIMIT = 300  # characters of the question a shared answer repeats


def shared_message(shown: Message, preface: str) -> Message:
    """An answer kept as shown, for the channel: `preface` (escaped mrkdwn) first.
    The question is clipped to SHARED_QUESTION_LIMIT characters (the channel needs
    its gist, not 1,000 characters of it). The kept blocks were fitted when shown;
    the preface's room is made by dropping blocks from the end if it must be."""
    kept = [dict(block) for block in shown.get("blocks", [])]
    for block in kept:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and text.startswith(QUESTION_MARK):
            question = clip(text.removeprefix(QUESTION_MARK), SHARED_QUESTION_LIMIT)
            block["text"] = {**block["text"], "text": QUESTION_MARK + question}
            break
    blocks = [context(clip(preface, 500)).to_dict(), *kept]
    while len(blocks) > BLOCK_LIMIT or text_length(blocks) > MESSAGE_LIMIT:
        blocks.pop()
    return {"text": clip(str(shown.get("text", "")), FALLBACK_LIMIT), "blocks": blocks}


def outcome_text(outcome: IngestOutcome) -> str:
    """One line for an ingest result (bot/chat/layout.py), in Slack's escaping."""
    return layout.outcome_text(outcome, INK)


def sources_message(page: SourcesPage) -> Message:
    """One page of `/newsbot sources`: its heading, one line per article, and the
    Previous/Next buttons, which carry the page number and the filter."""
    heading = escape(page.heading())
    if not page.total:
        text = f"No articles match “{escape(page.match)}”." if page.match else "No articles yet."
        return {"text": text}
    lines = [f"#{a.id} {source_line(a)}" for a in page.articles]
    body: list[Block] = [section(f"*{heading}*")]
    body.extend(section(chunk) for chunk in _split_lines(lines))
    buttons = []
    if page.has_previous:
        buttons.append(button("Previous", SOURCES_PREVIOUS, _page_value(page, page.number - 1)))
    if page.has_next:
        buttons.append(button("Next", SOURCES_NEXT, _page_value(page, page.number + 1)))
    tail: list[Block] = [ActionsBlock(elements=buttons)] if buttons else []
    return {"text": heading, "blocks": _fit(body, tail)}


def _page_value(page: SourcesPage, number: int) -> str:
    # The filter is at most MATCH_LIMIT characters: far inside a value's 2,000.
    return json.dumps({"page": number, "match": page.match}, ensure_ascii=False)


def page_request(value: str) -> tuple[int, str]:
    """The page number and filter a Previous/Next button carries; anything else is
    page 1 of everything (a forged or stale value reads a real page, never fails)."""
    try:
        request = json.loads(value)
    except (ValueError, RecursionError):  # a value holds 2,000 characters: 2,000 brackets
        return 1, ""
    if not isinstance(request, dict):
        return 1, ""
    number, match = request.get("page"), request.get("match")
    return (
        number if isinstance(number, int) and not isinstance(number, bool) else 1,
        match if isinstance(match, str) else "",
    )


def _split_lines(lines: list[str]) -> list[str]:
    """Whole lines in sections of at most SECTION_LIMIT characters."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, SECTION_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def home_view(*, admin: bool, home: Home) -> dict[str, Any]:
    """The App Home tab: for admins, what nobody could answer (the gaps, grouped by
    wording), the articles per collection and the newest articles; for everyone else,
    how to ask. Within the same limits as a message."""
    gaps, collections, newest = home.gaps, home.collections, home.newest
    intro = (
        f"newsbot answers from {counted(home.total, 'article')} with exact, attributed quotes. "
        "Mention @newsbot, send a DM, or use `/ask`."
    )
    body: list[Block] = [section(intro)]
    if admin:
        desks = ", ".join(f"{escape(n)} ({c:,})" for n, c in collections.items()) or "none yet"
        body.append(context(f"Collections: {desks}"))
        body.append(section("*What nobody could answer*, newest first:"))
        if not gaps:
            body.append(context("Nothing unanswered yet."))
        for gap in gaps:
            wrong = f", {gap.marked_wrong} marked wrong" if gap.marked_wrong else ""
            head = f"*{counted(gap.asked, 'time')}*{wrong} · last {escape(gap.last_asked)}"
            lines = [head, f"“{escaped_clip(gap.question, 500)}”"]
            lines += [f"also “{escaped_clip(w, 200)}”" for w in gap.wordings[:2]]
            body.append(section("\n".join(lines)))
            if gap.closest:
                closest = joined_within([source_line(a) for a in gap.closest], "; ", 1500, and_more)
                body.append(context(f"Closest: {closest}"))
        if newest:
            body.append(section("*Newest articles*"))
            lines = [f"#{a.id} {source_line(a)}" for a in newest]
            body.extend(section(chunk) for chunk in _split_lines(lines))
    return {"type": "home", "blocks": _fit(body, [])}


ASK_MODAL = "ask_modal"
QUESTION_BLOCK = QUESTION_INPUT = "question"


def ask_modal(question: str, metadata: str) -> dict[str, Any]:
    """The "Ask newsbot about this" modal: the message's text as the question, editable;
    `metadata` (where the shortcut was used) comes back with the submission. A message
    longer than a question may be is cut, and the modal says so."""
    hint = None
    if len(question) > MAX_QUERY_CHARS:
        hint = (
            f"The message is {len(question):,} characters long; a question holds "
            f"{MAX_QUERY_CHARS:,}, so only its beginning is here. Edit it to what you ask."
        )
    view = View(
        type="modal",
        callback_id=ASK_MODAL,
        title="Ask newsbot",
        submit="Ask",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id=QUESTION_BLOCK,
                label="Your question",
                element=PlainTextInputElement(
                    action_id=QUESTION_INPUT,
                    multiline=True,
                    initial_value=question[:MAX_QUERY_CHARS] or None,
                    max_length=MAX_QUERY_CHARS,
                ),
                hint=hint,
            )
        ],
    )
    return view.to_dict()
