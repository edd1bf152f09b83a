"""Many URLs at once: feeds expanded into their items, pages fetched concurrently.

Fetching is network-bound and runs in a bounded thread pool; storing stays on
the caller's thread (the engine is single-threaded). One bad item never stops
the batch: it comes back as an IngestError for its outcome line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from newsbot.index.errors import FetchError, IngestError
from newsbot.index.ingest.fetch import (
    FEED_TYPES,
    HTML_TYPES,
    TEXT_TYPES,
    FetchPolicy,
    draft_from_page,
    fetch,
    normalize_url,
)
from newsbot.index.models import ArticleDraft

DEFAULT_WORKERS = 8
MAX_FEED_ITEMS = 500
_ATOM = "{http://www.w3.org/2005/Atom}"


def feed_links(xml_text: str, base_url: str) -> list[str]:
    """Item links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in feed order."""
    try:
        root = ET.fromstring(xml_text.encode("utf-8"))
    except ET.ParseError as exc:
        raise FetchError(f"the feed is not well-formed XML ({exc}).", origin=base_url) from exc
    links: list[str] = []
    for item in root.iter():
        tag = item.tag.rsplit("}", 1)[-1]
        if tag == "item":  # RSS 2.0 and RSS 1.0
            link = next((c.text for c in item if c.tag.rsplit("}", 1)[-1] == "link"), None)
            if link and link.strip():
                links.append(link.strip())
        elif item.tag == f"{_ATOM}entry":
            chosen = None
            for child in item.findall(f"{_ATOM}link"):
                if child.get("rel", "alternate") == "alternate" and child.get("href"):
                    chosen = child.get("href")
                    break
            if chosen:
                links.append(chosen.strip())
    if not links and root.tag.rsplit("}", 1)[-1] not in ("rss", "feed", "RDF"):
        raise FetchError("not an RSS or Atom feed.", origin=base_url)
    return list(dict.fromkeys(links))[:MAX_FEED_ITEMS]


def _looks_like_feed(media: str, text: str) -> bool:
    if media in FEED_TYPES:
        return True
    head = text.lstrip()[:400].lower()
    return head.startswith("<?xml") and ("<rss" in head or "<feed" in head or "<rdf:rdf" in head)


def _fetch_one(url: str, policy: FetchPolicy) -> tuple[ArticleDraft | None, list[str]]:
    """A page's draft, or a feed's item links."""
    page = fetch(url, policy=policy, accept=HTML_TYPES | TEXT_TYPES | FEED_TYPES)
    if _looks_like_feed(page.content_type, page.text):
        return None, feed_links(page.text, page.url)
    return draft_from_page(page), []


def fetch_drafts(
    urls: Iterable[str],
    *,
    policy: FetchPolicy,
    known: Callable[[str], int | None] = lambda url: None,
    workers: int = DEFAULT_WORKERS,
) -> Iterator[tuple[str, ArticleDraft | int | IngestError]]:
    """(url, result) for every page: a draft, the id of an article already stored
    under that URL (`known`), or the error. Feeds are replaced by their items."""
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
            futures = [(url, pool.submit(_fetch_one, url, policy)) for url in todo]
            for url, future in futures:
                try:
                    draft, items = future.result()
                except IngestError as exc:
                    yield url, exc
                    continue
                if draft is not None:
                    yield url, draft
                pending.extend(items)  # a feed's items are fetched in the next round
