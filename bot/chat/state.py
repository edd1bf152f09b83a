"""What the chat surfaces must remember across restarts, kept in newsbot's database.

- Seen keys: Slack delivers an event again when it does not hear back in time
  (`X-Slack-Retry-Num`), and one DM that mentions newsbot arrives as both
  `app_mention` and `message.im`; Discord's gateway replays events after a
  resume or reconnect. Each event id and each user message is claimed once
  (keys carry the platform: `event:…`, `discord:message:…`), atomically, so it
  is answered once, even across a restart.
  A claim is only a lease until the reply is posted (`finish`): a claim whose
  owner died before replying can be taken again once the lease has run out,
  and a restarted server answers such events itself (`unfinished`), since
  Slack, having had its acknowledgement, will not send them again.
- Threads newsbot answered, with the conversation's topic, so a follow-up in
  the thread is read with it.
- Answers shown privately (`/ask`), as rendered, under a short id: "Share in
  channel" posts exactly what the user saw, whatever the articles say since.
- Each channel's settings, set by admins from chat: the collections it answers
  from and when it answers (channels.py); threads newsbot started point to
  their parent channel.
Rows older than the time limit are pruned.

The tables live in newsbot's database (SQLite, or PostgreSQL shared by every
replica), created and changed by their own migration set: `MIGRATIONS` for
SQLite, `POSTGRESQL_STEPS` for PostgreSQL, through the same mechanism as the
engine's. The set and its tables keep the `slack` names they were first created
with: renaming them would make every existing database run them again. Each
write that replicas may race on is one conditional statement (a claim is an
INSERT that does nothing on conflict, or an UPDATE of an expired lease), so two
replicas receiving one event answer it once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsbot.bot.chat.channels import AnswerMode, ChannelSettings
from newsbot.index import (
    Connection,
    StoreError,
    TableSet,
    apply_migrations,
    open_connection,
)


class _Unchanged:
    """The value of a setting `set_channel` leaves as it is."""


UNCHANGED = _Unchanged()
SEEN_TTL_SECONDS = 24 * 3600
THREAD_TTL_SECONDS = 7 * 24 * 3600
_PRUNE_EVERY = 500

MIGRATIONS = Migrations("newsbot-slack")
log = logging.getLogger("newsbot.chat")


@MIGRATIONS(name="001_seen_and_threads")
def _seen_and_threads(db: sqlite_utils.Database) -> None:
    # if_not_exists: databases from before migrations already have these tables.
    db["slack_seen"].create({"key": str, "seen_at": float}, pk="key", if_not_exists=True)
    db["slack_threads"].create(
        {"channel": str, "thread_ts": str, "question": str, "answered_at": float},
        pk=("channel", "thread_ts"),
        if_not_exists=True,
    )


@MIGRATIONS(name="002_claims_finish_after_the_reply")
def _claims_finish_after_the_reply(db: sqlite_utils.Database) -> None:
    db["slack_seen"].add_column("done", int, not_null_default=1)  # old claims: answered
    db["slack_seen"].add_column("body", str)  # the event, to answer it after a crash


@MIGRATIONS(name="003_shown_answers")
def _shown_answers(db: sqlite_utils.Database) -> None:
    db["shown_answers"].create(
        {"id": str, "surface": str, "message": str, "shown_at": float},
        pk="id",
        if_not_exists=True,
    )


@MIGRATIONS(name="004_channel_settings")
def _channel_settings(db: sqlite_utils.Database) -> None:
    # scope: NULL for the configured default, "all", or names; mode: AnswerMode.
    db["channel_settings"].create(
        {
            "surface": str,
            "channel": str,
            "scope": str,
            "mode": str,
            "changed_by": str,
            "changed_at": float,
        },
        pk=("surface", "channel"),
        if_not_exists=True,
    )
    # A thread newsbot started reads its parent channel's settings.
    db["channel_links"].create(
        {"surface": str, "channel": str, "parent": str},
        pk=("surface", "channel"),
        if_not_exists=True,
    )


# The same tables in PostgreSQL, as one step (SQLite's four, as they stand now).
POSTGRESQL_STEPS = (
    (
        "001_chat_state",
        """
        CREATE TABLE slack_seen (
            key text PRIMARY KEY, seen_at double precision NOT NULL,
            done integer NOT NULL DEFAULT 1, body text);
        CREATE INDEX slack_seen_seen_at ON slack_seen (seen_at);
        CREATE TABLE slack_threads (
            channel text NOT NULL, thread_ts text NOT NULL, question text,
            answered_at double precision, PRIMARY KEY (channel, thread_ts));
        CREATE TABLE shown_answers (
            id text PRIMARY KEY, surface text, message text, shown_at double precision);
        CREATE TABLE channel_settings (
            surface text NOT NULL, channel text NOT NULL, scope text, mode text,
            changed_by text, changed_at double precision, PRIMARY KEY (surface, channel));
        CREATE TABLE channel_links (
            surface text NOT NULL, channel text NOT NULL, parent text,
            PRIMARY KEY (surface, channel));
        """,
    ),
    (
        # The question budget, counted across replicas (budget.SharedQuestionBudget).
        "002_question_budget",
        """
        CREATE TABLE question_budget (
            id bigserial PRIMARY KEY, key text NOT NULL,
            asked_at double precision NOT NULL);
        CREATE INDEX question_budget_key ON question_budget (key, asked_at);
        """,
    ),
)

# What `newsbot migrate` copies of the chat state into PostgreSQL: everything but
# the claims on events, leases of seconds that mean nothing to another server.
COPIED = TableSet(
    MIGRATIONS.name,
    POSTGRESQL_STEPS,
    (
        ("slack_threads", ("channel", "thread_ts", "question", "answered_at")),
        ("shown_answers", ("id", "surface", "message", "shown_at")),
        ("channel_settings", ("surface", "channel", "scope", "mode", "changed_by", "changed_at")),
        ("channel_links", ("surface", "channel", "parent")),
    ),
)

# A claim not finished within this time is taken to belong to a process that died.
CLAIM_LEASE_SECONDS = 30.0
SHOWN_TTL_SECONDS = 7 * 24 * 3600  # how long a private answer can still be shared


class WarnOnce:
    """One warning line for a kind of failure until that kind works again: a full disk
    warns once, not once per question."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._failing: set[str] = set()
        self._lock = threading.Lock()

    def failed(self, kind: str, error: BaseException, *, doing: str = "keep") -> None:
        with self._lock:
            if kind in self._failing:
                return
            self._failing.add(kind)
        self._log.warning("could not %s %s (answering goes on): %s", doing, kind, error)

    def worked(self, kind: str) -> None:
        if kind in self._failing:
            with self._lock:
                self._failing.discard(kind)


