"""Ingest orchestration: items in (drafts, files, URLs, bytes), outcomes out, in order.

Preparing an article (clean, split, analyse) needs no database and may run in
worker processes (`pipeline`) or, for a server, one child process per item
under limits (`isolated`); storing it is the library's. Between them this
module decides what is new: the same text or URL is a duplicate, a
near-identical text a near-duplicate, checked again under the writer lock.
The command line and chat take this one path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.errors import IngestError
from newsbot.index.ingest.bulk import DEFAULT_WORKERS, fetch_drafts
from newsbot.index.ingest.fetch import FetchPolicy
from newsbot.index.ingest.files import plan_paths
from newsbot.index.ingest.isolated import IngestLimits, prepare_isolated
from newsbot.index.ingest.pipeline import (
    Item,
    Prepared,
    RawFile,
    default_workers,
    prepare_many,
)
from newsbot.index.models import IngestOutcome, PreparedArticle, Status
from newsbot.index.store.articles import StoredAlready
from newsbot.index.store.library import Library
from newsbot.index.store.replica import Replica

Names = tuple[str, ...]  # collection names, already checked (index.collections)

log = logging.getLogger(__name__)

# During a bulk ingest the index commits this often at most (and at the end):
# each commit costs an fsync, and the journal covers what is not yet committed.
BULK_COMMIT_EVERY = 1000
# Articles read for this long are stored together: fewer commits (and segments),
# and the writer lock is still free while the next ones are read.
BATCH_S = 1.0
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
    """Adds articles to one library; failures come back as outcomes, never raised.

    Reading (a fetch, a file, extraction, analysis) happens outside every lock;
    what is ready is stored in batches, each under the index's writer lock and
    committed before the next is read, so the lock covers writing only.
    """

    def __init__(self, library: Library | Replica, *, fetch_policy: FetchPolicy) -> None:
        self.library = library
        self.fetch_policy = fetch_policy

    def ingest_bytes(
        self,
        data: bytes,
        origin: str,
        *,
        suffix: str = "",
        collections: Names = (),
        limits: IngestLimits | None = None,
    ) -> IngestOutcome:
        """One article from raw bytes (stdin, pasted text, an uploaded file)."""
        item = RawFile(data, origin, suffix)
        return next(self.ingest_many([item], collections=collections, limits=limits))

    def ingest_many(
        self,
        items: Iterable[Item],
        *,
        workers: int = 1,
        collections: Names = (),
        limits: IngestLimits | None = None,
        batch_seconds: float = BATCH_S,
    ) -> Iterator[IngestOutcome]:
        """Ingest a stream of items, one outcome per item, in order.

        An IngestError in the stream (a bad file) becomes its outcome, and an
        IngestOutcome (decided upstream, like a URL already stored) passes
        through. With workers > 1, reading and analysis run in that many
        processes; with `limits`, each item is read in a child process under them
        (a server's ingest: one input must not take it down).

        Prepared articles are gathered for up to `batch_seconds` (0: each is stored
        as it comes, as URL ingests do) or BULK_COMMIT_EVERY articles, then stored
        and committed together under the writer lock, which is never held while the
        next items are read.

        `collections` (checked names) files every article added into them, and every
        one already stored (a duplicate) too: ingesting it again for a desk is how
        a desk gets it.
        """
        if batch_seconds < 0:
            raise ValueError("batch_seconds must not be negative")
        prepared: Iterable[Prepared]
        if limits is not None:
            prepared = (prepare_isolated(item, limits=limits) for item in items)
        else:
            prepared = prepare_many(items, workers=workers)
        batch: list[Prepared] = []
        opened = 0.0
        for item in prepared:
            if not batch:
                opened = time.monotonic()
            batch.append(item)
            if len(batch) >= BULK_COMMIT_EVERY or time.monotonic() - opened >= batch_seconds:
                yield from self._store_batch(batch, collections)
                batch = []
        if batch:
            yield from self._store_batch(batch, collections)

    def ingest_paths(
        self, paths: list[Path], *, workers: int | None = None, collections: Names = ()
    ) -> IngestBatch:
        """Ingest files and directories (walked), one outcome per file.

        Large batches are read and analysed by worker processes (all cores by default).
        """
        items = plan_paths(paths)
        count = default_workers() if workers is None else workers
        outcomes = self.ingest_many(items, workers=count, collections=collections)
        return IngestBatch(len(items), outcomes)

    def ingest_urls(
        self,
        urls: list[str],
        *,
        workers: int = DEFAULT_WORKERS,
        collections: Names = (),
        limits: IngestLimits | None = None,
        feeds: bool = True,
    ) -> IngestBatch:
        """Fetch pages and feeds concurrently (bounded) and ingest them; one outcome per page.

        A URL already stored (after normalisation) is not fetched again. Each page is
        stored as it arrives: a slow page never keeps the writer lock from others.
        With `limits`, each page is extracted in a child process under them;
        `feeds=False` refuses feeds (a chat user adds one page at a time).
        """
        library = self.library

        def known(url: str) -> int | None:
            with library.lock:
                return library.store.find_by_url(url)

        def items() -> Iterator[Item]:
            for url, result in fetch_drafts(
                urls,
                policy=self.fetch_policy,
                known=known,
                workers=workers,
                extract=limits is None,
                feeds=feeds,
            ):
                if isinstance(result, int):
                    yield IngestOutcome(url, Status.DUPLICATE, article_id=result)
                else:
                    yield result

        outcomes = self.ingest_many(
            items(), collections=collections, limits=limits, batch_seconds=0.0
        )
        return IngestBatch(len(set(urls)), outcomes)

    def seed_if_empty(self, seeds_dir: Path) -> list[IngestOutcome]:
        """Ingest `seeds_dir` into a database that has never held an article.

        Once seeded (even if the seeds were later forgotten) it never seeds again.
        """
        store = self.library.store
        with self.library.lock:
            if store.count_articles() or store.get_meta(_SEEDED_KEY):
                return []
        outcomes = list(self.ingest_paths([seeds_dir]))
        with self.library.lock:
            store.set_meta(_SEEDED_KEY, str(seeds_dir))
        return outcomes

    # -- storing -----------------------------------------------------------------

    def _store_batch(self, batch: list[Prepared], collections: Names) -> list[IngestOutcome]:
        """Store what is new in `batch`, one outcome per item, in order.

        What needs no write (a failure, a duplicate with nowhere to file it) is
        decided under the library's lock alone; the writer lock is taken only when
        something is left to write, and everything is checked again under it:
        another process may have stored the same article meanwhile.
        """
        with self.library.lock:
            decided = [self._decided(item, collections) for item in batch]
        if all(outcome is not None for outcome in decided):
            return [outcome for outcome in decided if outcome is not None]
        outcomes: list[IngestOutcome] = []
        with self.library.write_turn("ingesting"):
            for item, outcome in zip(batch, decided, strict=True):
                if outcome is None:
                    assert not isinstance(item, IngestError)  # `_decided` gave its outcome
                    with self.library.lock:
                        outcome = self._store(item, collections)
                log.debug("%s: %s", outcome.origin, outcome.reason or outcome.status)
                outcomes.append(outcome)
        return outcomes

    def _decided(self, item: Prepared, collections: Names) -> IngestOutcome | None:
        """The item's outcome when storing it writes nothing; None when it may."""
        if isinstance(item, IngestError):
            return IngestOutcome.failed(item)
        if isinstance(item, IngestOutcome):
            outcome: IngestOutcome | None = item
        elif self.library.look_before_writing:
            outcome = self._already_stored(item)
        else:
            return None  # the store decides in the transaction that would write it
        if outcome is None or (collections and outcome.status is Status.DUPLICATE):
            return None
        return outcome

    def _store(self, item: PreparedArticle | IngestOutcome, collections: Names) -> IngestOutcome:
        """Store and index one prepared article, unless it is a duplicate (filed into
        `collections` all the same): the store decides that in the transaction that
        would write it. Writer lock held; failures never get here (`_decided`)."""
        if isinstance(item, IngestOutcome):
            return self._collected(item, collections)
        stored = self.library.add(item, tuple(collections))
        if isinstance(stored, StoredAlready):
            return self._collected(_repeated(item, stored), collections)
        return IngestOutcome(
            item.origin,
            Status.ADDED,
            article_id=stored,
            headline=item.headline,
            outlet=item.outlet,
            passage_count=len(item.passages),
        )

    def _collected(self, outcome: IngestOutcome, collections: Names) -> IngestOutcome:
        """A duplicate's article filed into `collections` too (near-duplicates are a
        different text, and stay out)."""
        if collections and outcome.status is Status.DUPLICATE and outcome.article_id:
            self.library.collect([outcome.article_id], tuple(collections))
        return outcome

    def _already_stored(self, item: PreparedArticle) -> IngestOutcome | None:
        """The outcome for an article stored already (same text or URL) or nearly so."""
        stored = self.library.store.stored_already(item)
        return None if stored is None else _repeated(item, stored)


def _repeated(item: PreparedArticle, stored: StoredAlready) -> IngestOutcome:
    """The outcome for an article that repeats a stored one."""
    if stored.similarity is None:
        return IngestOutcome(item.origin, Status.DUPLICATE, article_id=stored.article_id)
    return IngestOutcome(
        item.origin,
        Status.NEAR_DUPLICATE,
        article_id=stored.article_id,
        similarity=stored.similarity,
    )
