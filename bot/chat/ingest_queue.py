"""The work queue for adding articles from chat: slow fetches wait here, answers never do.

Fetching a URL can take up to the fetch deadline (30 s) against a slow or
hostile server. Run in bolt's listener threads, five such fetches once
occupied every thread and a plain @mention waited for them. Ingest jobs run
on their own small pool instead, with a bound on how many may wait in all and
per user; past it the user is told the queue is full.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("newsbot.bot")

WORKERS = 2
MAX_WAITING = 16
MAX_PER_USER = 3


class IngestQueue:
    def __init__(
        self,
        *,
        workers: int = WORKERS,
        max_waiting: int = MAX_WAITING,
        per_user: int = MAX_PER_USER,
    ) -> None:
        if workers < 1 or max_waiting < 1 or per_user < 1:
            raise ValueError("workers, max_waiting and per_user must be at least 1")
        self.max_waiting = max_waiting
        self.per_user = per_user
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest")
        self._lock = threading.Condition()
        self._by_user: dict[str, int] = {}
        self._total = 0

    def submit(
        self, user: str, job: Callable[[], None], on_error: Callable[[Exception], None]
    ) -> bool:
        """Queue `job` for `user`; False (and nothing queued) when the queue is full.

        `on_error` is called with any exception the job raises (after it is logged).
        """
        with self._lock:
            if self._total >= self.max_waiting or self._by_user.get(user, 0) >= self.per_user:
                return False
            self._total += 1
            self._by_user[user] = self._by_user.get(user, 0) + 1
        self._pool.submit(self._run, user, job, on_error)
        return True

    def _run(
        self, user: str, job: Callable[[], None], on_error: Callable[[Exception], None]
    ) -> None:
        try:
            job()
        except Exception as exc:
            log.error("an ingest job failed", exc_info=exc)
            on_error(exc)
        finally:
            with self._lock:
                self._total -= 1
                self._by_user[user] -= 1
                if not self._by_user[user]:
                    del self._by_user[user]
                self._lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False if `timeout` passed first."""
        with self._lock:
            return self._lock.wait_for(lambda: self._total == 0, timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
