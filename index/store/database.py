"""Opening newsbot's SQLite file, the one way every part of newsbot does it.

The engine's store and the chat surfaces' state (seen events, threads) each
open their own connection to the same file through `connect`, so they share
its settings, and apply their own migration sets through `migrate`.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsbot.index.errors import StoreError
from newsbot.index.store.sql import SQLITE, Params, Row

BUSY_TIMEOUT_S = 30


def connect(path: Path | str) -> sqlite_utils.Database:
    """A WAL-mode connection in autocommit: transactions are explicit (`transaction`).

    `check_same_thread=False` because chat servers call from worker threads;
    each owner serialises its own connection with a lock.
    """
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _use_wal(conn)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    return db


def damaged(exc: BaseException) -> bool:
    """Whether SQLite's error says the file itself is damaged (not busy, full, read-only)."""
    lowered = str(exc).lower()
    return "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered


def storage_error(exc: sqlite3.Error | OSError, path: Path | str) -> StoreError:
    """One line that says what is wrong with the database and what to do about it."""
    text = str(exc)
    lowered = text.lower()
    if damaged(exc):
        advice = (
            "it is damaged. SQLite is the system of record and nothing can rebuild it: "
            "restore it from a backup (the search index beside it cannot replace it)"
        )
    elif "full" in lowered or getattr(exc, "errno", None) == errno.ENOSPC:
        advice = "the disk is full. Free some space and try again (nothing was lost)"
    elif "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        advice = "it is read-only here. Give newsbot write access to it and its folder"
    elif "unable to open" in lowered:
        advice = "it cannot be opened. Check that its folder exists and newsbot may write there"
    else:
        advice = "check the disk it is on"
    return StoreError(f"The database at {path}: {advice} ({text}).", path=str(path))


# What the OS says when storage, not the caller, is at fault.
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


# SQLite errors that say the caller passed something wrong (a value it cannot bind, a
# misused cursor): bugs, which must surface in tests, never as advice about a disk.
_CALLER_ERRORS = (sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.DataError)


@contextmanager
def storage_errors(path: Path | str) -> Iterator[None]:
    """Turn SQLite's errors about the database, and the OS's about storage (full,
    read-only, not permitted), into one StoreError line. A caller's error (binding a
    list, say) is raised as it is: it is a bug, not the disk."""
    try:
        yield
    except _CALLER_ERRORS:
        raise
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRNOS:
            raise
        raise storage_error(exc, path) from exc


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a database to WAL (it stays so: later opens only read the mode).

    The switch needs the file to itself. While another process is mid-write,
    SQLite refuses at once, without its busy wait (waiting could deadlock), so
    two processes opening a new database together would fail: wait here instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def select(
    db: sqlite_utils.Database, sql: str, params: Sequence[object] = ()
) -> Iterator[sqlite3.Row]:
    """Rows read by column name (`row["headline"]`), for every table.

    sqlite3.Row rather than sqlite-utils' query(), which inspects the SQL and
    builds a dict per row. The one read every question makes (Store.get_passages)
    goes further and resolves each name once per query.
    """
    cursor = db.conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    IMMEDIATE takes the write lock at the start, so two writers wait for each
    other (up to the busy timeout) instead of failing half-way. It does not nest.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


class SqliteConnection:
    """`sql.Connection` over one SQLite file. `db` is the sqlite-utils database under
    it, for the migrations and the SQLite-only checks."""

    dialect = SQLITE

    def __init__(self, db: sqlite_utils.Database, where: Path | str) -> None:
        """Over an open database (`open` opens one; a migration step passes its own)."""
        self.where = str(where)
        self.db = db
        self._conn = db.conn

    @classmethod
    def open(cls, path: Path | str) -> SqliteConnection:
        return cls(connect(path), path)

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        return list(select(self.db, sql, params))

    def tuples(self, sql: str, params: Params = ()) -> tuple[list[str], Iterator[tuple]]:
        cursor = self._conn.execute(sql, params)
        return [column[0] for column in cursor.description], cursor

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        before = self._conn.total_changes
        self._conn.executemany(sql, rows)
        return self._conn.total_changes - before

    def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        return int(self._conn.execute(sql, params).lastrowid or 0)

    def insert_many(self, sql: str, rows: Sequence[Params], *, key: str = "id") -> list[int]:
        return [int(self._conn.execute(sql, row).lastrowid or 0) for row in rows]

    def transaction(self) -> AbstractContextManager[None]:
        return transaction(self.db)

    def lock_until_commit(self, names: Iterable[str]) -> None:
        """Nothing to take: BEGIN IMMEDIATE made this transaction the one writer."""

    def close(self) -> None:
        self._conn.close()


@cache
def step_names(migrations: Migrations) -> tuple[str, ...]:
    """Every step of a migration set, in order: what would be pending on an empty database."""
    empty = sqlite_utils.Database(sqlite3.connect(":memory:"), execute_plugins=False)
    return tuple(m.name for m in migrations.pending(empty))


def applied_step_names(db: sqlite_utils.Database, migrations: Migrations) -> list[str]:
    """The steps of this set already applied to `db` (a plain read: no write lock)."""
    table = Migrations.migrations_table
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if not exists:
        return []
    sql = f"SELECT name FROM [{table}] WHERE migration_set = ? ORDER BY id"
    return [row["name"] for row in select(db, sql, [migrations.name])]


def migrate(db: sqlite_utils.Database, migrations: Migrations, path: Path | str) -> None:
    """Apply the pending steps of one migration set, under the write lock.

    An up-to-date database is only read. Two processes opening a new database
    at once: the second waits, then finds nothing pending. A database that has
    steps this newsbot does not know was written by a newer newsbot, and is
    refused rather than misread.
    """
    known = step_names(migrations)
    applied = applied_step_names(db, migrations)
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StoreError(
            f"The database at {path} has schema step {unknown[-1]!r} of "
            f"{migrations.name!r}, from a newer newsbot. Upgrade newsbot.",
            path=str(path),
        )
    if len(applied) == len(known):
        return
    with transaction(db):
        migrations.apply(db)
