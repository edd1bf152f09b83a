"""The index journal: which articles the BM25 index still has to catch up with.

Every SQLite write that the index must follow appends a row here in the same
transaction. Once the index has committed, the rows are cleared; rows left
over after a crash are replayed at the next repair. SQLite stays the system
of record, and the index can always be brought back in line with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlite_utils

from newsbot.index.database import select


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

    def record(self, article_id: int, op: JournalOp) -> None:
        """Append one entry; call inside the transaction that makes the change."""
        self.db.execute(
            "INSERT INTO index_journal (article_id, op) VALUES (?, ?)", [article_id, op.value]
        )

    def pending(self) -> list[JournalEntry]:
        rows = select(self.db, "SELECT seq, article_id, op FROM index_journal ORDER BY seq")
        return [JournalEntry(r["seq"], r["article_id"], JournalOp(r["op"])) for r in rows]

    def clear(self, up_to_seq: int) -> None:
        self.db.execute("DELETE FROM index_journal WHERE seq <= ?", [up_to_seq])
