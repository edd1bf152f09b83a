"""Is the database whole? A cheap check when it is opened, the full one on demand.

SQLite is the system of record; nothing can rebuild it. A damaged file (bytes
overwritten by a faulty disk or a stray process) was read and written on as if
whole: answers went on, and ingest kept writing into a file SQLite's own check
called malformed. Here:

- on open, `PRAGMA quick_check` (every page and b-tree, not the indexes'
  agreement with their tables) when the file is at most ON_OPEN_MAX_BYTES: on
  2026-12-07, 38 ms for the 14 MB BBC library (2,069 articles) here, about
  370 MB/s from a warm cache;
- a larger file is checked before the first write of the process instead, so no
  write goes into a damaged file, while a reader that meets a damaged page gets
  SQLite's "malformed" as one line (`storage_errors`);
- `newsbot check` runs the full `PRAGMA integrity_check`, the foreign keys and
  the index's agreement with the database, and says what to do.

Each check opens its own read-only connection: a long check never holds the
connection answers use.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.errors import StoreError
from newsbot.index.store.database import damaged, storage_error, storage_errors

ON_OPEN_MAX_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 20  # what a check lists; one is enough to refuse the file

RESTORE = (
    "Restore it from a backup. Without one, SQLite can recover what is readable: "
    "`sqlite3 DAMAGED .recover | sqlite3 RECOVERED`, then `newsbot --db RECOVERED "
    "reindex`."
)


@dataclass(frozen=True)
class CheckResult:
    """What one check found: SQLite's problems (none: the file is whole), and how long
    it took."""

    kind: str  # "quick_check" or "integrity_check"
    problems: tuple[str, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


def size_of(path: Path) -> int:
    """The database's bytes on disk, its write-ahead log included."""
    total = 0
    for part in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(FileNotFoundError):
            total += part.stat().st_size
    return total


def run_check(path: Path, *, full: bool = False) -> CheckResult:
    """`PRAGMA quick_check`, or with `full` `integrity_check` and the foreign keys, over
    a read-only connection of its own."""
    kind = "integrity_check" if full else "quick_check"
    started = time.perf_counter()
    with storage_errors(path):  # cannot open it, say: that advice, not "damaged"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = [str(row[0]) for row in conn.execute(f"PRAGMA {kind}({MAX_PROBLEMS})")]
        # One row may hold several lines, under a "*** in database main ***" heading.
        lines = [line.strip() for row in rows for line in row.splitlines()]
        problems = [line for line in lines if line and line != "ok" and not line.startswith("***")]
        if full and not problems:
            for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"row {rowid} of {table} refers to a missing row of {parent}")
                if len(problems) >= MAX_PROBLEMS:
                    break
    except sqlite3.DatabaseError as exc:
        if not damaged(exc):
            raise storage_error(exc, path) from exc
        problems = [str(exc)]
    finally:
        conn.close()
    return CheckResult(kind, tuple(problems), time.perf_counter() - started)


def refuse_if_damaged(path: Path, result: CheckResult) -> None:
    """A StoreError, one line, when `result` found the database damaged."""
    if result.ok:
        return
    count = len(result.problems)
    found = f"{count} problem{'s' if count != 1 else ''}" if count < MAX_PROBLEMS else "problems"
    raise StoreError(
        f"The database at {path} is damaged: SQLite's {result.kind} found {found} "
        f"(first: {result.problems[0][:200]}). Nothing was written to it. {RESTORE} "
        "`newsbot check` lists what is damaged.",
        path=str(path),
    )
