"""What every chat surface in one process shares: the engine, the state, the ingest queue.

`newsbot serve` may run Slack and Discord side by side; they answer from one
`Engine`, whose SQLite connection is not safe to share between threads, so
every engine call goes through `Runtime.call`, under one lock. Answers take
milliseconds; the lock is never held across a network fetch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from newsbot.bot.budget import Budget, QuestionBudget, over_budget_text
from newsbot.bot.channels import ChannelSettings, stored_scope
from newsbot.bot.chat_state import CLAIM_LEASE_SECONDS, ChatState
from newsbot.bot.ingest_queue import IngestQueue
from newsbot.index import (
    Answer,
    Engine,
    IngestError,
    IngestLimits,
    IngestOutcome,
    NewsbotError,
    Status,
    fetch,
    prepare_bytes,
    prepare_page,
)

T = TypeVar("T")
log = logging.getLogger("newsbot.runtime")

# How often a server brings its index in line with what other processes wrote.
UPKEEP_SECONDS = 30.0


@dataclass
class Runtime:
    engine: Engine
    state: ChatState
    ingest_queue: IngestQueue = field(default_factory=IngestQueue)
    ingest_limits: IngestLimits = field(default_factory=IngestLimits)
    default_scope: str | None = None  # what unset channels answer from (None: everything)
    budget: QuestionBudget = field(default_factory=QuestionBudget)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _write_lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def open(
        cls,
        engine: Engine,
        *,
        claim_lease: float = CLAIM_LEASE_SECONDS,
        ingest_limits: IngestLimits | None = None,
        default_scope: str | None = None,
        budget: Budget | None = None,
    ) -> Runtime:
        """`claim_lease`: how long a claimed event waits for its reply before another
        delivery, or a restarted newsbot, may answer it (see chat_state.py).
        `ingest_limits`: what reading one shared article may cost (time, memory).
        `default_scope`: the collections a channel answers from until an admin sets
        its own (names joined by commas; None or "all": every article).
        `budget`: questions a minute per user and per channel."""
        return cls(
            engine=engine,
            state=ChatState(engine.db_path, lease=claim_lease),
            ingest_limits=ingest_limits or IngestLimits(),
            default_scope=stored_scope(default_scope) if default_scope else None,
            budget=QuestionBudget(budget or Budget()),
        )

    def admit(self, surface: str, user: str | None, channel: str | None) -> str | None:
        """None when the question may be answered (and it is counted), else the one
        line to tell the asker, privately."""
        wait = self.budget.take(surface, user, channel)
        if wait <= 0:
            return None
        log.info("over the question budget on %s", surface, extra={"surface": surface})
        return over_budget_text(wait)

    def scope_for(self, surface: str, channel: str | None) -> frozenset[str] | None:
        """The collections a channel answers from: its own setting, else the default;
        None for every article. A collection that no longer exists is a
        CollectionError, which the asker reads."""
        stored = self.state.channel(surface, channel).scope if channel else None
        scope = stored if stored is not None else self.default_scope
        return None if scope is None else self.call(self.engine.scope, scope)

    def change_channel(
        self, surface: str, channel: str, *, by: str, **change: Any
    ) -> ChannelSettings:
        """An admin's change to a channel's `scope` or `mode` (as `ChatState.set_channel`
        takes them), kept once each collection it names is known to exist
        (CollectionError, which the admin reads, otherwise)."""
        if change.get("scope") is not None:
            self.call(self.engine.scope, change["scope"])
        return self.state.set_channel(surface, channel, by=by, **change)

    def answer(
        self,
        question: str,
        *,
        surface: str,
        context: str | None = None,
        channel: str | None = None,
    ) -> Answer:
        """`engine.answer` under the lock, from the collections `channel` answers from,
        and one log line for it: the surface, how long it took, the confidence and how
        many quotes (never the question's text)."""
        scope = self.scope_for(surface, channel)
        started = time.perf_counter()
        answer = self.call(self.engine.answer, question, context=context, collections=scope)
        if answer.abstained:
            self.note_unanswered(answer, surface=surface, channel=channel)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        log.info(
            "answered on %s in %.1f ms: confidence %s, %d quotes",
            surface,
            latency_ms,
            answer.confidence,
            len(answer.quotes),
            extra={
                "surface": surface,
                "latency_ms": latency_ms,
                "confidence": str(answer.confidence),
                "quotes": len(answer.quotes),
                "abstained": answer.abstained,
            },
        )
        return answer

    def keep_answer(self, answer: Answer, *, surface: str, channel: str | None) -> str:
        """Keep an answer as shown, for its 👍/👎 buttons; the id they carry."""
        return self.call(self.engine.keep_answer, answer, surface=surface, channel=channel)

    def note_unanswered(self, answer: Answer, **where: Any) -> None:
        """Keep a question nobody could answer for `newsbot gaps`; a failure to keep it
        is logged, never the asker's problem."""
        try:
            self.call(self.engine.note_unanswered, answer, **where)
        except NewsbotError as exc:
            log.warning("could not keep an unanswered question: %s", exc)

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

    def ingest_url(self, url: str, *, collections: tuple[str, ...] = ()) -> IngestOutcome:
        """Fetch and add one article (filed into `collections`): a URL already stored is
        not fetched again, only filed.

        The fetch happens outside the engine lock, extraction and preparation in a
        child process under `ingest_limits`; only storing holds the lock (milliseconds),
        so answers never wait for an article being read. Any failure is the outcome.
        """
        try:
            existing = self.call(self.engine.article_id_for_url, url)
            if existing is not None:
                if collections:
                    self.write(self.engine.collect, [existing], collections)
                return IngestOutcome(url, Status.DUPLICATE, article_id=existing)
            page = fetch(url, policy=self.engine.fetch_policy)
        except IngestError as exc:
            return IngestOutcome.failed(exc)
        prepared = prepare_page(page, limits=self.ingest_limits)
        return self.write(self.engine.ingest_prepared, prepared, collections=collections)

    def ingest_bytes(
        self, data: bytes, origin: str, *, suffix: str = "", collections: tuple[str, ...] = ()
    ) -> IngestOutcome:
        """Add one article from bytes a user shared (a file, pasted text): read and
        prepared in a child process under `ingest_limits`, then stored."""
        prepared = prepare_bytes(data, origin, suffix=suffix, limits=self.ingest_limits)
        return self.write(self.engine.ingest_prepared, prepared, collections=collections)

    def start_upkeep(self, every: float = UPKEEP_SECONDS) -> threading.Thread:
        """Every `every` seconds, bring the index in line with SQLite: journal rows a
        dead writer (a killed `newsbot ingest`) left are replayed, so what `newsbot
        sources` lists, this server finds. It only reads unless something needs
        repair, and never waits for a live writer."""

        def run() -> None:
            while not self._stopping.wait(every):
                try:
                    repaired = self.call(self.engine.repair_index)
                except NewsbotError as exc:  # a full disk, say: the next round tries again
                    log.warning("index upkeep failed: %s", exc)
                    continue
                if repaired:
                    log.info("index upkeep: %d repairs", repaired)

        thread = threading.Thread(target=run, name="index-upkeep", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Let queued ingest jobs finish, then close the state (not the engine)."""
        self._stopping.set()
        self.ingest_queue.shutdown()
        self.state.close()
