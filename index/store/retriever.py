"""The BM25 passage index: tantivy, fed with terms we analysed ourselves.

tantivy keeps an on-disk inverted index in segments, so adding an article costs
the same at 10k passages as at 1M, and nothing is re-tokenised at start-up.
It sees only our terms (space-joined, split on whitespace), never raw text, so
ranking uses exactly the analyzer in `index.text.analysis`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import NamedTuple

import tantivy

from newsbot.index.errors import IndexDamagedError, IndexSchemaError, StoreError
from newsbot.index.store.heartbeat import Heartbeat, WriterWait

log = logging.getLogger(__name__)

BODY = "body"
TITLE = "title"
PASSAGE_ID = "passage_id"
ARTICLE_ID = "article_id"
COLLECTIONS = "collections"  # each of the article's collection names, one term each
_WRITER_HEAP = 64_000_000
_LOCK_POLL_S = 0.1
WAIT_NOTICE_S = 30.0  # how often a waiting writer says it is still waiting


class PassageHit(NamedTuple):
    passage_id: int
    score: float


class IndexDoc(NamedTuple):
    """One passage as the index sees it: ids and analysed terms."""

    passage_id: int
    article_id: int
    body_terms: list[str]
    title_terms: list[str]
    collections: tuple[str, ...] = ()


def passage_terms(sentence_terms: list[list[str]]) -> list[str]:
    """A passage's terms for the BM25 index: its sentences' terms, in order."""
    return [term for sentence in sentence_terms for term in sentence]


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(BODY, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field(TITLE, tokenizer_name="whitespace", index_option="freq")
    builder.add_unsigned_field(PASSAGE_ID, indexed=True, fast=True)
    builder.add_unsigned_field(ARTICLE_ID, indexed=True, fast=True)
    builder.add_text_field(COLLECTIONS, tokenizer_name="raw", index_option="basic")
    return builder.build()


class Retriever:
    """BM25 top-k over passages. `run(terms, top_k)` is the whole query contract.

    `title_boost` weighs the headline field against the passage body: every
    passage of an article carries its headline, so a question that names the
    story lifts all of that article's passages a little.
    """

    def __init__(self, path: Path | str, *, title_boost: float = 0.3) -> None:
        if title_boost < 0:
            raise ValueError("title_boost must be >= 0")
        self.path = Path(path)
        self.title_boost = title_boost
        self.schema = _schema()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            if "schema does not match" in str(exc):
                raise IndexSchemaError(
                    f"The search index at {self.path} was made by an older newsbot.",
                    path=str(self.path),
                ) from exc
            raise IndexDamagedError(
                f"The search index at {self.path} cannot be opened ({exc}). "
                "Run `newsbot reindex` to rebuild it from the database.",
                path=str(self.path),
            ) from exc
        except OSError as exc:
            raise IndexDamagedError(
                f"The search index at {self.path} cannot be opened ({exc}). "
                "Run `newsbot reindex` to rebuild it from the database.",
                path=str(self.path),
            ) from exc
        self._writer: tantivy.IndexWriter | None = None
        self._heartbeat = Heartbeat(self.path)

    # -- writing ----------------------------------------------------------------
    #
    # One process at a time may write: tantivy's writer lock. The engine takes it
    # only to store what is ready (never across a fetch or a parse), and releases
    # it at each commit, so readers never need it and another writer waits its
    # turn. While it is held, a heartbeat names the holder (`heartbeat`).

    def acquire_writer(
        self,
        *,
        wait: float,
        on_wait: Callable[[WriterWait], None] | None = None,
        progress: Callable[[], object] | None = None,
        doing: str = "writing",
    ) -> None:
        """Take the writer lock; while another process holds it, wait.

        A holder whose heartbeat is fresh is alive, and is waited for however long
        it takes. Otherwise the wait lasts while the holder makes progress:
        `progress()` returns a fingerprint of what it writes, and each change starts
        the `wait` seconds again; `wait` seconds with neither is a holder that has
        stopped, and this gives up. `on_wait` is called when the lock is found taken,
        then every WAIT_NOTICE_S, so a surface can say who it is waiting for.
        `doing` is what this process will say it is doing while it holds the lock.
        """
        started = last_change = time.monotonic()
        seen = progress() if progress is not None else None
        told_at: float | None = None
        last: WriterWait | None = None
        while self._writer is None:
            try:
                self._writer = self.index.writer(_WRITER_HEAP, 1)
            except ValueError as exc:  # tantivy: "Failed to acquire Lockfile: LockBusy"
                now = time.monotonic()
                last = WriterWait.seen(now - started, self.path)
                current = progress() if progress is not None else None
                if last.alive or current != seen:
                    seen, last_change = current, now
                if now - last_change >= wait:
                    raise StoreError(
                        f"The search index at {self.path} is held by {last.describe()}, "
                        f"which has shown no sign of life for {wait:g} s (waited "
                        f"{now - started:.0f} s in all): it looks stuck. If no other "
                        "newsbot is running, its lock is stale: try again.",
                        path=str(self.path),
                    ) from exc
                if on_wait is not None and (told_at is None or now - told_at >= WAIT_NOTICE_S):
                    on_wait(last)
                    told_at = now
                time.sleep(_LOCK_POLL_S)
        self._heartbeat.start(doing)
        if last is not None:
            log.info(
                "took the index writer lock from %s after waiting %.1f s (a normal hand-over)",
                last.describe(),
                time.monotonic() - started,
            )

    def try_writer(self, doing: str = "writing") -> bool:
        """Take the writer lock if no other process holds it; never waits."""
        try:
            self.acquire_writer(wait=0, doing=doing)
        except StoreError:
            return False
        return True

    @property
    def writing(self) -> bool:
        return self._writer is not None

    def _write_failed(self, exc: Exception) -> StoreError:
        """tantivy reports a failed write (a full disk, a read-only folder) as a
        ValueError naming the OS error: one line, and what to do."""
        self.rollback_quietly()
        return StoreError(
            f"Cannot write the search index at {self.path} ({exc}). Is the disk full or "
            "read-only? Nothing in the database was lost: once there is room, "
            "run `newsbot reindex`.",
            path=str(self.path),
        )

    def rollback_quietly(self) -> None:
        """Drop a writer that failed; its lock goes with it."""
        writer, self._writer = self._writer, None
        if writer is not None:
            self._heartbeat.stop()
            # A killed writer cannot roll back (ValueError). Waiting for its threads
            # consumes it and frees the lock now, not when the last reference to it
            # (an exception's traceback, say) goes.
            with contextlib.suppress(ValueError):
                writer.rollback()
            with contextlib.suppress(ValueError):
                writer.wait_merging_threads()

    def _get_writer(self) -> tantivy.IndexWriter:
        self.acquire_writer(wait=0)
        assert self._writer is not None
        return self._writer

    def add(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._get_writer()
        count = 0
        for doc in docs:
            document = tantivy.Document()
            document.add_text(BODY, " ".join(doc.body_terms))
            document.add_text(TITLE, " ".join(doc.title_terms))
            document.add_unsigned(PASSAGE_ID, doc.passage_id)
            document.add_unsigned(ARTICLE_ID, doc.article_id)
            for name in doc.collections:
                document.add_text(COLLECTIONS, name)
            try:
                writer.add_document(document)
            except ValueError as exc:
                raise self._write_failed(exc) from exc
            count += 1
        return count

    def delete_article(self, article_id: int) -> None:
        query = tantivy.Query.term_query(self.schema, ARTICLE_ID, article_id)
        self._get_writer().delete_documents_by_query(query)

    def delete_all(self) -> None:
        """Empty the index in place (to rebuild it): readers keep their directory."""
        self._get_writer().delete_all_documents()

    def commit(self, *, release: bool = True) -> None:
        """Publish pending writes; then, unless told to keep it, release the writer lock."""
        if self._writer is None:
            return
        try:
            self._writer.commit()
        except ValueError as exc:
            raise self._write_failed(exc) from exc
        self.index.reload()
        if release:
            self.release()

    def release(self) -> None:
        """Give the writer lock back, its writes committed already (`commit(release=False)`)."""
        if self._writer is None:
            return
        self._heartbeat.stop()  # before the lock goes: a waiter never reads a stale name
        writer, self._writer = self._writer, None
        try:
            writer.wait_merging_threads()
        except ValueError as exc:
            raise self._write_failed(exc) from exc

    def refresh(self) -> None:
        """See what other processes have committed (a watcher does it too, with a delay)."""
        self.index.reload()

    def rollback(self) -> None:
        if self._writer is not None:
            self._heartbeat.stop()
            self._writer.rollback()
            self._writer = None

    # -- reading ----------------------------------------------------------------

    @property
    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)

    def doc_freqs(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """Document count and each term's document frequency, from one searcher."""
        searcher = self.index.searcher()
        return int(searcher.num_docs), {t: int(searcher.doc_freq(BODY, t)) for t in terms}

    def run(
        self,
        weighted_terms: dict[str, float],
        top_k: int,
        collections: Collection[str] | None = None,
    ) -> list[PassageHit]:
        """Top-k passages by BM25 for terms with query weights (repeats, word forms).

        `collections` keeps passages of articles in at least one of them: a filter
        inside the search (scored 0, so BM25 scores are unchanged), never fewer hits
        taken from an unfiltered top k. An empty set matches nothing."""
        if top_k < 1:
            raise ValueError("top_k must be >= 1")
        if not weighted_terms:
            return []
        clauses = []
        for term, weight in weighted_terms.items():
            body = tantivy.Query.term_query(self.schema, BODY, term)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(body, weight)))
            # Headlines count for the question's own words; a context or a framing
            # word's title match adds little and costs a clause at every query.
            if self.title_boost > 0 and weight >= 1.0:
                title = tantivy.Query.term_query(self.schema, TITLE, term)
                boosted = tantivy.Query.boost_query(title, weight * self.title_boost)
                clauses.append((tantivy.Occur.Should, boosted))
        query = tantivy.Query.boolean_query(clauses)
        if collections is not None:
            if not collections:
                return []
            within = tantivy.Query.term_set_query(self.schema, COLLECTIONS, sorted(collections))
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(within, 0.0)),
                ]
            )
        searcher = self.index.searcher()
        result = searcher.search(query, top_k, count=False)
        addresses = [address for _, address in result.hits]
        passage_ids = searcher.fast_field_values(PASSAGE_ID, addresses)
        hits = [
            PassageHit(int(pid), float(score))
            for (score, _), pid in zip(result.hits, passage_ids, strict=True)
        ]
        # Equal scores come in the index's segment order, which merges change: ties go
        # by passage id, so one question gets one answer however the index was written.
        return sorted(hits, key=lambda hit: (-hit.score, hit.passage_id))
