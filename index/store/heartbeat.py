"""The writer's heartbeat: how a waiting writer tells a live holder of the index's
writer lock from one that has stopped.

tantivy's lock file only says that the lock is taken. While a process holds it,
a thread here rewrites a small file beside it every `BEAT_S` seconds, naming
the process and what it is doing. A waiting writer reads it: a fresh beat is a
live holder, however slow (a rebuild of a million passages takes minutes), and
is waited for; a beat that stopped is a process that no longer runs its code
(frozen, or on a machine that went away), and the waiter gives up after its
`writer_wait`. A process that dies outright releases tantivy's lock with it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BEAT_S = 1.0
FILE_NAME = "newsbot-writer.json"


@dataclass(frozen=True)
class Holder:
    """Who holds the writer lock, as its heartbeat file says."""

    pid: int
    host: str
    doing: str
    since: float  # when it took the lock, in seconds since the epoch
    beat: float  # its last heartbeat, in seconds since the epoch

    def describe(self) -> str:
        here = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"newsbot process {self.pid}{here} ({self.doing})"

    def quiet_for(self, now: float | None = None) -> float:
        """Seconds since its last heartbeat."""
        return max(0.0, (time.time() if now is None else now) - self.beat)


@dataclass(frozen=True)
class WriterWait:
    """What a writer waiting for the lock knows: how long it has waited, and who holds
    the lock (None when the holder keeps no heartbeat: an older newsbot)."""

    waited: float
    holder: Holder | None
    alive: bool  # whether the holder's heartbeat was recent enough, when this was seen

    @classmethod
    def seen(cls, waited: float, folder: Path) -> WriterWait:
        """The holder of the lock in `folder` as it looks now."""
        holder = read_holder(folder)
        return cls(waited, holder, holder is not None and holder.quiet_for() < 3 * BEAT_S)

    def describe(self) -> str:
        if self.holder is None:
            return "another newsbot process"
        return self.holder.describe()


def read_holder(folder: Path) -> Holder | None:
    """The holder named by the heartbeat file in `folder`, if there is a readable one."""
    path = folder / FILE_NAME
    try:
        beat = path.stat().st_mtime
        data = json.loads(path.read_text(encoding="utf-8"))
        return Holder(
            pid=int(data["pid"]),
            host=str(data["host"]),
            doing=str(data["doing"]),
            since=float(data["since"]),
            beat=beat,
        )
    except (OSError, ValueError, KeyError, TypeError):
        # Absent, or half-written by a holder taking the lock this instant.
        return None


class Heartbeat:
    """Beats in `folder` from `start` to `stop`; one per process that may write."""

    def __init__(self, folder: Path, *, every: float = BEAT_S) -> None:
        if every <= 0:
            raise ValueError("every must be > 0")
        self.path = folder / FILE_NAME
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def beating(self) -> bool:
        return self._thread is not None

    def start(self, doing: str) -> None:
        """Name this process as the holder and beat until `stop`. A heartbeat that
        cannot be written (a full disk) is logged once: writing goes on, and a waiter
        falls back to watching the index's files for progress."""
        if self._thread is not None:
            return
        record = {"pid": os.getpid(), "host": socket.gethostname(), "doing": doing}
        record["since"] = time.time()
        try:
            tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}")
            tmp.write_text(json.dumps(record), encoding="utf-8")
            tmp.replace(self.path)  # whole or absent: a waiter never reads half of it
        except OSError as exc:
            log.warning("cannot write the writer's heartbeat at %s: %s", self.path, exc)
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="writer-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                os.utime(self.path)
            except OSError:  # removed by a rebuild moving the folder, or a full disk
                return

    def stop(self) -> None:
        """Stop beating and remove the file: the lock is about to be released."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        with contextlib.suppress(OSError):
            self.path.unlink()
