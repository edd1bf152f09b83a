"""The library: SQLite (the system of record) and the BM25 index derived from it, kept
in step.

Every write goes to SQLite first, with a journal row in the same transaction,
then to the index under its writer lock; once the index commits, the writer
clears the rows it wrote, and only those. Rows left over belong to a writer that
died: the next process to take the lock replays them (`repair`). An index that
disagrees with SQLite is rebuilt in place.

Several processes may use one database: readers never wait, and writers take
turns on the index's writer lock, taken before each SQLite write the index
must follow and released at each commit. A second writer waits for a holder
whose heartbeat is fresh however long it takes, and for one without a heartbeat
while it makes progress (SQLite commits, index files written); it gives up only
after `writer_wait` seconds with neither. It calls `on_wait` when it starts
waiting and every 30 s after, so a surface can say who it is waiting for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsbot.index.errors import (
    IndexDamagedError,
    IndexSchemaError,
    NewsbotError,
    NotFoundError,
    StoreError,
)
from newsbot.index.models import Article, PreparedArticle
from newsbot.index.store.articles import IndexRow, Store, StoredAlready, open_store
from newsbot.index.store.heartbeat import WriterWait
from newsbot.index.store.integrity import (
    ON_OPEN_MAX_BYTES,
    RESTORE,
    CheckResult,
    refuse_if_damaged,
    run_check,
    size_of,
)
from newsbot.index.store.journal import JournalEntry
from newsbot.index.store.retriever import IndexDoc, Retriever, passage_terms
from newsbot.index.text.analysis import analyze

log = logging.getLogger(__name__)

WRITER_WAIT_S = 120.0


def index_path_for(db_path: Path) -> Path:
    """The index lives beside the database: newsbot.db -> newsbot.db.index/."""
    return db_path.with_name(db_path.name + ".index")


def _refuse_a_truncated_database(db_path: Path) -> None:
    """An empty database file beside an index that holds passages was truncated, not
    made new: seeding it would hide the loss. A new database has no index yet."""
    try:
        empty = db_path.stat().st_size == 0
    except FileNotFoundError:
        return
    index = index_path_for(db_path)
    if empty and index.is_dir() and any(index.iterdir()):
        raise StoreError(
            f"The database at {db_path} is empty (0 bytes), but the search index beside it, "
            f"{index}, is not: the database was probably truncated. Restore it from a "
            "backup; to start anew instead, delete both.",
            path=str(db_path),
        )


def _move_aside(path: Path) -> Path:
    """Rename a damaged index out of the way (kept, for whoever wants to look at it)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    path.rename(target)
    return target


def open_index(
    path: Path, *, title_boost: float, replace_damaged: bool
) -> tuple[Retriever, Path | None, bool]:
    """The index at `path`, with where a damaged one was moved (`replace_damaged`: it
    is moved aside and a new, empty one made, for `reindex` to fill; otherwise it is
    an IndexDamagedError) and whether it is new because the old one was outdated
    (derived data in an older shape, removed: the caller rebuilds it from the
    database)."""
    try:
        return Retriever(path, title_boost=title_boost), None, False
    except IndexSchemaError:
        log.warning("the search index at %s was made by an older newsbot; rebuilding", path)
        shutil.rmtree(path)
        return Retriever(path, title_boost=title_boost), None, True
    except IndexDamagedError:
        if not replace_damaged:
            raise
        damaged = _move_aside(path)
        log.info("moved the damaged search index to %s", damaged)
        return Retriever(path, title_boost=title_boost), damaged, False


def index_docs(rows: Iterable[IndexRow]) -> Iterator[IndexDoc]:
    """Index documents from stored passages (their terms as stored: nothing is
    analysed again but each article's headline, once)."""
    titles: dict[int, list[str]] = {}
    for row in rows:
        if row.article_id not in titles:
            titles.clear()  # rows come grouped by article; keep one
            titles[row.article_id] = analyze(row.headline)
        yield IndexDoc(
            row.passage_id,
            row.article_id,
            passage_terms(row.terms),
            titles[row.article_id],
            row.collections,
        )


