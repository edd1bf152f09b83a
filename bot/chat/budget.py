"""A question budget: how many questions one user, and one channel, may ask a minute.

In memory, shared by every thread of one process (Slack and Discord alike), a
sliding window per key. Past the budget the asker is told, privately, when to
try again, and nothing is answered; a question refused is not counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Budget:
    """Questions a minute per user and per channel; 0 turns that limit off."""

    per_user: int = 20
    per_channel: int = 60

    def __post_init__(self) -> None:
        if self.per_user < 0 or self.per_channel < 0:
            raise ValueError("a question budget must not be negative")


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
        keys = [
            (f"{surface}:user:{user}", self.budget.per_user) if user else None,
            (f"{surface}:channel:{channel}", self.budget.per_channel) if channel else None,
        ]
        limited = [(key, limit) for key, limit in filter(None, keys) if limit > 0]
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


def over_budget_text(wait: float) -> str:
    """The one private line an asker over the budget reads."""
    seconds = max(1, math.ceil(wait))
    return (
        "That is more questions in a minute than newsbot takes from one person or one "
        f"channel. Please try again in {seconds} second{'s' if seconds != 1 else ''}."
    )
