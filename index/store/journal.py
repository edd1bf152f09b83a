"""What the BM25 index has to catch up with: one row per change the index follows.

SQLite (one machine): the index journal. Every write that the index must
follow appends a row in the same transaction, written while its process holds
the index's writer lock. Once the index has committed, that process clears the
rows it wrote, and only those. Rows left over are a dead writer's: the next
process to take the writer lock replays them (idempotently).

PostgreSQL (several machines): the change log. Rows are kept, ordered by a
sequence; each replica remembers the last one its own index has applied and
catches up from there (`store/replica.py`). A row is appended as the last
statement of its transaction, under an advisory lock held until commit, so
sequence order is commit order: a replica that has read row N has seen every
row before it. Each row is announced with NOTIFY, delivered at commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from newsbot.index.store.sql import Connection

CHANGES_CHANNEL = "newsbot_changes"  # NOTIFY'd by a trigger on change_log (postgres.py)
_CHANGE_LOG_LOCK = "change_log"


class JournalOp(StrEnum):
    ADD = "add"
    DELETE = "delete"


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    article_id: int
    op: JournalOp


class IndexJournal:
    """SQLite's journal: rows cleared once the index has them."""

    def __init__(self, sql: Connection) -> None:
        self.sql = sql

    def record(self, article_id: int, op: JournalOp) -> int:
        """Append one entry, inside the transaction that makes the change; its seq."""
        return self.sql.insert(
            "INSERT INTO index_journal (article_id, op) VALUES (?, ?)",
            [article_id, op.value],
            key="seq",
        )

    def pending(self) -> list[JournalEntry]:
        rows = self.sql.rows("SELECT seq, article_id, op FROM index_journal ORDER BY seq")
        return [JournalEntry(r["seq"], r["article_id"], JournalOp(r["op"])) for r in rows]

    def clear(self, seqs: Iterable[int]) -> None:
        """Remove these entries (the caller's own, once the index has them)."""
        self.sql.executemany("DELETE FROM index_journal WHERE seq = ?", [(seq,) for seq in seqs])


class ChangeLog:
    """PostgreSQL's change log: rows kept, read by every replica from its own place."""

    def __init__(self, sql: Connection) -> None:
        self.sql = sql

    def record(self, article_id: int, op: JournalOp) -> int:
        """Append one entry as the last statement of the transaction that makes the
        change (the lock it takes is held until commit); its seq."""
        self.sql.lock_until_commit([_CHANGE_LOG_LOCK])
        return self.sql.insert(
            "INSERT INTO change_log (article_id, op) VALUES (?, ?)",
            [article_id, op.value],
            key="seq",
        )

    def since(self, seq: int, limit: int = 10_000) -> list[JournalEntry]:
        """The entries after `seq`, oldest first, at most `limit`."""
        rows = self.sql.rows(
            "SELECT seq, article_id, op FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
            [seq, limit],
        )
        return [JournalEntry(r["seq"], r["article_id"], JournalOp(r["op"])) for r in rows]

    def last(self) -> int:
        """The newest entry's seq (0 for none)."""
        return int(self.sql.scalar("SELECT coalesce(max(seq), 0) FROM change_log") or 0)
