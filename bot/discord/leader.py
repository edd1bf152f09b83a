"""One Discord gateway connection across replicas: the leader holds a lock.

Discord delivers each gateway event to every connection a bot holds, so two
replicas both connected would answer each @mention twice. Over PostgreSQL the
replica holding a session-level advisory lock (`pg_try_advisory_lock`) runs
the gateway; the others stand by and try again every `poll` seconds. The lock
lives as long as the leader's session: when the leader dies, or its connection
to PostgreSQL is lost, the lock goes with it and another replica takes over
within `poll` seconds. A leader that loses its session stops its gateway at
once, so two never run together once PostgreSQL is back. Its connection never
reconnects by itself: a new session would not hold the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from newsbot.index import Connection, StoreError

log = logging.getLogger("newsbot.discord")

LOCK_NAME = "newsbot:discord-gateway"
POLL_S = 5.0


class Leader:
    """Runs `lead()` while this replica holds the gateway lock, `step_down()` when it
    no longer does (its session lost, or the server stopping)."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        lead: Callable[[], None],
        step_down: Callable[[], None],
        *,
        poll: float = POLL_S,
    ) -> None:
        self._connect = connect
        self._lead = lead
        self._step_down = step_down
        self.poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leading = False

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self._run, name="gateway-leader", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """Stop trying; a leader steps down (its lock goes with its session)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        sql: Connection | None = None
        while not self._stop.is_set():
            try:
                if sql is None:
                    sql = self._connect()
                if not self.leading:
                    # The key: PostgreSQL's own 64-bit hash of the lock's name.
                    if sql.scalar(
                        "SELECT pg_try_advisory_lock(hashtextextended(?, 0))", [LOCK_NAME]
                    ):
                        log.info("this replica holds the Discord gateway")
                        self.leading = True
                        self._lead()
                else:
                    sql.scalar("SELECT 1")  # the session, and so the lock, is still there
            except StoreError as exc:
                if self.leading:
                    log.warning("lost the Discord gateway lock (%s); stopping the gateway", exc)
                    self._resign()
                if sql is not None:
                    sql.close()
                    sql = None
            self._stop.wait(self.poll)
        if self.leading:
            self._resign()
        if sql is not None:
            sql.close()

    def _resign(self) -> None:
        self.leading = False
        self._step_down()