class IndexKeeper:
    """What `Library` (SQLite) and `Replica` (PostgreSQL) share, the engine and the
    ingester using either: `lock`, held briefly around each use of the store's
    connection and the index reader; this process's write turns, one at a time;
    and how long a writer waits for another process's index writer lock. Answers
    read `reads` (with the index) under `read_lock`: for SQLite, the store and
    `lock` themselves; a replica's are its local read copy and a lock of its own."""

    retriever: Retriever
    store: Store
    reads: Store

    def __init__(self, writer_wait: float, on_wait: Callable[[WriterWait], None] | None) -> None:
        if writer_wait < 0:
            raise ValueError("writer_wait must not be negative")
        self.writer_wait = writer_wait
        self.on_wait = on_wait
        self.lock = threading.RLock()
        self.read_lock = self.lock
        self._turn = threading.Lock()

    @contextlib.contextmanager
    def repairing(self) -> Iterator[None]:
        """A turn for `repair`, which takes the writer lock only if it is free."""
        with self._turn, self.lock:
            yield

    @property
    def writing(self) -> bool:
        """Whether this process holds the index's writer lock."""
        return self.retriever.writing


class Library(IndexKeeper):
    """One database, used by several threads through two locks.

    `lock` is held around every use of the store or the index (one SQLite
    connection, one index reader), briefly. `write_turn()` is a write's turn: this
    process's writers one at a time, the index's writer lock taken (a wait for
    another process happens outside `lock`, so readers go on), and whatever was
    written committed at the end.
    """

    # A write turn takes the one writer lock: a duplicate found by a read before it
    # (the store checks again inside the write) never takes it.
    look_before_writing = True

    def __init__(
        self,
        db_path: Path,
        *,
        title_boost: float,
        writer_wait: float = WRITER_WAIT_S,
        on_wait: Callable[[WriterWait], None] | None = None,
        replace_damaged_index: bool = False,
    ) -> None:
        """`replace_damaged_index`: an index that cannot be opened is moved aside (to
        `damaged_index`) and a new, empty one made, for `reindex` to fill; otherwise
        it is an IndexDamagedError."""
        super().__init__(writer_wait, on_wait)
        self._own_journal: list[int] = []  # journal rows this library wrote, not yet indexed
        self._check_dead_rows = False  # set when the writer lock is newly taken
        _refuse_a_truncated_database(db_path)
        self.db_path = db_path
        self.store = open_store(db_path)  # a file it cannot open or read is refused here
        self.reads = self.store
        # Checked on open when that is cheap, else before this process's first write.
        self._checked = False
        if size_of(db_path) <= ON_OPEN_MAX_BYTES:
            try:
                refuse_if_damaged(db_path, run_check(db_path))
            except StoreError:
                self.store.close()
                raise
            self._checked = True
        try:
            self.retriever, self.damaged_index, outdated = open_index(
                index_path_for(db_path),
                title_boost=title_boost,
                replace_damaged=replace_damaged_index,
            )
        except NewsbotError:
            self.store.close()
            raise
        if outdated:
            try:
                self.reindex()
            except NewsbotError:
                self.close()
                raise

    def close(self) -> None:
        self.retriever.rollback()
        self.store.close()

    # -- the writer lock ----------------------------------------------------------

    @contextlib.contextmanager
    def write_turn(self, doing: str) -> Iterator[None]:
        """This process's turn to write (`doing` names it to a waiting writer): the
        writer lock held inside, and what was written committed when it ends."""
        with self._turn:
            self.hold_writer(doing)
            try:
                yield
            finally:
                with self.lock:
                    if self.uncommitted:
                        self.commit()
                    else:
                        self.release_writer()

    def hold_writer(self, doing: str = "writing") -> None:
        """Take the index's writer lock before a write it must follow: a live holder is
        waited for, one that shows no sign of life for `writer_wait` seconds is given
        up on. Once taken, the first write replays any dead writer's rows. `doing` is
        what a waiting writer is told this process is doing."""
        if not self._checked:
            self._check_before_writing()
        held = self.retriever.writing
        self.retriever.acquire_writer(
            wait=self.writer_wait, on_wait=self.on_wait, progress=self._progress, doing=doing
        )
        if not held:
            self._check_dead_rows = True

    def _check_before_writing(self) -> None:
        """`quick_check` a database too large to check on open, once, before the first
        write: nothing is written into a damaged file."""
        size = size_of(self.db_path)
        if size:
            log.info("checking the database (%s MB) before writing to it", f"{size >> 20:,}")
            result = run_check(self.db_path)
            log.info(
                "database check: %s in %.1f s", "ok" if result.ok else "damaged", result.seconds
            )
            refuse_if_damaged(self.db_path, result)
        self._checked = True

    def _progress(self) -> tuple[int, tuple[tuple[str, int, int], ...]]:
        """What changes while another writer works: SQLite's data version (it moves
        with every commit by another connection) and the index's files (a rebuild
        writes segments for minutes without touching SQLite)."""
        version = self.store.sql.scalar("PRAGMA data_version")
        files: list[tuple[str, int, int]] = []
        for entry in os.scandir(self.retriever.path):
            with contextlib.suppress(FileNotFoundError):  # a merge may remove it meanwhile
                stat = entry.stat()
                files.append((entry.name, stat.st_size, stat.st_mtime_ns))
        return int(version), tuple(sorted(files))

    @property
    def uncommitted(self) -> bool:
        """Whether this library has written to SQLite what the index has not committed."""
        return bool(self._own_journal)

    def release_writer(self) -> None:
        """Give the writer lock back when nothing is waiting to be committed."""
        if self.retriever.writing and not self._own_journal:
            self.retriever.rollback()

    def commit(self) -> None:
        """Publish the index writes, clear this library's own journal rows (another
        writer's rows are its own to clear), then release the lock.

        In that order: a writer that takes the lock next must find no row of a
        writer that finished, or it would replay them as a dead writer's."""
        try:
            with self._unindexed_on_failure():
                self.retriever.commit(release=False)
            if self._own_journal:
                self.store.journal.clear(self._own_journal)
                self._own_journal.clear()
        finally:
            self.retriever.release()

    # -- writes ------------------------------------------------------------------

    def add(self, item: PreparedArticle, collections: tuple[str, ...] = ()) -> int | StoredAlready:
        """Store one article (in `collections`) and add its passages to the index
        (writer lock held, not yet committed). Returns the new article's id, or the
        stored article it repeats (nothing written)."""
        self._replay_dead_rows()
        added = self.store.add_article(item, collections)
        if isinstance(added, StoredAlready):
            return added
        self._own_journal.append(added.journal_seq)
        with self._unindexed_on_failure():
            self.retriever.add(
                IndexDoc(pid, added.id, passage_terms(terms), item.title_terms, collections)
                for pid, terms in zip(added.passage_ids, item.sentence_terms, strict=True)
            )
        return added.id

    def collect(self, article_ids: list[int], names: tuple[str, ...]) -> int:
        """File stored articles into collections (writer lock held, not yet committed):
        their passages are indexed again, from stored terms, with the new names.
        Returns how many memberships were new (0: nothing to do, nothing written)."""
        self._replay_dead_rows()
        added, seqs = self.store.add_to_collections(article_ids, names)
        if not added:
            return 0
        self._own_journal.extend(seqs)
        with self._unindexed_on_failure():
            for article_id in sorted(set(article_ids)):
                self.retriever.delete_article(article_id)
            self._index_articles(sorted(set(article_ids)))
        return added

    @contextlib.contextmanager
    def _unindexed_on_failure(self) -> Iterator[None]:
        """A failed index write (a full disk) leaves this library's journal rows as a
        dead writer's: they stay pending, for the next writer or repair to replay,
        instead of being cleared at the next commit for documents the index lost."""
        try:
            yield
        except StoreError:
            self._own_journal.clear()
            raise

    def _replay_dead_rows(self) -> None:
        """Under a freshly taken writer lock, every journal row not this library's
        belongs to a writer that died (a live one would hold the lock): replay them."""
        if not self._check_dead_rows:
            return
        self._check_dead_rows = False
        own = set(self._own_journal)
        dead = [entry for entry in self.store.journal.pending() if entry.seq not in own]
        if dead:
            log.warning("replaying %d index journal entries from a writer that died", len(dead))
            self._replay(dead)

    def forget(self, article_id: int) -> Article:
        """Delete an article from the database and the index."""
        self.store.get_article(article_id)  # an unknown id is refused before any lock
        self.hold_writer("forgetting an article")
        self._replay_dead_rows()
        try:
            article, seq = self.store.delete_article(article_id)
        except NotFoundError:
            self.retriever.rollback()  # deleted by another process while this one waited
            raise
        self._own_journal.append(seq)
        self.retriever.delete_article(article_id)
        self.commit()
        return article

    # -- consistency --------------------------------------------------------------

    def repair(self) -> int:
        """Replay journal rows left by a crashed writer; rebuild an index that disagrees
        with SQLite. Returns how many repairs were made (0 when they agree).

        Only reads unless something needs repair, and never waits: while another
        process is writing, the rows and passages it has not indexed yet are its
        own to index, so there is nothing to repair.
        """
        self.retriever.refresh()
        if not self.store.journal.pending() and not self._disagrees():
            return 0
        if not self.retriever.try_writer("repairing the index"):
            log.info("another newsbot process is writing; it keeps the index up to date")
            return 0
        # Under the writer lock: every journal row left is a dead writer's.
        self._check_dead_rows = False
        pending = self.store.journal.pending()
        if pending:
            log.warning(
                "replaying %d index journal entries from an interrupted write", len(pending)
            )
            self._replay(pending)
        repairs = len(pending)
        if self._disagrees():
            log.warning("search index disagrees with the database; rebuilding it")
            self._rebuild()
            repairs += 1
        self.retriever.commit()
        return repairs

    def _replay(self, entries: list[JournalEntry]) -> None:
        """Bring the index in line with SQLite for these rows' articles (idempotent:
        each article's passages deleted, then whatever SQLite holds re-added)."""
        touched = sorted({entry.article_id for entry in entries})
        for article_id in touched:
            self.retriever.delete_article(article_id)
        self._index_articles(touched)
        self.retriever.commit(release=False)
        self.store.journal.clear(entry.seq for entry in entries)

    def reindex(self) -> int:
        """Rebuild the BM25 index from SQLite. Returns the number of passages indexed.

        Journal rows left by dead writers are done with too: under the writer lock,
        every pending row is a dead writer's, and the rebuild covers what it was for.
        """
        self.hold_writer("rebuilding the index")
        count = self._rebuild()
        self.retriever.commit(release=False)
        self.store.journal.clear(entry.seq for entry in self.store.journal.pending())
        self.commit()
        return count

    def _disagrees(self) -> bool:
        return self.retriever.num_docs != self.store.count_passages()

    def _rebuild(self) -> int:
        """Empty the index in place and index every stored passage (writer lock held).

        In place, not a new directory: a serving process keeps reading the same index.
        """
        self.retriever.delete_all()
        return self._index_articles(None)

    def _index_articles(self, article_ids: Iterable[int] | None) -> int:
        """Index passages from their stored terms: nothing is analysed again."""
        return self.retriever.add(index_docs(self.store.iter_index_rows(article_ids)))


