"""What every Slack listener needs: the engine, the settings and the Slack state.

The app's middleware puts one `Services` into each request's context
(`context["newsbot"]`); listeners read it with `services_of(context)`. The
engine's SQLite connection is not safe to share between bolt's worker
threads, so every engine call goes through `Services.call`, under one lock.
Answers take milliseconds; the lock is never held across a network fetch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.ingest_queue import IngestQueue
from newsbot.bot.slack.state import SlackState
from newsbot.index import Engine

T = TypeVar("T")
CONTEXT_KEY = "newsbot"
GENERIC_FAILURE = "Sorry, something went wrong on my side. It has been logged."


@dataclass
class Services:
    engine: Engine
    config: SlackConfig
    state: SlackState
    ingest_queue: IngestQueue = field(default_factory=IngestQueue)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an engine call under the engine lock."""
        with self._lock:
            return fn(*args, **kwargs)

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an engine call that writes (ingest, forget).

        The index's writer lock is taken first, outside the engine lock: while a
        CLI ingest holds it, this waits (up to the engine's `writer_wait`) and
        answers go on meanwhile. Writes from this process take turns.
        """
        with self._write_lock:
            self.engine.hold_writer()
            with self._lock:
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.engine.release_writer()  # when the call wrote nothing


def services_of(context: Mapping[str, Any]) -> Services:
    services = context[CONTEXT_KEY]
    if not isinstance(services, Services):
        raise TypeError("the newsbot middleware did not run for this request")
    return services
