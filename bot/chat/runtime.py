"""The chat flows, written once for every surface: ask, claim once, vote, share, forget,
the article list, a channel's settings, ingest.

Slack and Discord only turn a payload into one of these calls and render what
comes back. A flow never raises for something the user can mend (a question
too long, an unknown collection, a vote on an answer no longer kept): it
returns a `Refusal`, the one line to show, so every request is acknowledged
once, with that line. Anything else that goes wrong is a bug, raised.

`newsbot serve` may run Slack and Discord side by side; they answer from one
`Engine`, which takes its own locks: for milliseconds to read or store, never
across a fetch or while another process writes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsbot.bot.chat.budget import (
    Budget,
    Budgeted,
    QuestionBudget,
    SharedQuestionBudget,
    over_budget_text,
)
from newsbot.bot.chat.channels import ChannelSettings, stored_scope
from newsbot.bot.chat.ingest_queue import IngestQueue
from newsbot.bot.chat.paging import SourcesPage, sources_page
from newsbot.bot.chat.replies import vote_thanks
from newsbot.bot.chat.state import CLAIM_LEASE_SECONDS, UNCHANGED, ChatState, WarnOnce
from newsbot.index import (
    Answer,
    Article,
    Engine,
    Gap,
    IngestLimits,
    IngestOutcome,
    Lag,
    NewsbotError,
)

log = logging.getLogger("newsbot.runtime")

# How often a server brings its index in line with what other processes wrote.
UPKEEP_SECONDS = 30.0
SHARE_EXPIRED = "That answer is too old to share; ask again with /ask."
Message = dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """What the user reads instead of what they asked for: one line of plain text
    (each surface escapes it)."""

    text: str


@dataclass(frozen=True)
class Question:
    """One question and where it was asked.

    `conversation` is where the conversation's topic is kept (a thread, a DM), so a
    follow-up there is read with it; `context` is that topic as the surface read it
    when deciding to answer (`Runtime.topic`), and `settings` the channel's
    settings it read then (`Runtime.channel`), so neither is read twice.
    """

    surface: str
    text: str
    user: str | None = None
    channel: str | None = None
    conversation: tuple[str, str] | None = None
    context: str | None = None
    settings: ChannelSettings | None = None  # the channel's, when routing read them already


@dataclass(frozen=True)
class Asked:
    """An answer, and the id its vote and share buttons carry (None for an abstention,
    or when it could not be kept: then it is shown without buttons)."""

    answer: Answer
    answer_id: str | None = None
    topic: str = ""  # what a follow-up in the same conversation is read with


@dataclass(frozen=True)
class Home:
    """What an App Home (or an admin's overview) shows."""

    total: int
    gaps: list[Gap]
    collections: dict[str, int]
    newest: list[Article]


class Claim:
    """Keys this delivery claimed: `with claim:` does the work and then marks them
    answered, also when the work raised. A crash (no `with` exit) leaves them open,
    for a restart to answer once the lease runs out."""

    def __init__(self, state: ChatState, keys: Sequence[str]) -> None:
        self._state = state
        self.keys = tuple(keys)

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc: object) -> None:
        self._state.finish(*self.keys)


