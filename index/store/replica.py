"""A replica: this machine's BM25 index, a derived copy of a library kept in PostgreSQL.

With PostgreSQL as the system of record, every `serve` and every CLI command
keeps its own tantivy index (in `index_dir`, one folder per database), brought
up to date from the database's change log (`journal.ChangeLog`): rows ordered
by a sequence, each naming an article added, refiled or deleted. The index
folder remembers the last row it applied (`newsbot-replica.json`, written after
each index commit); catching up applies the rows after it, each article's
passages deleted and re-added from what the database holds now, so applying a
row twice (after a crash between the commit and the note) changes nothing.

Writers take no lock but PostgreSQL's: an article is stored in one transaction
(duplicates decided inside it, `Store.add_article`), and the replica that wrote
it catches up at the end of its write turn like any other, from the passages
it still holds in memory. Another replica is woken by NOTIFY (`follow`), or
finds the rows when it next polls or opens. A new replica, or one whose index
was removed, builds its index from the database.

Beside the index, each replica keeps a read copy of the articles and passages
(`read_copy.ReadCopy`, a local SQLite file, written in the same catch-up just
before the index): answers read only it and the index, so they never wait on
PostgreSQL and go on while it is away.

Replicas on one machine may share `index_dir`: the index's writer lock (and its
heartbeat) makes them take turns, and whoever holds it applies what is new for all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.errors import NewsbotError, StoreError
from newsbot.index.models import Article, PreparedArticle
from newsbot.index.store.articles import Store, StoredAlready, open_store
from newsbot.index.store.heartbeat import WriterWait
from newsbot.index.store.journal import CHANGES_CHANNEL, ChangeLog, JournalEntry
from newsbot.index.store.library import WRITER_WAIT_S, IndexKeeper, index_docs, open_index
from newsbot.index.store.postgres import PostgresConnection
from newsbot.index.store.read_copy import ReadCopy
from newsbot.index.store.retriever import IndexDoc, passage_terms

log = logging.getLogger(__name__)

APPLIED_FILE = "newsbot-replica.json"
BATCH = 2_000  # change log rows applied per index commit
POLL_S = 5.0  # how often a follower looks for changes when no NOTIFY comes


@dataclass(frozen=True)
class Lag:
    """How far this replica's index is behind the change log."""

    rows: int  # change log rows not applied yet
    seconds: float  # since the oldest of them was committed (0 when none)


