"""One page of the article list, for the chat surfaces.

A chat message holds a few thousand characters, a newsroom's newsbot thousands of
articles: Slack and Discord show `/newsbot sources` a page at a time, with
Previous and Next buttons that carry the page number and the filter. Both
surfaces read the same page here, so they agree on what page 3 of "ukraine" is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from newsbot.bot.chat.replies import counted, readable
from newsbot.index import Article, Engine

PAGE_SIZE = 15
# A filter is a word or two; it rides in a button (Discord's custom_id holds 100
# characters), so longer ones are cut.
MATCH_LIMIT = 60


@dataclass(frozen=True)
class SourcesPage:
    """Articles `articles` of the `total` that match `match` ("" for all): page
    `number` (from 1) of `pages`."""

    articles: list[Article]
    number: int
    pages: int
    total: int
    match: str = ""
    size: int = PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """The position (from 1) of the page's first article in the whole list."""
        return (self.number - 1) * self.size + 1 if self.articles else 0

    def heading(self) -> str:
        """'2,074 articles · page 3 of 139', or '4 articles matching "ukraine"' (plain text:
        each surface escapes it)."""
        text = counted(self.total, "article")
        if self.match:
            text += f" matching “{self.match}”"
        if self.pages > 1:
            text += f" · page {self.number:,} of {self.pages:,}"
        return text


def clean_match(text: str | None) -> str:
    """A user's filter as the engine reads it: readable, spaces collapsed, cut to
    MATCH_LIMIT characters."""
    words = readable(text or "").split()
    return " ".join(words)[:MATCH_LIMIT].strip()


def sources_page(
    engine: Engine, match: str | None = None, number: int = 1, size: int = PAGE_SIZE
) -> SourcesPage:
    """Page `number` of the articles matching `match`; a number past either end reads
    the nearest page (a button pressed after articles were forgotten still works)."""
    if size < 1:
        raise ValueError("a page holds at least one article")
    cleaned = clean_match(match)
    total = engine.count_articles(cleaned or None)
    pages = max(1, math.ceil(total / size))
    number = min(max(1, number), pages)
    articles = engine.sources(cleaned or None, offset=(number - 1) * size, limit=size)
    return SourcesPage(articles, number, pages, total, cleaned, size)