@dataclass(frozen=True)
class LibraryCheck:
    """`newsbot check`: the database's full check, and the index's agreement with it."""

    database: CheckResult
    index_path: Path
    index_problems: tuple[str, ...]  # none: the index agrees with the database
    passages: int  # in the database (0 when it is damaged)

    @property
    def ok(self) -> bool:
        return self.database.ok and not self.index_problems

    @property
    def advice(self) -> str | None:
        """What to do, when anything is wrong."""
        if not self.database.ok:
            return RESTORE
        if self.index_problems:
            return "Run `newsbot reindex`: it rebuilds the index from the database."
        return None


def check_library(db_path: Path, *, title_boost: float) -> LibraryCheck:
    """SQLite's `integrity_check` of the database, then, if it is whole, the index
    against it (passages, and writes a dead writer left). It repairs nothing: opening
    the library only does what every open does (pending schema steps)."""
    database = run_check(db_path, full=True)
    index = index_path_for(db_path)
    if not database.ok:
        return LibraryCheck(database, index, (), 0)
    try:
        library = Library(db_path, title_boost=title_boost)
    except IndexDamagedError as exc:
        return LibraryCheck(database, index, (exc.message,), 0)
    try:
        problems = []
        pending = library.store.journal.pending()
        if pending:
            problems.append(
                f"{len(pending):,} writes are not in the index yet (a writer died before "
                "it committed); the next newsbot command replays them"
            )
        docs, passages = library.retriever.num_docs, library.store.count_passages()
        if docs != passages:
            problems.append(f"the index holds {docs:,} passages, the database {passages:,}")
        return LibraryCheck(database, index, tuple(problems), passages)
    finally:
        library.close()