class Replica(IndexKeeper):
    """One PostgreSQL library and this machine's index of it, used by several threads.

    The same surface as `Library` (the engine and the ingester use either):
    `lock` around each use of `store`'s connection, briefly; `write_turn()` around a
    batch of writes, after which the index catches up. Catching up reads over a
    connection of its own and writes the index outside `lock`, one catch-up at a
    time, so answers go on while a burst of other replicas' writes is applied.
    """

    # A write turn takes no lock of newsbot's, and the store decides duplicates in the
    # transaction that would store an article: a read before it would only cost time.
    look_before_writing = False

    def __init__(
        self,
        url: str,
        index_dir: Path,
        *,
        title_boost: float,
        writer_wait: float = WRITER_WAIT_S,
        on_wait: Callable[[WriterWait], None] | None = None,
        replace_damaged_index: bool = False,
    ) -> None:
        super().__init__(writer_wait, on_wait)
        self._catching = threading.Lock()  # one catch-up at a time; holds `_reader`
        self._own: dict[int, list[IndexDoc]] = {}  # this replica's writes, by seq
        self.store = open_store(url)
        database_id = self.store.get_meta("database_id")
        if not database_id:
            self.store.close()
            raise StoreError(
                f"The PostgreSQL database at {self.store.path} has no database_id.",
                path=self.store.path,
            )
        self.url = url
        reading = PostgresConnection(url)
        self._reader = Store(reading, ChangeLog(reading))  # what catching up reads
        self.changes = ChangeLog(reading)
        self.database_id = database_id
        path = Path(index_dir) / f"{database_id}.index"
        try:
            self.retriever, self.damaged_index, outdated = open_index(
                path, title_boost=title_boost, replace_damaged=replace_damaged_index
            )
        except NewsbotError:
            self.store.close()
            self._reader.close()
            raise
        self._applied_file = path / APPLIED_FILE
        try:
            self.copy = ReadCopy(path)
        except NewsbotError:
            self.retriever.rollback()
            self.store.close()
            self._reader.close()
            raise
        self.reads = self.copy.reads
        self.read_lock = threading.RLock()  # answers never wait on a PostgreSQL write
        if outdated or self.copy.new:
            self._applied_file.unlink(missing_ok=True)  # both built again, together
        # Open means up to date as of now: a new index is built, a stale one caught up
        # (unless another local process holds the index: it is catching up for both).
        try:
            self.catch_up(doing="opening", wait=False)
        except NewsbotError:
            self.close()
            raise

    def close(self) -> None:
        with self._catching:
            self.retriever.rollback()
            self._reader.close()
            with self.read_lock:
                self.copy.close()
        self.store.close()

    # -- writes -------------------------------------------------------------------

    @contextlib.contextmanager
    def write_turn(self, doing: str) -> Iterator[None]:
        """This process's turn to write: no lock but the database's own while it writes
        (`doing` is what it tells a local process waiting for the index); then the
        index catches up, this turn's writes and everyone else's."""
        with self._turn:
            try:
                yield
            finally:
                self.catch_up(doing=doing)

    def add(self, item: PreparedArticle, collections: tuple[str, ...] = ()) -> int | StoredAlready:
        """Store one article (in `collections`); its passages reach this index when the
        write turn ends. Returns the new id, or the stored article it repeats."""
        added = self.store.add_article(item, collections)
        if isinstance(added, StoredAlready):
            return added
        self._own[added.journal_seq] = [
            IndexDoc(pid, added.id, passage_terms(terms), item.title_terms, collections)
            for pid, terms in zip(added.passage_ids, item.sentence_terms, strict=True)
        ]
        return added.id

    def collect(self, article_ids: list[int], names: tuple[str, ...]) -> int:
        """File stored articles into collections; how many memberships were new."""
        added, _ = self.store.add_to_collections(article_ids, names)
        return added

    def forget(self, article_id: int) -> Article:
        """Delete an article (the index follows when the write turn ends)."""
        article, _ = self.store.delete_article(article_id)
        return article

    # -- keeping up -----------------------------------------------------------------

    def applied(self) -> int | None:
        """The last change log row this index has applied; None: it was never built."""
        try:
            noted = json.loads(self._applied_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("cannot read %s (%s); rebuilding the index", self._applied_file, exc)
            return None
        if noted.get("database_id") != self.database_id or not isinstance(noted.get("seq"), int):
            return None
        return int(noted["seq"])

    def _note_applied(self, seq: int) -> None:
        """After the index commit: a crash before this only means rows applied again."""
        temporary = self._applied_file.with_suffix(".tmp")
        note = {"database_id": self.database_id, "seq": seq, "at": time.time()}
        temporary.write_text(json.dumps(note), encoding="utf-8")
        os.replace(temporary, self._applied_file)

    def catch_up(self, *, doing: str = "catching up", wait: bool = True) -> int:
        """Apply the change log rows after this index's place (building the index first
        if it never was). Returns how many rows were applied. `wait`: wait for another
        local process holding the index; otherwise leave the work to it."""
        with self._catching:
            applied = self.applied()
            if applied is not None and self.changes.last() <= applied:
                self._forget_own(applied)  # applied already, by another local process
                self.retriever.refresh()
                return 0
            if wait:
                self.retriever.acquire_writer(
                    wait=self.writer_wait, on_wait=self.on_wait, doing=doing
                )
            elif not self.retriever.try_writer(doing):
                return 0
            try:
                with self._holding_writer():
                    return self._catch_up_holding_writer()
            finally:
                self._forget_own(self.applied())

    @contextlib.contextmanager
    def _holding_writer(self) -> Iterator[None]:
        """Give the writer lock back at the end: everything committed, after waiting for
        the merges the commits started (dropping the writer would cancel them, and the
        index would grow a segment a catch-up, slower and larger); on a failure,
        whatever was not committed is dropped."""
        try:
            yield
        except BaseException:
            self.retriever.rollback_quietly()
            raise
        self.retriever.release()

    def _forget_own(self, applied: int | None) -> None:
        """Drop this replica's own writes that the index has (a writer thread may be
        adding newer ones meanwhile: those stay)."""
        if applied is None:
            return
        for seq in [seq for seq in list(self._own) if seq <= applied]:
            self._own.pop(seq, None)

    def _catch_up_holding_writer(self) -> int:
        applied = self.applied()  # again: another process may have applied rows meanwhile
        if applied is None:
            self._build()
            return 0
        total = 0
        while entries := self.changes.since(applied, limit=BATCH):
            self._apply(entries)
            self.retriever.commit(release=False)
            applied = entries[-1].seq
            self._note_applied(applied)
            total += len(entries)
        if total:
            log.debug("applied %d change log rows (now at %d)", total, applied)
        return total

    def _apply(self, entries: list[JournalEntry]) -> None:
        """Each touched article's passages deleted, then re-added as the database holds
        them now (this replica's own last write of one taken from memory); the read
        copy first, so the index never finds a passage the copy lacks."""
        last_seq = {entry.article_id: entry.seq for entry in entries}
        self.copy.replace(self._reader, last_seq)
        own = {a: self._own[seq] for a, seq in last_seq.items() if seq in self._own}
        for article_id in last_seq:
            self.retriever.delete_article(article_id)
        self.retriever.add(doc for docs in own.values() for doc in docs)
        others = sorted(set(last_seq) - set(own))
        if others:
            self.retriever.add(index_docs(self.copy.index_rows(others)))

    def _build(self) -> int:
        """Index every stored passage, from a place in the change log read first: rows
        committed during the build are applied again after it, harmlessly."""
        start = self.changes.last()
        self.copy.rebuild(self._reader)
        self.retriever.delete_all()
        count = self.retriever.add(index_docs(self.copy.index_rows(None)))
        self.retriever.commit(release=False)
        self._note_applied(start)
        log.info("built the search index from the database: %d passages", count)
        while entries := self.changes.since(start, limit=BATCH):
            self._apply(entries)
            self.retriever.commit(release=False)
            start = entries[-1].seq
            self._note_applied(start)
        return count

    def repair(self) -> int:
        """Catch up (a new index is built); then, if the index still disagrees with the
        database at the same place in the change log, rebuild it. Returns how many
        repairs were made: rows applied, plus one for a rebuild."""
        built = self.applied() is None
        repairs = self.catch_up(doing="repairing the index", wait=False) + int(built)
        if self.applied() is not None and self._disagrees():
            log.warning("search index disagrees with the database; rebuilding it")
            self.reindex()
            repairs += 1
        return repairs

    def _disagrees(self) -> bool:
        with self._catching, self._reader.sql.transaction():
            # One snapshot (REPEATABLE READ): the place and the count agree.
            self._reader.sql.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            last = self.changes.last()
            passages = self._reader.count_passages()
        if last != self.applied():
            return False  # rows to apply: the counts may differ for now
        return not self.retriever.num_docs == passages == self.copy.count_passages()

    def reindex(self) -> int:
        """Rebuild this machine's index from the database; the passages indexed."""
        with self._catching:
            self.retriever.acquire_writer(
                wait=self.writer_wait, on_wait=self.on_wait, doing="rebuilding the index"
            )
            with self._holding_writer():
                return self._build()

    def lag(self) -> Lag:
        """How far behind the change log this index is."""
        applied = self.applied() or 0
        with self.lock:
            rows = self.store.sql.rows(
                "SELECT count(*) AS n, "
                "coalesce(extract(epoch FROM now() - min(changed_at)), 0) AS seconds "
                "FROM change_log WHERE seq > ?",
                [applied],
            )
        return Lag(int(rows[0]["n"]), float(rows[0]["seconds"]))

    # -- following --------------------------------------------------------------------

    def follow(self, stop: threading.Event, *, poll: float = POLL_S) -> None:
        """Keep the index up to date until `stop` is set: woken by NOTIFY on a connection
        of its own, and every `poll` seconds without one. While PostgreSQL cannot be
        reached it says so once and tries again every `poll` seconds; back, it catches
        up from where it stopped."""
        listener: Listener | None = None
        down = False
        while not stop.is_set():
            try:
                if listener is None:
                    listener = Listener(self.url, CHANGES_CHANNEL)
                self.catch_up(doing="catching up", wait=False)
                if down:
                    log.warning("PostgreSQL is reachable again; the index is catching up")
                    down = False
                listener.wait(poll, stop)
            except StoreError as exc:
                if not down:
                    log.warning(
                        "%s (questions are answered from this replica's copy until it is "
                        "back; nothing can be added or forgotten meanwhile)",
                        exc,
                    )
                    down = True
                if listener is not None:
                    listener.close()
                    listener = None
                stop.wait(poll)
        if listener is not None:
            listener.close()


class Listener:
    """A connection that LISTENs on one channel, for `Replica.follow`."""

    def __init__(self, url: str, channel: str) -> None:
        self._sql = PostgresConnection(url)
        self._sql.execute(f"LISTEN {channel}")

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Return after the first notification, or after `timeout` seconds; early once
        `stop` is set (checked every half second)."""
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._sql.notified(min(left, 0.5)):
                return

    def close(self) -> None:
        self._sql.close()