@dataclass
class Runtime:
    engine: Engine
    state: ChatState
    ingest_queue: IngestQueue = field(default_factory=IngestQueue)
    ingest_limits: IngestLimits = field(default_factory=IngestLimits)
    default_scope: str | None = None  # what unset channels answer from (None: everything)
    budget: Budgeted = field(default_factory=QuestionBudget)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _warnings: WarnOnce = field(default_factory=lambda: WarnOnce(log))

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
        delivery, or a restarted newsbot, may answer it (see state.py).
        `ingest_limits`: what reading one shared article may cost (time, memory).
        `default_scope`: the collections a channel answers from until an admin sets
        its own (names joined by commas; None or "all": every article).
        `budget`: questions a minute per user and per channel."""
        state = ChatState(engine.open_connection(), lease=claim_lease)
        # Over PostgreSQL every replica counts the same questions.
        counted: Budgeted = (
            SharedQuestionBudget(engine.open_connection(), budget)
            if engine.shared
            else QuestionBudget(budget or Budget())
        )
        return cls(
            engine=engine,
            state=state,
            ingest_limits=ingest_limits or IngestLimits(),
            default_scope=stored_scope(default_scope) if default_scope else None,
            budget=counted,
        )

    # -- asking ------------------------------------------------------------------

    def topic(self, conversation: tuple[str, str] | None) -> str | None:
        """The topic kept for a conversation (a thread or DM newsbot answered in), or
        None where it never answered: what a follow-up there is read with."""
        return self.state.thread_question(*conversation) if conversation else None

    def ask(
        self, question: Question, *, shown: Callable[[Asked], Message] | None = None
    ) -> Asked | Refusal:
        """The one way a chat question is answered.

        Over the question budget, or a question the engine refuses (too long, a
        channel scoped to a collection since removed): a Refusal, nothing answered.
        Otherwise the answer: kept for votes (its id in `Asked`), an abstention kept
        for `newsbot gaps`, and the conversation's next topic remembered before the
        surface posts, since the asker's follow-up may come the moment they see it.
        `shown` renders a private answer as its asker sees it: kept under the same id,
        so "Share in channel" posts exactly that.
        """
        wait = self.budget.take(question.surface, question.user, question.channel)
        if wait > 0:
            log.info("over the question budget on %s", question.surface)
            return Refusal(over_budget_text(wait))
        started = time.perf_counter()
        try:
            scope = self._scope_for(question)
            answer = self.engine.answer(question.text, context=question.context, collections=scope)
        except NewsbotError as exc:
            log.info("refused a question on %s: %s", question.surface, exc)
            return Refusal(str(exc))
        answer_id = None if answer.abstained else self._keep(answer, question)
        topic = self.engine.next_context(question.text, question.context)
        asked = Asked(answer, answer_id, topic)
        if answer.abstained:
            self._note_unanswered(answer, surface=question.surface, channel=question.channel)
        elif shown is not None and answer_id is not None:
            self.state.keep_shown(question.surface, shown(asked), shown_id=answer_id)
        if question.conversation is not None:
            self.remember_topic(question.conversation, asked)
        self._log_answer(answer, question.surface, started)
        return asked

    def remember_topic(self, conversation: tuple[str, str], asked: Asked) -> None:
        """Keep the topic of an answer for its conversation, where that conversation is
        known only once the answer is (a thread started on the question)."""
        self.state.remember_thread(*conversation, asked.topic)

    def _keep(self, answer: Answer, question: Question) -> str | None:
        try:
            kept = self.engine.keep_answer(
                answer, surface=question.surface, channel=question.channel
            )
        except NewsbotError as exc:  # a full disk: the answer is shown without buttons
            self._warnings.failed("answers for votes", exc)
            return None
        self._warnings.worked("answers for votes")
        return kept

    def _note_unanswered(self, answer: Answer, **where: Any) -> None:
        """Keep a question nobody could answer for `newsbot gaps`; a failure to keep it
        is logged, never the asker's problem."""
        try:
            self.engine.note_unanswered(answer, **where)
        except NewsbotError as exc:
            self._warnings.failed("unanswered questions", exc)
        else:
            self._warnings.worked("unanswered questions")

    @staticmethod
    def _log_answer(answer: Answer, surface: str, started: float) -> None:
        """One line an answer: the surface, how long, the confidence and how many quotes
        (never the question's text)."""
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

    def shown(self, surface: str, answer_id: str) -> Message | Refusal:
        """A private answer as its asker saw it, to share in the channel."""
        kept = self.state.shown(surface, answer_id)
        return Refusal(SHARE_EXPIRED) if kept is None else kept

    def vote(self, answer_id: str, user: str, *, up: bool) -> str | Refusal:
        """👍 or 👎 on a kept answer: the thanks the voter reads, or why it was not kept."""
        try:
            self.engine.vote(answer_id, user, up=up)
        except NewsbotError as exc:
            return Refusal(str(exc))
        return vote_thanks(up)

    # -- claims ------------------------------------------------------------------

    def claim(self, key: str, *, body: str | None = None) -> bool:
        """Claim one delivery's key before it is acknowledged (see ChatState.claim)."""
        return self.state.claim(key, body=body)

    def claim_once(
        self, keys: Sequence[str], *, body: Any = None, claimed: Mapping[str, bool] | None = None
    ) -> Claim | None:
        """A Claim on every key (the first keeps `body`, as JSON, to answer after a
        crash), or None when another delivery holds one of them: the keys this call
        did claim are then marked answered, since the other delivery answers.
        `claimed` holds keys claimed earlier for this delivery, with the outcome."""
        done = dict(claimed or {})
        taken: list[str] = []
        for position, key in enumerate(keys):
            if key in done:  # the middleware claimed it, with the body: not serialised again
                ok = done[key]
            else:
                raw = json.dumps(body) if body is not None and not position else None
                ok = self.state.claim(key, body=raw)
            if not ok:
                if taken:
                    self.state.finish(*taken)
                return None
            taken.append(key)
        return Claim(self.state, taken)

    def claimed(self, key: str | None) -> Claim:
        """The Claim on one key claimed before the acknowledgement (None: nothing was
        claimed, and there is nothing to mark)."""
        return Claim(self.state, [key] if key is not None else [])

    def finish(self, *keys: str) -> None:
        """Mark keys answered (a delivery claimed with nothing to answer)."""
        self.state.finish(*keys)

    def replay_unfinished(
        self,
        prefix: str,
        handle: Callable[[Any], None],
        *,
        name: str,
        stop: threading.Event | None = None,
        max_age: float | None = None,
    ) -> threading.Thread:
        """Once the claim lease has run out, hand `handle` each delivery a crashed
        newsbot claimed under `prefix` but never answered (the platform, having had
        its acknowledgement, will not send it again), claimed at most `max_age`
        seconds ago (None: any kept). Waiting the lease out first keeps a live
        server's claims its own; `stop` (or closing the runtime) ends the wait early,
        with nothing replayed."""

        def run() -> None:
            if (stop or self._stopping).wait(self.state.lease):
                return
            kept = {} if max_age is None else {"max_age": max_age}
            for raw in self.state.unfinished(prefix=prefix, **kept):
                try:
                    body = json.loads(raw)
                except ValueError:
                    log.warning("an unfinished %s delivery is unreadable", name)
                    continue
                try:
                    handle(body)
                except Exception:
                    log.exception("answering an unfinished %s delivery failed", name)

        thread = threading.Thread(target=run, name=f"{name}-unfinished", daemon=True)
        thread.start()
        return thread

    # -- the library -------------------------------------------------------------

    def sources_page(self, match: str | None = None, number: int = 1) -> SourcesPage:
        """Page `number` of the articles matching `match`."""
        return sources_page(self.engine, match, number)

    def forget(self, article_id: int) -> Article | Refusal:
        """Forget one article (an admin's request: the surface checks who asks)."""
        try:
            return self.engine.forget(article_id)
        except NewsbotError as exc:
            return Refusal(str(exc))

    def gaps(self, limit: int) -> list[Gap]:
        """What nobody could answer, most asked first."""
        return self.engine.gaps(limit)

    def home(self, *, admin: bool, gaps: int, newest: int) -> Home:
        """The App Home's figures; only admins see gaps, collections and the newest."""
        total = self.engine.count_articles()
        if not admin:
            return Home(total, [], {}, [])
        offset = max(0, total - newest)
        latest = self.engine.sources(offset=offset, limit=newest)[::-1] if total else []
        return Home(total, self.gaps(gaps), self.engine.collections(), latest)

    def count_articles(self) -> int:
        return self.engine.count_articles()

    def replica_lag(self) -> Lag | None:
        """How far this replica's index is behind the others' writes (None: SQLite)."""
        return self.engine.replica_lag()

    # -- channels ----------------------------------------------------------------

    def channel(self, surface: str, channel: str) -> ChannelSettings:
        """A channel's settings (defaults where unset)."""
        return self.state.channel(surface, channel)

    def describe_channel(self, surface: str, channel: str) -> str:
        """What a channel answers from and when, in one line (plain text)."""
        return self.state.channel(surface, channel).describe(self.default_scope)

    def change_channel(
        self,
        surface: str,
        channel: str,
        *,
        by: str,
        scope: Callable[[], str | None] | None = None,
        mode: Callable[[], Any] | None = None,
    ) -> str | Refusal:
        """An admin's change to a channel's collections or answer mode (each read by its
        parser, which refuses a malformed value), kept once each collection it names is
        known to exist; what the channel does now, or why nothing changed."""
        try:
            change: dict[str, Any] = {}
            if scope is not None:
                change["scope"] = scope()
                if change["scope"] is not None:
                    self.engine.scope(change["scope"])
            if mode is not None:
                change["mode"] = mode()
        except NewsbotError as exc:
            return Refusal(str(exc))
        settings = self.state.set_channel(
            surface,
            channel,
            by=by,
            scope=change.get("scope", UNCHANGED),
            mode=change.get("mode", UNCHANGED),
        )
        return settings.describe(self.default_scope)

    def link_channel(self, surface: str, channel: str, parent: str) -> None:
        """A thread newsbot started follows its parent channel's settings."""
        self.state.link_channel(surface, channel, parent)

    def _scope_for(self, question: Question) -> frozenset[str] | None:
        """The collections a question's channel answers from: its own setting, else the
        default; None for every article. A collection that no longer exists is a
        CollectionError, which the asker reads."""
        settings = question.settings
        if settings is None and question.channel:
            settings = self.state.channel(question.surface, question.channel)
        stored = settings.scope if settings is not None else None
        scope = stored if stored is not None else self.default_scope
        return None if scope is None else self.engine.scope(scope)

    # -- ingest ------------------------------------------------------------------

    def ingest_url(self, url: str, *, collections: tuple[str, ...] = ()) -> IngestOutcome:
        """Fetch and add one page (filed into `collections`): a URL already stored is
        not fetched again, only filed. The engine's one ingest path, with each page
        read in a child process under `ingest_limits`; a feed is refused (one page at
        a time from chat). Any failure is the outcome."""
        batch = self.engine.ingest_urls(
            [url], workers=1, collections=collections, limits=self.ingest_limits, feeds=False
        )
        (outcome,) = batch
        return outcome

    def ingest_bytes(
        self, data: bytes, origin: str, *, suffix: str = "", collections: tuple[str, ...] = ()
    ) -> IngestOutcome:
        """Add one article from bytes a user shared (a file, pasted text): read in a
        child process under `ingest_limits`, then stored."""
        return self.engine.ingest_bytes(
            data, origin, suffix=suffix, collections=collections, limits=self.ingest_limits
        )

    def queue_ingest(
        self, user: str, work: Callable[[], None], failed: Callable[[Exception], None]
    ) -> bool:
        """Run `work` (an ingest and telling its outcome) on the ingest queue, so slow
        fetches never hold a listener; `failed` tells the error that stopped it. False
        when the queue is full (nothing queued)."""
        return self.ingest_queue.submit(user, work, failed)

    # -- the server ----------------------------------------------------------------

    def start_upkeep(self, every: float = UPKEEP_SECONDS) -> threading.Thread:
        """Every `every` seconds, bring the index in line with SQLite: journal rows a
        dead writer (a killed `newsbot ingest`) left are replayed, so what `newsbot
        sources` lists, this server finds. It only reads unless something needs
        repair, and never waits for a live writer."""

        def run() -> None:
            while not self._stopping.wait(every):
                try:
                    repaired = self.engine.repair_index()
                except NewsbotError as exc:  # a full disk, say: the next round tries again
                    log.warning("index upkeep failed: %s", exc)
                    continue
                if repaired:
                    log.info("index upkeep: %d repairs", repaired)

        thread = threading.Thread(target=run, name="index-upkeep", daemon=True)
        thread.start()
        if self.engine.shared:
            # A replica: other replicas' writes reach this index as they commit.
            threading.Thread(
                target=self.engine.follow_changes,
                args=(self._stopping,),
                name="replica-follow",
                daemon=True,
            ).start()
        return thread

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no ingest job is running or queued."""
        return self.ingest_queue.wait_idle(timeout=timeout)

    def close(self) -> None:
        """Let queued ingest jobs finish, then close the state (not the engine)."""
        self._stopping.set()
        self.ingest_queue.shutdown()
        self.state.close()
        if isinstance(self.budget, SharedQuestionBudget):
            self.budget.close()
