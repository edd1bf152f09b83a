"""Ingest orchestration: items in (drafts, files, URLs, bytes), outcomes out, in order.

Preparing an article (clean, split, analyse) needs no database and may run in
worker processes (`pipeline`); storing it is the library's. Between them this
module decides what is new: the same text or URL is a duplicate, a
near-identical text a near-duplicate, checked again under the writer lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.errors import IngestError
from newsbot.index.ingest.bulk import DEFAULT_WORKERS, fetch_drafts
from newsbot.index.ingest.fetch import FetchPolicy
from newsbot.index.ingest.files import draft_from_bytes, plan_paths
from newsbot.index.ingest.pipeline import Item, Prepared, default_workers, prepare_many
from newsbot.index.models import IngestOutcome, PreparedArticle, Status
from newsbot.index.store.library import Library

Names = tuple[str, ...]  # collection names, already checked (index.collections)

log = logging.getLogger(__name__)

# During a bulk ingest the index commits this often (and at the end): each
# commit costs an fsync, and the journal covers what is not yet committed.
BULK_COMMIT_EVERY = 1000
_SEEDED_KEY = "seeded"


@dataclass
class IngestBatch:
    """The outcomes of one ingest call, one per item in order, and how many to expect.

    `total` counts the items known up front (files found, URLs given); a feed
    adds its items as it is read, so a URL batch may yield more.
    """

    total: int
    outcomes: Iterator[IngestOutcome]

    def __iter__(self) -> Iterator[IngestOutcome]:
        return self.outcomes


class Ingester:
    """Adds articles to one library; failures come back as outcomes, never raised."""

    def __init__(self, library: Library, *, fetch_policy: FetchPolicy) -> None:
        self.library = library
        self.fetch_policy = fetch_policy

    def ingest_bytes(
        self, data: bytes, origin: str, *, suffix: str = "", collections: Names = ()
    ) -> IngestOutcome:
        """One article from raw bytes (stdin, pasted text, an uploaded file)."""
        item: Item
        try:
            item = draft_from_bytes(data, origin, suffix=suffix)
        except IngestError as exc:
            item = exc
        return next(self.ingest_many([item], collections=collections))

    def ingest_many(
        self, items: Iterable[Item], *, workers: int = 1, collections: Names = ()
    ) -> Iterator[IngestOutcome]:
        """Ingest a stream of drafts or file paths, one outcome per item, in order.

        An IngestError in the stream (a bad file) becomes its outcome, and an
        IngestOutcome (decided upstream, like a URL already stored) passes
        through. With workers > 1, cleaning and analysis run in that many
        processes. Each article is committed to SQLite on its own; the index is
        committed every BULK_COMMIT_EVERY articles and at the end.

        `collections` (checked names) files every article added into them, and every
        one already stored (a duplicate) too: ingesting it again for a desk is how
        a desk gets it.
        """
        pending_index = 0
        try:
            for prepared in prepare_many(items, workers=workers):
                outcome = self._store(prepared, collections)
                log.debug("%s: %s", outcome.origin, outcome.reason or outcome.status)
                if outcome.status is Status.ADDED:
                    pending_index += 1
                    if pending_index >= BULK_COMMIT_EVERY:
                        self.library.commit()
                        pending_index = 0
                yield outcome
        finally:
            if pending_index or self.library.uncommitted:
                self.library.commit()
            else:
                self.library.release_writer()

    def ingest_paths(
        self, paths: list[Path], *, workers: int | None = None, collections: Names = ()
    ) -> IngestBatch:
        """Ingest files and directories (walked), one outcome per file.

        Large batches are read and analysed by worker processes (all cores by default).
        """
        items = plan_paths(paths)
        count = default_workers() if workers is None else workers
        return IngestBatch(
            len(items), self.ingest_many(items, workers=count, collections=collections)
        )

    def ingest_urls(
        self, urls: list[str], *, workers: int = DEFAULT_WORKERS, collections: Names = ()
    ) -> IngestBatch:
        """Fetch pages and feeds concurrently (bounded) and ingest them; one outcome per page.

        A URL already stored (after normalisation) is not fetched again.
        """
        store = self.library.store

        def items() -> Iterator[Item]:
            for url, result in fetch_drafts(
                urls, policy=self.fetch_policy, known=store.find_by_url, workers=workers
            ):
                if isinstance(result, int):
                    yield IngestOutcome(url, Status.DUPLICATE, article_id=result)
                else:
                    yield result

        return IngestBatch(len(set(urls)), self.ingest_many(items(), collections=collections))

    def seed_if_empty(self, seeds_dir: Path) -> list[IngestOutcome]:
        """Ingest `seeds_dir` into a database that has never held an article.

        Once seeded (even if the seeds were later forgotten) it never seeds again.
        """
        store = self.library.store
        if store.count_articles() or store.get_meta(_SEEDED_KEY):
            return []
        outcomes = list(self.ingest_paths([seeds_dir]))
        store.set_meta(_SEEDED_KEY, str(seeds_dir))
        return outcomes

    def _store(self, item: Prepared, collections: Names = ()) -> IngestOutcome:
        """Store and index one prepared article, unless it is a duplicate or an error
        (a duplicate is filed into `collections` all the same)."""
        if isinstance(item, IngestOutcome):
            return self._collected(item, collections)
        if isinstance(item, IngestError):
            return IngestOutcome.failed(item)
        known = self._already_stored(item)
        if known is not None:
            return self._collected(known, collections)
        if not self.library.writing:
            self.library.hold_writer()
            # Checked again under the lock: another process may have added it meanwhile
            # (while this library holds the lock, as through a bulk ingest, none can).
            known = self._already_stored(item)
            if known is not None:
                return self._collected(known, collections)
        article_id = self.library.add(item, tuple(collections))
        return IngestOutcome(
            item.origin,
            Status.ADDED,
            article_id=article_id,
            headline=item.headline,
            outlet=item.outlet,
            passage_count=len(item.passages),
        )

    def _collected(self, outcome: IngestOutcome, collections: Names) -> IngestOutcome:
        """A duplicate's article filed into `collections` too (near-duplicates are a
        different text, and stay out)."""
        if collections and outcome.status is Status.DUPLICATE and outcome.article_id:
            if not self.library.writing:
                self.library.hold_writer()
            self.library.collect([outcome.article_id], tuple(collections))
        return outcome

    def _already_stored(self, item: PreparedArticle) -> IngestOutcome | None:
        """The outcome for an article stored already (same text or URL) or nearly so."""
        store = self.library.store
        existing = store.find_by_hash(item.content_hash)
        if existing is None and item.url:
            existing = store.find_by_url(item.url)
        if existing is not None:
            return IngestOutcome(item.origin, Status.DUPLICATE, article_id=existing)
        if item.signature is not None:
            near = store.lsh.find(item.signature)
            if near is not None:
                return IngestOutcome(
                    item.origin, Status.NEAR_DUPLICATE, article_id=near[0], similarity=near[1]
                )
        return None
