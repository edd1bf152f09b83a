"""Request bodies held in memory, within one budget for all clients together.

waitress reads a body whole before a worker sees the request, and keeps any
body over its `inbuf_overflow` (512 KB) in a temporary file: each client that
sent most of a 1 MB body and then waited cost a file, about 1 GB of disk at the
connection cap. Here every body stays in memory (no platform sends more than
kilobytes), and the bytes of bodies still arriving are counted across all
connections: a connection whose next bytes would pass the budget is closed, so
a crowd of slow senders costs at most the budget, while the requests already
read, /healthz and every small body go on.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from waitress.channel import HTTPChannel

log = logging.getLogger("newsbot.http")

DEFAULT_BUDGET_MB = 64
_WARN_EVERY_S = 60.0


class BodyBudget:
    """Bytes of unfinished request bodies (and headers), across all connections."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1 byte")
        self.limit = limit
        self.held = 0
        self.closed = 0  # connections closed for the budget, for operators and tests
        self._lock = threading.Lock()
        self._warned_at = -_WARN_EVERY_S

    def take(self, count: int) -> bool:
        """Hold `count` more bytes; False (nothing held) when that would pass the limit."""
        with self._lock:
            if self.held + count > self.limit:
                self.closed += 1
                now = time.monotonic()
                if now - self._warned_at >= _WARN_EVERY_S:
                    self._warned_at = now
                    log.warning(
                        "request bodies still arriving hold %s bytes, the memory budget: "
                        "closing connections that send more (%s so far)",
                        f"{self.held:,}",
                        f"{self.closed:,}",
                    )
                return False
            self.held += count
            return True

    def give(self, count: int) -> None:
        with self._lock:
            self.held -= count


class BudgetedChannel(HTTPChannel):  # type: ignore[misc]
    """waitress's connection, counting the request it is still receiving against its
    server's `body_budget`."""

    _held = 0  # what this connection holds of the budget

    def received(self, data: bytes) -> bool:
        budget: BodyBudget = self.server.body_budget
        if not budget.take(len(data)):  # at most what these bytes can add
            self._give_back()
            self.will_close = True
            self.handle_close()
            return False
        self._held += len(data)
        try:
            return bool(super().received(data))
        finally:
            # Settle: a finished request is the worker's now, and headers are parsed.
            pending = self._pending()
            budget.give(self._held - pending)
            self._held = pending

    def _pending(self) -> int:
        """Bytes of the request still arriving: its body so far, or its headers."""
        request: Any = self.request
        if request is None:
            return 0
        if request.body_rcv is not None:
            return len(request.body_rcv.getbuf())
        return len(getattr(request, "header_plus", b""))

    def _give_back(self) -> None:
        if self._held:
            self.server.body_budget.give(self._held)
            self._held = 0

    def handle_close(self) -> None:
        self._give_back()
        super().handle_close()


def budgeted(server: Any, limit_bytes: int) -> Any:
    """`server` (waitress's) with every new connection counted against one budget."""
    server.body_budget = BodyBudget(limit_bytes)
    server.channel_class = BudgetedChannel
    return server
