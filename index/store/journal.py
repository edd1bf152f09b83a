"""The index journal: which articles the BM25 index still has to catch up with.

Every SQLite write that the index must follow appends a row here in the same
transaction, written while its process holds the index's writer lock. Once
the index has committed, that process clears the rows it wrote, and only
those. Rows left over are a dead writer's: the next process to take the
writer lock replays them (idempotently). SQLite stays the system of record,
and the index can always be brought back in line with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from newsbot.index.store.database import select


class JournalOp(StrEnum):
    ADD = "add"
    DELETE = "delete"


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    article_id: int
    op: JournalOp


class IndexJournal:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(self, article_id: int, op: JournalOp) -> int:
        """Append one entry, inside the transaction that makes the change; its seq."""
        cursor = self.db.conn.execute(
            "INSERT INTO index_journal (article_id, op) VALUES (?, ?)", [article_id, op.value]
        )
        return int(cursor.lastrowid or 0)

    def pending(self) -> list[JournalEntry]:
        rows = select(self.db, "SELECT seq, article_id, op FROM index_journal ORDER BY seq")
        return [JournalEntry(r["seq"], r["article_id"], JournalOp(r["op"])) for r in rows]

    def clear(self, seqs: Iterable[int]) -> None:
        """Remove these entries (the caller's own, once the index has them)."""
        self.db.conn.executemany(
            "DELETE FROM index_journal WHERE seq = ?", [(seq,) for seq in seqs]
        )
