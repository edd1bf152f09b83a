"""A question budget: how many questions one user, and one channel, may ask a minute.

A sliding window per key, Slack and Discord alike. Past the budget the asker is
told, privately, when to try again, and nothing is answered; a question refused
is not counted. Two implementations of one `take`: in memory (`QuestionBudget`,
one process over SQLite), and in PostgreSQL (`SharedQuestionBudget`), counted
across every replica, under advisory locks on the keys it counts; while
PostgreSQL is away each replica counts alone, so questions are still answered.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from newsbot.bot.chat.state import WarnOnce
from newsbot.index import Connection, StoreError

log = logging.getLogger("newsbot.chat")

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Budget:
    """Questions a minute per user and per channel; 0 turns that limit off."""

    per_user: int = 20
    per_channel: int = 60

    def __post_init__(self) -> None:
        if self.per_user < 0 or self.per_channel < 0:
            raise ValueError("a question budget must not be negative")


class Budgeted(Protocol):
    def take(self, surface: str, user: str | None, channel: str | None) -> float:
        """Count one question by `user` in `channel` and return 0.0, or, when either
        is over its budget, count nothing and return the seconds until it is not."""
        ...


def _limited(budget: Budget, surface: str, user: str | None, channel: str | None) -> list:
    keys = [
        (f"{surface}:user:{user}", budget.per_user) if user else None,
        (f"{surface}:channel:{channel}", budget.per_channel) if channel else None,
    ]
    return [(key, limit) for key, limit in filter(None, keys) if limit > 0]


@dataclass
class QuestionBudget:
    budget: Budget = field(default_factory=Budget)
    clock: Callable[[], float] = time.monotonic
    _asked: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, surface: str, user: str | None, channel: str | None) -> float:
        """Count one question by `user` in `channel` and return 0.0, or, when either
        is over its budget, count nothing and return the seconds until it is not."""
        now = self.clock()
        limited = _limited(self.budget, surface, user, channel)
        with self._lock:
            wait = 0.0
            for key, limit in limited:
                times = self._asked.setdefault(key, deque())
                while times and times[0] <= now - WINDOW_SECONDS:
                    times.popleft()
                if len(times) >= limit:
                    wait = max(wait, times[0] + WINDOW_SECONDS - now)
            if wait > 0:
                return wait
            for key, _ in limited:
                self._asked[key].append(now)
            if len(self._asked) > 10_000:  # forget keys idle for a window
                self._asked = {k: v for k, v in self._asked.items() if v and v[-1] > now - 60}
            return 0.0


class SharedQuestionBudget:
    """The budget counted in PostgreSQL (`question_budget`, a row per question counted),
    so 20 a minute means 20 across every replica. Its own connection; wall-clock
    time, as replicas on several machines share no other clock."""

    PRUNE_EVERY = 200

    def __init__(
        self, sql: Connection, budget: Budget | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.sql = sql
        self.budget = budget or Budget()
        self.clock = clock
        self._lock = threading.Lock()
        self._taken = 0
        # While PostgreSQL is away, this server counts its own questions (answering goes
        # on): the limit then holds per replica, not across them.
        self._alone = QuestionBudget(self.budget, clock)
        self._warnings = WarnOnce(log)

    def take(self, surface: str, user: str | None, channel: str | None) -> float:
        try:
            wait = self._take(surface, user, channel)
        except StoreError as exc:
            self._warnings.failed("the shared question budget (this server counts alone)", exc)
            return self._alone.take(surface, user, channel)
        self._warnings.worked("the shared question budget (this server counts alone)")
        return wait

    def _take(self, surface: str, user: str | None, channel: str | None) -> float:
        now = self.clock()
        limited = _limited(self.budget, surface, user, channel)
        if not limited:
            return 0.0
        with self._lock, self.sql.transaction():
            self.sql.lock_until_commit([f"budget:{key}" for key, _ in limited])
            wait = 0.0
            for key, limit in limited:
                # The limit-th newest question in the window: the budget frees when it ages out.
                rows = self.sql.rows(
                    "SELECT asked_at FROM question_budget WHERE key = ? AND asked_at > ? "
                    "ORDER BY asked_at DESC LIMIT 1 OFFSET ?",
                    [key, now - WINDOW_SECONDS, limit - 1],
                )
                if rows:
                    wait = max(wait, float(rows[0]["asked_at"]) + WINDOW_SECONDS - now)
            if wait > 0:
                return wait
            self.sql.executemany(
                "INSERT INTO question_budget (key, asked_at) VALUES (?, ?)",
                [(key, now) for key, _ in limited],
            )
            self._taken += 1
            if self._taken % self.PRUNE_EVERY == 0:
                self.sql.execute(
                    "DELETE FROM question_budget WHERE asked_at < ?", [now - WINDOW_SECONDS]
                )
        return 0.0

    def close(self) -> None:
        with self._lock:
            self.sql.close()


def over_budget_text(wait: float) -> str:
    """The one private line an asker over the budget reads."""
    seconds = max(1, math.ceil(wait))
    return (
        "That is more questions in a minute than newsbot takes from one person or one "
        f"channel. Please try again in {seconds} second{'s' if seconds != 1 else ''}."
    )