class ChatState:
    """Its own connection to newsbot's database, so listener threads never wait on the
    engine's lock for it; its own lock, because listeners call it from several threads.

    Answering never depends on the database here: on a full disk (or read-only
    storage, or PostgreSQL away) a claim, a finished claim, a conversation's topic
    and an answer kept for Share are best effort, with one warning line a kind (see
    Guarantees in the README for what a claim that cannot be written risks); a
    channel's settings are read as they were last read. Changing them, an admin's
    act, is not best effort: that failure is the admin's to read.
    """

    def __init__(
        self, database: Connection | Path | str, *, lease: float = CLAIM_LEASE_SECONDS
    ) -> None:
        """`database`: a connection of this state's own (`Engine.open_connection()`),
        which it closes, or where to open one (an SQLite file, a postgresql:// URL)."""
        if lease < 0:
            raise ValueError("lease must not be negative")
        self.lease = lease
        sql = database if not isinstance(database, (Path, str)) else open_connection(database)
        try:
            apply_migrations(sql, MIGRATIONS, POSTGRESQL_STEPS)
        except BaseException:
            sql.close()
            raise
        self.sql = sql
        self._lock = threading.Lock()
        self._claims = 0
        self._warnings = WarnOnce(log)
        # Each channel's settings as last read: what it keeps while the database is away.
        self._last_read: dict[tuple[str, str], ChannelSettings] = {}

    @contextmanager
    def _best_effort(self, kind: str, *, doing: str = "keep") -> Iterator[None]:
        """A write (or read) that answering does not need: a storage failure is one
        warning line a kind (until it works again), and the write is skipped."""
        try:
            yield
        except (sqlite3.OperationalError, StoreError) as exc:
            self._warnings.failed(kind, exc, doing=doing)
        else:
            self._warnings.worked(kind)

    def close(self) -> None:
        # Under the lock: a listener thread may be mid-write.
        with self._lock:
            self.sql.close()

    def claim(self, key: str, *, body: str | None = None) -> bool:
        """True when this caller may answer `key`: nobody claimed it within the time
        limit, or its claim was never finished and its lease has run out.

        `body` (the event's JSON) is kept until `finish`, to answer after a crash.
        A claim that cannot be written (a full disk) is True: answered, unclaimed.
        """
        with self._best_effort("event claims"):
            return self._claim(key, body)
        return True

    def _claim(self, key: str, body: str | None) -> bool:
        now = time.time()
        with self._lock, self.sql.transaction():
            self.sql.execute(
                "DELETE FROM slack_seen WHERE key = ? AND seen_at < ?",
                [key, now - SEEN_TTL_SECONDS],
            )
            # Each a single statement: of two replicas claiming at once, one wins.
            claimed = bool(
                self.sql.execute(
                    "INSERT INTO slack_seen (key, seen_at, done, body) VALUES (?, ?, 0, ?) "
                    "ON CONFLICT DO NOTHING",
                    [key, now, body],
                )
            ) or bool(
                self.sql.execute(
                    "UPDATE slack_seen SET seen_at = ? WHERE key = ? AND done = 0 AND seen_at <= ?",
                    [now, key, now - self.lease],
                )
            )
            self._claims += 1
            if self._claims % _PRUNE_EVERY == 0:
                self._prune(now)
        return claimed

    def finish(self, *keys: str) -> None:
        """The reply for these keys is posted: they are never answered again."""
        with self._best_effort("event claims"), self._lock, self.sql.transaction():
            self.sql.executemany(
                "UPDATE slack_seen SET done = 1, body = NULL WHERE key = ?", [(k,) for k in keys]
            )

    def unfinished(self, *, prefix: str, max_age: float = SEEN_TTL_SECONDS) -> list[str]:
        """Bodies of events whose key starts with `prefix` (one platform's), claimed
        but never answered, whose lease has run out, claimed at most `max_age` seconds
        ago (a slash command's response_url expires after 30 minutes)."""
        now = time.time()
        with self._lock:
            rows = self.sql.rows(
                "SELECT body FROM slack_seen WHERE done = 0 AND body IS NOT NULL "
                "AND substr(key, 1, ?) = ? AND seen_at <= ? AND seen_at >= ? ORDER BY seen_at",
                [len(prefix), prefix, now - self.lease, now - min(max_age, SEEN_TTL_SECONDS)],
            )
        return [row["body"] for row in rows]

    def _prune(self, now: float) -> None:
        self.sql.execute("DELETE FROM slack_seen WHERE seen_at < ?", [now - SEEN_TTL_SECONDS])
        self.sql.execute(
            "DELETE FROM slack_threads WHERE answered_at < ?", [now - THREAD_TTL_SECONDS]
        )

    def remember_thread(self, channel: str, thread_ts: str, question: str) -> None:
        with self._best_effort("conversation topics"), self._lock:
            self.sql.execute(
                "INSERT INTO slack_threads (channel, thread_ts, question, answered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (channel, thread_ts) DO UPDATE SET "
                "question = excluded.question, answered_at = excluded.answered_at",
                [channel, thread_ts, question, time.time()],
            )

    def thread_question(self, channel: str, thread_ts: str) -> str | None:
        """The question newsbot last answered in this thread, if it answered there (None
        also while the database cannot be read: the follow-up is read on its own)."""
        question = None
        with self._best_effort("conversation topics", doing="read"), self._lock:
            question = self.sql.scalar(
                "SELECT question FROM slack_threads WHERE channel = ? AND thread_ts = ? "
                "AND answered_at >= ?",
                [channel, thread_ts, time.time() - THREAD_TTL_SECONDS],
            )
        return None if question is None else str(question)

    def keep_shown(self, surface: str, message: dict[str, Any], *, shown_id: str) -> None:
        """Keep a rendered answer a user was shown under `shown_id`: the id the engine
        kept the answer under for its votes, which its Share button carries too."""
        now = time.time()
        with self._best_effort("answers to share"), self._lock, self.sql.transaction():
            self.sql.execute(
                "DELETE FROM shown_answers WHERE shown_at < ?", [now - SHOWN_TTL_SECONDS]
            )
            self.sql.execute(
                "INSERT INTO shown_answers (id, surface, message, shown_at) VALUES (?, ?, ?, ?)",
                [shown_id, surface, json.dumps(message, ensure_ascii=False), now],
            )

    def shown(self, surface: str, shown_id: str) -> dict[str, Any] | None:
        """The answer kept under `shown_id` for `surface`, or None (unknown or too old)."""
        with self._lock:
            message = self.sql.scalar(
                "SELECT message FROM shown_answers WHERE id = ? AND surface = ? AND shown_at >= ?",
                [shown_id, surface, time.time() - SHOWN_TTL_SECONDS],
            )
        return None if message is None else json.loads(message)

    # -- channel settings -------------------------------------------------------

    def channel(self, surface: str, channel: str) -> ChannelSettings:
        """A channel's settings (a linked thread's are its parent's); defaults if unset.

        While the database cannot be read (PostgreSQL away), the settings this server
        last read for the channel, else the defaults, so questions are still answered."""
        rows = None
        with self._best_effort("channel settings", doing="read"), self._lock:
            rows = self.sql.rows(
                "SELECT s.scope, s.mode FROM channel_settings s WHERE s.surface = ? AND "
                "s.channel = coalesce((SELECT parent FROM channel_links WHERE surface = ? "
                "AND channel = ?), ?)",
                [surface, surface, channel, channel],
            )
        if rows is None:
            return self._last_read.get((surface, channel), ChannelSettings())
        settings = (
            ChannelSettings(rows[0]["scope"], AnswerMode(rows[0]["mode"] or AnswerMode.MENTIONS))
            if rows
            else ChannelSettings()
        )
        self._last_read[(surface, channel)] = settings
        return settings

    def set_channel(
        self,
        surface: str,
        channel: str,
        *,
        by: str,
        scope: str | _Unchanged | None = UNCHANGED,
        mode: AnswerMode | _Unchanged = UNCHANGED,
    ) -> ChannelSettings:
        """Change what is given of a channel's settings; the settings now in force."""
        current = self.channel(surface, channel)
        updated = ChannelSettings(
            current.scope if isinstance(scope, _Unchanged) else scope,
            current.mode if isinstance(mode, _Unchanged) else mode,
        )
        with self._lock:
            self.sql.execute(
                "INSERT INTO channel_settings (surface, channel, scope, mode, changed_by, "
                "changed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (surface, channel) DO UPDATE "
                "SET scope = excluded.scope, mode = excluded.mode, "
                "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
                [surface, channel, updated.scope, updated.mode.value, by, time.time()],
            )
        return updated

    def link_channel(self, surface: str, channel: str, parent: str) -> None:
        """`channel` (a thread newsbot started) follows `parent`'s settings."""
        with self._lock:
            self.sql.execute(
                "INSERT INTO channel_links (surface, channel, parent) VALUES (?, ?, ?) "
                "ON CONFLICT (surface, channel) DO UPDATE SET parent = excluded.parent",
                [surface, channel, parent],
            )
