"""From a draft to a prepared article: everything about ingest that needs no database.

Cleaning, sentence and passage splitting, term analysis and the near-duplicate
signature are pure computation, so a bulk ingest runs them in worker
processes (`prepare_many`) while the engine's process stores and indexes.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from newsbot.index.errors import EmptyArticleError, IngestError
from newsbot.index.ingest.clean import clean_article
from newsbot.index.ingest.fetch import FetchedPage, draft_from_page
from newsbot.index.ingest.files import draft_from_bytes, draft_from_path
from newsbot.index.models import ArticleDraft, IngestOutcome, PreparedArticle
from newsbot.index.store import neardup
from newsbot.index.text.analysis import analyze
from newsbot.index.text.passages import build_passages
from newsbot.index.text.speakers import speakers_by_passage

MIN_ARTICLE_WORDS = 5
HEADLINE_CHARS = 90
# Below this many items, worker processes cost more than they save.
PARALLEL_MIN_ITEMS = 200
_WINDOW = 2000  # items handed to the workers at a time, so memory stays bounded


def content_hash(text: str) -> str:
    """Hash of the article text with whitespace folded: same words, same article."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _derived_headline(text: str) -> str:
    first = text.split("\n", 1)[0]
    if len(first) <= HEADLINE_CHARS:
        return first
    cut = first[:HEADLINE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def prepare(draft: ArticleDraft) -> PreparedArticle:
    """Clean, split and analyse a draft. Raises EmptyArticleError when no text is left."""
    cleaned = clean_article(
        draft.text, first_line_headline=draft.first_line_headline, known_headline=draft.headline
    )
    if len(cleaned.text.split()) < MIN_ARTICLE_WORDS:
        raise EmptyArticleError("no article text left after cleaning.", origin=draft.origin)
    text = cleaned.text
    passages = build_passages(text)
    headline = " ".join((draft.headline or cleaned.headline or _derived_headline(text)).split())
    return PreparedArticle(
        origin=draft.origin,
        headline=headline,
        outlet=draft.outlet or cleaned.outlet_hint,
        url=draft.url,
        published=draft.published,
        author=draft.author,
        text=text,
        content_hash=content_hash(text),
        passages=passages,
        sentence_terms=[[analyze(text[s.start : s.end]) for s in p.sentences] for p in passages],
        speakers=speakers_by_passage(
            text, [[(s.start, s.end) for s in p.sentences] for p in passages]
        ),
        title_terms=analyze(headline),
        signature=neardup.signature(text),
    )


@dataclass(frozen=True)
class RawFile:
    """An article as bytes (stdin, pasted text, a file shared in chat), not yet read."""

    data: bytes
    origin: str
    suffix: str = ""


# What an ingest stream holds: something to read (a file, bytes, a fetched page, a
# draft), or what was decided already (an error, an outcome, a prepared article).
ToRead = ArticleDraft | Path | RawFile | FetchedPage
Item = ToRead | PreparedArticle | IngestError | IngestOutcome
Prepared = PreparedArticle | IngestError | IngestOutcome


def draft_of(item: ToRead) -> ArticleDraft:
    """The draft an item reads as (IngestError when it cannot be read)."""
    match item:
        case Path():
            return draft_from_path(item)
        case RawFile():
            return draft_from_bytes(item.data, item.origin, suffix=item.suffix)
        case FetchedPage():
            return draft_from_page(item)
        case _:
            return item


def origin_of(item: ToRead) -> str:
    match item:
        case Path():
            return str(item)
        case FetchedPage():
            return item.url
        case _:
            return item.origin


def prepare_item(item: Item) -> Prepared:
    """One item of a stream, prepared; what cannot be comes back as its error or outcome."""
    if isinstance(item, PreparedArticle | IngestError | IngestOutcome):
        return item
    try:
        return prepare(draft_of(item))
    except IngestError as exc:
        return exc
    except StopIteration as exc:
        # A bug, and a quiet one: raised through map() or imap() it would end the
        # caller's loop as if the stream were over, dropping every item after it.
        raise RuntimeError(f"preparing {item!s} raised StopIteration") from exc


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _default_signals() -> None:
    """A worker dies on SIGTERM, whatever handler its parent had when it forked: one
    inherited that raises KeyboardInterrupt (`serve` installs one) left a worker
    alive through Pool.terminate(), and an ingest stopped early hung joining it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def prepare_many(items: Iterable[Item], *, workers: int = 1) -> Iterator[Prepared]:
    """`prepare_item` over a stream, in order; in worker processes when workers > 1."""
    if workers <= 1:
        yield from map(prepare_item, items)
        return
    iterator = iter(items)
    first = list(islice(iterator, PARALLEL_MIN_ITEMS))
    if len(first) < PARALLEL_MIN_ITEMS:
        yield from map(prepare_item, first)
        return
    # fork: workers inherit the loaded analyzer, and touch no open database or index.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=workers, initializer=_default_signals) as pool:
        window = first + list(islice(iterator, _WINDOW - len(first)))
        while window:
            yield from pool.imap(prepare_item, window, chunksize=16)
            window = list(islice(iterator, _WINDOW))
