"""Questions behind "Share in channel" buttons, kept server-side.

A button's custom_id holds at most 100 characters, fewer than a question may
have, so the button carries a random id and the question waits here, in
newsbot's database (its own migration set), for up to a week.
"""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsbot.index import connect, migrate, transaction

SHARE_TTL_SECONDS = 7 * 24 * 3600

MIGRATIONS = Migrations("newsbot-discord")


@MIGRATIONS(name="001_shares")
def _shares(db: sqlite_utils.Database) -> None:
    db["discord_shares"].create(
        {"id": str, "question": str, "created_at": float}, pk="id", if_not_exists=True
    )


class Shares:
    def __init__(self, db_path: Path | str) -> None:
        self.db = connect(db_path)
        migrate(self.db, MIGRATIONS, db_path)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def put(self, question: str) -> str:
        """Keep `question`; the id to put in the button (22 URL-safe characters)."""
        share_id = secrets.token_urlsafe(16)
        now = time.time()
        with self._lock, transaction(self.db):
            self.db.execute(
                "DELETE FROM discord_shares WHERE created_at < ?", [now - SHARE_TTL_SECONDS]
            )
            self.db["discord_shares"].insert(
                {"id": share_id, "question": question, "created_at": now}
            )
        return share_id

    def get(self, share_id: str) -> str | None:
        with self._lock:
            row = self.db.execute(
                "SELECT question FROM discord_shares WHERE id = ? AND created_at >= ?",
                [share_id, time.time() - SHARE_TTL_SECONDS],
            ).fetchone()
        return row[0] if row else None
