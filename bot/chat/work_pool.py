"""A thread pool that can tell when it is idle: a chat surface's background work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class WorkPool:
    def __init__(self, workers: int, name: str) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._busy = threading.Condition()
        self._running = 0

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        with self._busy:
            self._running += 1
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._done)
        return future

    def hold(self) -> Held:
        """Count one piece of work as running from now, though it is submitted later.

        Work that starts after an HTTP response is sent would otherwise be
        invisible to `wait_idle` between the response and its submission.
        """
        with self._busy:
            self._running += 1
        return Held(self)

    def _submit_held(self, fn: Callable[[], Any]) -> None:
        self._pool.submit(fn).add_done_callback(self._done)

    def _done(self, _: Future[Any] | None = None) -> None:
        with self._busy:
            self._running -= 1
            self._busy.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing submitted is queued or running; False if `timeout` passed."""
        with self._busy:
            return self._busy.wait_for(lambda: self._running == 0, timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


class Held:
    """A place in a `WorkPool` kept for work not yet submitted: `run` it or `drop` it, once."""

    def __init__(self, pool: WorkPool) -> None:
        self._pool: WorkPool | None = pool

    def run(self, fn: Callable[[], Any]) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            raise RuntimeError("this held place was already used")
        pool._submit_held(fn)

    def drop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool._done()
