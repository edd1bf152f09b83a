"""Many URLs at once: feeds expanded into their items, pages fetched concurrently.

Fetching is network-bound and runs in a bounded thread pool; storing stays on
the caller's thread (the engine is single-threaded). One bad item never stops
the batch: it comes back as an IngestError for its outcome line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from newsbot.index.errors import FetchError, IngestError
from newsbot.index.ingest.fetch import (
    FEED_TYPES,
    HTML_TYPES,
    TEXT_TYPES,
    FetchedPage,
    FetchPolicy,
    draft_from_page,
    fetch,
    normalize_url,
)
from newsbot.index.models import ArticleDraft

if TYPE_CHECKING:
    import feedparser

DEFAULT_WORKERS = 8
MAX_FEED_ITEMS = 500


def feed_links(xml_text: str, base_url: str) -> list[str]:
    """Item links of an RSS (0.9x, 1.0, 2.0) or Atom feed, in feed order, made absolute
    against the feed's own URL.

    feedparser reads every version and recovers what it can from broken XML (an
    unescaped `&`, a feed cut short). It is given the text as a stream: given a
    string, it would fetch one that looks like a URL and open one that names a
    file, past every guard of `fetch`. Links are joined to the feed's URL here,
    not by feedparser, which blanks a link it cannot parse: kept as written, such
    a link becomes its own failed line.
    """
    import feedparser  # imported here: only feeds need it, and it costs 70 ms to import

    parsed = feedparser.parse(
        io.BytesIO(xml_text.encode("utf-8")),
        response_headers={"content-type": "application/xml"},
        sanitize_html=False,
    )
    if not parsed.version:
        raise FetchError("not an RSS or Atom feed.", origin=base_url)
    links = [_absolute(link, base_url) for entry in parsed.entries if (link := _link(entry))]
    if not links and parsed.bozo:  # broken beyond what could be recovered
        problem = parsed.get("bozo_exception")
        raise FetchError(f"the feed is not well-formed XML ({problem}).", origin=base_url)
    return list(dict.fromkeys(links))[:MAX_FEED_ITEMS]


def _link(entry: feedparser.FeedParserDict) -> str:
    return str(entry.get("link", "")).strip()


def _absolute(link: str, base_url: str) -> str:
    """`link` joined to the feed's URL; as written when it cannot be parsed."""
    try:
        return urljoin(base_url, link)
    except ValueError:
        return link


def _looks_like_feed(media: str, text: str) -> bool:
    if media in FEED_TYPES:
        return True
    head = text.lstrip()[:400].lower()
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head or "<rdf:rdf" in head)


def _fetch_one(
    url: str, policy: FetchPolicy, *, extract: bool, feeds: bool
) -> tuple[ArticleDraft | FetchedPage | None, list[str]]:
    """A page's draft (or the page itself, unless `extract`), or a feed's item links."""
    accept = HTML_TYPES | TEXT_TYPES | (FEED_TYPES if feeds else frozenset())
    page = fetch(url, policy=policy, accept=accept)
    if feeds and _looks_like_feed(page.content_type, page.text):
        return None, feed_links(page.text, page.url)
    return (draft_from_page(page) if extract else page), []


def fetch_drafts(
    urls: Iterable[str],
    *,
    policy: FetchPolicy,
    known: Callable[[str], int | None] = lambda url: None,
    workers: int = DEFAULT_WORKERS,
    extract: bool = True,
    feeds: bool = True,
) -> Iterator[tuple[str, ArticleDraft | FetchedPage | int | IngestError]]:
    """(url, result) for every page: a draft, the id of an article already stored
    under that URL (`known`), or the error. Feeds are replaced by their items.

    `extract=False` gives each fetched page as it came, for the caller to extract
    elsewhere (in a child process, under limits); `feeds=False` refuses feeds as
    any other content type it does not read."""
    if workers < 1:
        raise ValueError("workers must be >= 1")
    pending = list(urls)
    seen: set[str] = set()  # feeds that list each other, or themselves, end here
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        while pending:
            batch, pending = pending, []
            todo = []
            for raw in batch:
                try:
                    url = normalize_url(raw)
                except IngestError as exc:  # a malformed link is its own failed line
                    yield raw, exc
                    continue
                if url in seen:
                    continue
                seen.add(url)
                existing = known(url)
                if existing is not None:
                    yield url, existing
                else:
                    todo.append(url)
            futures = [
                (url, pool.submit(_fetch_one, url, policy, extract=extract, feeds=feeds))
                for url in todo
            ]
            for url, future in futures:
                try:
                    draft, items = future.result()
                except IngestError as exc:
                    yield url, exc
                    continue
                if draft is not None:
                    yield url, draft
                pending.extend(items)  # a feed's items are fetched in the next round
