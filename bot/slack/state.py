"""What the Slack surface must remember across restarts, kept in newsbot's database.

- Seen keys: Slack delivers an event again when it does not hear back in time
  (`X-Slack-Retry-Num`), and one DM that mentions newsbot arrives as both
  `app_mention` and `message.im`. Each event id and each user message is
  claimed once, atomically, so it is answered once, even across a restart.
- Threads newsbot answered, with the question, so a follow-up in the thread
  is answered without a new mention and with that question as context.
Rows older than the time limit are pruned.

The tables live in newsbot's database, created and changed by their own
migration set (`MIGRATIONS`), through the same mechanism as the engine's.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsbot.index import connect, migrate, transaction

SEEN_TTL_SECONDS = 24 * 3600
THREAD_TTL_SECONDS = 7 * 24 * 3600
_PRUNE_EVERY = 500

MIGRATIONS = Migrations("newsbot-slack")


@MIGRATIONS(name="001_seen_and_threads")
def _seen_and_threads(db: sqlite_utils.Database) -> None:
    # if_not_exists: databases from before migrations already have these tables.
    db["slack_seen"].create({"key": str, "seen_at": float}, pk="key", if_not_exists=True)
    db["slack_threads"].create(
        {"channel": str, "thread_ts": str, "question": str, "answered_at": float},
        pk=("channel", "thread_ts"),
        if_not_exists=True,
    )


class SlackState:
    """Its own connection to newsbot's database, so listener threads never wait on the
    engine's lock for it; its own lock, because bolt calls it from several threads."""

    def __init__(self, db_path: Path | str) -> None:
        self.db = connect(db_path)
        migrate(self.db, MIGRATIONS, db_path)
        self._lock = threading.Lock()
        self._claims = 0

    def close(self) -> None:
        # Under the lock: a listener thread may be mid-write.
        with self._lock:
            self.db.conn.close()

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed within the time limit; False after."""
        now = time.time()
        with self._lock, transaction(self.db):
            self.db.execute(
                "DELETE FROM slack_seen WHERE key = ? AND seen_at < ?",
                [key, now - SEEN_TTL_SECONDS],
            )
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO slack_seen (key, seen_at) VALUES (?, ?)", [key, now]
            )
            claimed = cursor.rowcount == 1
            self._claims += 1
            if self._claims % _PRUNE_EVERY == 0:
                self._prune(now)
        return claimed

    def _prune(self, now: float) -> None:
        self.db.execute("DELETE FROM slack_seen WHERE seen_at < ?", [now - SEEN_TTL_SECONDS])
        self.db.execute(
            "DELETE FROM slack_threads WHERE answered_at < ?", [now - THREAD_TTL_SECONDS]
        )

    def remember_thread(self, channel: str, thread_ts: str, question: str) -> None:
        with self._lock, transaction(self.db):
            self.db["slack_threads"].upsert(
                {
                    "channel": channel,
                    "thread_ts": thread_ts,
                    "question": question,
                    "answered_at": time.time(),
                },
                pk=("channel", "thread_ts"),
            )

    def thread_question(self, channel: str, thread_ts: str) -> str | None:
        """The question newsbot last answered in this thread, if it answered there."""
        with self._lock:
            row = self.db.execute(
                "SELECT question FROM slack_threads WHERE channel = ? AND thread_ts = ? "
                "AND answered_at >= ?",
                [channel, thread_ts, time.time() - THREAD_TTL_SECONDS],
            ).fetchone()
        return row[0] if row else None
