"""The engine: the one object every surface calls.

The CLI, Slack, Discord and the benchmarks all go through `Engine`; none of
them touch SQLite or the index directly. It is a facade over the three stages,
each of which does its own work:

- `ingest.Ingester`: drafts, files, URLs and bytes in, one outcome per item out;
- `store.Library`: SQLite (the system of record) and the BM25 index derived from
  it, kept in step, with the writer lock, the journal, `repair` and `reindex`;
  or `store.Replica`: PostgreSQL, and this machine's index and read copy of it;
- `answer.Answerer`: questions in, verbatim quotes or an abstention out.

Constructing an engine only opens the database and the index. Side effects
are methods the caller asks for: `repair_index()` (replay an interrupted
write, rebuild an index that disagrees) and `seed_if_empty()`.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import ParamSpec, TypeVar

from newsbot.index.answer.answerability import AnswerabilityModel, shipped_model
from newsbot.index.answer.answerer import Answerer
from newsbot.index.answer.encoder import shipped_encoder
from newsbot.index.answer.fitted import ModelError
from newsbot.index.answer.query import next_context
from newsbot.index.answer.quotes import Candidate, QuoteScorer, Window
from newsbot.index.answer.ranking import QuoteRanker, shipped_ranker
from newsbot.index.collections import ALL, collection_names
from newsbot.index.errors import CollectionError, StoreError
from newsbot.index.ingest.bulk import DEFAULT_WORKERS
from newsbot.index.ingest.fetch import FetchPolicy, normalize_url
from newsbot.index.ingest.ingester import IngestBatch, Ingester
from newsbot.index.ingest.isolated import IngestLimits
from newsbot.index.ingest.pipeline import Item
from newsbot.index.models import (
    Answer,
    Article,
    ArticleDraft,
    Feedback,
    Gap,
    IngestOutcome,
    SearchHit,
    SearchResults,
)
from newsbot.index.settings import AnswerSettings, Thresholds
from newsbot.index.store import feedback, gaps
from newsbot.index.store.articles import Store
from newsbot.index.store.connections import open_connection
from newsbot.index.store.database import storage_errors
from newsbot.index.store.heartbeat import WriterWait
from newsbot.index.store.library import (
    WRITER_WAIT_S,
    Library,
    LibraryCheck,
    check_library,
    index_path_for,
)
from newsbot.index.store.postgres import is_url, redacted
from newsbot.index.store.replica import Lag, Replica
from newsbot.index.store.retriever import Retriever
from newsbot.index.store.sql import Connection

__all__ = ["Engine", "IngestBatch", "index_path_for"]

log = logging.getLogger(__name__)

# The answering systems `Engine.with_system` builds, for tools that compare them.
SYSTEMS = ("first-stage", "lexical", "encoder")

ABSTAINED = "abstained"
MARKED_WRONG = gaps.MARKED_WRONG
P = ParamSpec("P")
R = TypeVar("R")
# Collection names as a user gives them: "ukraine, world" or a list of names.
Names = str | Iterable[str]


def _storage_errors_as_one_line(method: Callable[P, R]) -> Callable[P, R]:
    """A facade method whose SQLite or storage failure (damaged file, full disk,
    read-only folder) is a StoreError that says what to do, not a traceback; the
    outcomes a batch yields later are checked as they come. It takes the library's
    locks itself, where it needs them."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        engine = args[0]
        assert isinstance(engine, Engine)
        with storage_errors(engine.database):
            result = method(*args, **kwargs)
        if isinstance(result, IngestBatch):
            return IngestBatch(result.total, _guarded(result.outcomes, engine.database))  # type: ignore[return-value]
        if isinstance(result, Iterator):
            return _guarded(result, engine.database)  # type: ignore[return-value]
        return result

    return guarded


def _under(lock: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`_storage_errors_as_one_line`, run under one of the library's locks (by name)."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def locked(*args: P.args, **kwargs: P.kwargs) -> R:
            engine = args[0]
            assert isinstance(engine, Engine)
            with getattr(engine.library, lock):
                return method(*args, **kwargs)

        return _storage_errors_as_one_line(locked)

    return decorate


# A read of the store, or a write the index does not follow (votes, gaps), which takes
# milliseconds: under the library's lock.
_reading = _under("lock")
# A read of what answers are made of (`library.reads` and the index), under the
# library's read lock: a replica reads its local copy there, so these go on while
# PostgreSQL is away.
_answering = _under("read_lock")


def _guarded(outcomes: Iterator[IngestOutcome], path: str) -> Iterator[IngestOutcome]:
    with storage_errors(path):
        yield from outcomes


class Engine:
    """newsbot's engine over one database. Use as a context manager, or call close().

    Safe to call from several threads: reads take the library's lock for
    milliseconds, and a write holds it only while it stores, never while it
    fetches, reads or waits for another process. Several processes may use one
    database: readers never wait, and writers take turns on the index's writer
    lock. A second writer waits for a live holder however long it takes, and
    gives up on one that shows no sign of life for `writer_wait` seconds;
    `on_wait(WriterWait)` lets a surface say who it is waiting for.
    """

    def __init__(
        self,
        db_path: Path | str,
        *,
        index_dir: Path | None = None,
        settings: AnswerSettings | None = None,
        fetch_policy: FetchPolicy | None = None,
        writer_wait: float = WRITER_WAIT_S,
        on_wait: Callable[[WriterWait], None] | None = None,
        today: Callable[[], date] = date.today,
        model: AnswerabilityModel | None = None,
        ranker: QuoteRanker | None = None,
        replace_damaged_index: bool = False,
    ) -> None:
        """`db_path`: an SQLite file (its index beside it), or a postgresql:// URL, whose
        replica keeps its index in `index_dir` (required then). `replace_damaged_index`
        (for `reindex`): an index that cannot be opened is moved aside
        (`damaged_index` says where) rather than refused."""
        self.settings = settings or AnswerSettings()
        self.fetch_policy = fetch_policy or FetchPolicy()
        self._location = db_path  # as given: a URL keeps its password, never shown
        self.library: Library | Replica
        self.db_path: Path | None = None  # an SQLite library's file
        if is_url(str(db_path)):
            if index_dir is None:
                raise ValueError("a PostgreSQL library needs index_dir, for its replica's index")
            self.database = redacted(str(db_path))
            with storage_errors(self.database):
                self.library = Replica(
                    str(db_path),
                    index_dir,
                    title_boost=self.settings.title_boost,
                    writer_wait=writer_wait,
                    on_wait=on_wait,
                    replace_damaged_index=replace_damaged_index,
                )
        else:
            self.db_path = Path(db_path)
            self.database = str(self.db_path)
            with storage_errors(self.database):
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                self.library = Library(
                    self.db_path,
                    title_boost=self.settings.title_boost,
                    writer_wait=writer_wait,
                    on_wait=on_wait,
                    replace_damaged_index=replace_damaged_index,
                )
        self.ingester = Ingester(self.library, fetch_policy=self.fetch_policy)
        # The fitted models unless a test or a benchmark gives others: with the
        # cross-encoder, those fitted on its scores too; without, the lexical ones.
        encoder = self.settings.encoder
        try:
            self.answerer = Answerer(
                self.library.reads,
                self.library.retriever,
                settings=self.settings,
                model=model or shipped_model(encoder=encoder),
                ranker=ranker or shipped_ranker(encoder=encoder),
                encoder=shipped_encoder if encoder else None,
                today=today,
            )
        except ModelError:
            # Models that cannot answer together: no engine, so nothing left open.
            self.library.close()
            raise
        self._owns_library = True

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_library:
            self.library.close()

    def with_system(self, system: str) -> Engine:
        """This engine's database and index answered by another system, for the tools
        that compare systems over one library (the benchmarks, the training scripts):
        "first-stage" (quotes by the hand-set first-stage score, abstention by the
        lexical answerability model), "lexical" (the fitted models over lexical
        features, as NEWSBOT_ENCODER=off answers) or "encoder" (what newsbot ships).

        The returned engine shares this one's library, which this one still owns:
        closing it closes nothing, and what either writes the other reads at once.
        This engine's own models are untouched."""
        if system not in SYSTEMS:
            raise ValueError(f"system must be one of {', '.join(SYSTEMS)}, not {system!r}")
        encoder = system == "encoder"
        sibling = object.__new__(Engine)
        sibling.__dict__.update(self.__dict__)
        sibling.settings = replace(self.settings, encoder=encoder)
        sibling.answerer = Answerer(
            self.library.reads,
            self.library.retriever,
            settings=sibling.settings,
            model=shipped_model(encoder=encoder),
            ranker=QuoteRanker.first_stage()
            if system == "first-stage"
            else shipped_ranker(encoder=encoder),
            encoder=shipped_encoder if encoder else None,
            today=self.answerer.today,
        )
        sibling._owns_library = False
        return sibling

    # What the benchmarks, the training scripts and the tests read directly.
    @property
    def store(self) -> Store:
        return self.library.store

    @property
    def retriever(self) -> Retriever:
        return self.library.retriever

    @property
    def damaged_index(self) -> Path | None:
        """Where a damaged index was moved when this engine opened, if it was."""
        return self.library.damaged_index

    @property
    def model(self) -> AnswerabilityModel:
        return self.answerer.model

    @property
    def ranker(self) -> QuoteRanker:
        return self.answerer.ranker

    @property
    def thresholds(self) -> Thresholds:
        """Where this engine abstains and where its confidence labels start."""
        return self.answerer.thresholds

    # -- consistency ------------------------------------------------------------

    @staticmethod
    def check(db_path: Path | str, settings: AnswerSettings | None = None) -> LibraryCheck:
        """The full check (`newsbot check`): SQLite's integrity_check of the database,
        and the index's agreement with it. Opens no engine, so a damaged database can
        be checked; it repairs nothing."""
        if is_url(str(db_path)):
            raise StoreError(
                "`newsbot check` checks an SQLite file; PostgreSQL checks its own pages "
                "(amcheck, pg_checksums), and each replica's index is rebuilt by `reindex`.",
                path=redacted(str(db_path)),
            )
        path = Path(db_path)
        if not path.is_file():
            raise StoreError(f"No database at {path}.", path=str(path))
        with storage_errors(path):
            boost = (settings or AnswerSettings()).title_boost
            return check_library(path, title_boost=boost)

    @_storage_errors_as_one_line
    def repair_index(self) -> int:
        """Replay journal rows left by a crashed writer; rebuild an index that disagrees
        with SQLite. Returns how many repairs were made (0 when they agree)."""
        with self.library.repairing():
            return self.library.repair()

    @_storage_errors_as_one_line
    def reindex(self) -> int:
        """Rebuild the BM25 index from the database. Returns the number of passages
        indexed."""
        if isinstance(self.library, Replica):
            return self.library.reindex()
        with self.library.write_turn("rebuilding the index"), self.library.lock:
            return self.library.reindex()

    def open_connection(self, *, reconnect: bool = True) -> Connection:
        """A new connection to this engine's database, for state kept beside the
        library (the chat surfaces'); the caller closes it. `reconnect=False`: a lost
        PostgreSQL session is not replaced (a session lock goes with it)."""
        with storage_errors(self.database):
            return open_connection(self._location, reconnect=reconnect)

    @property
    def shared(self) -> bool:
        """Whether the library is in PostgreSQL, shared with other replicas."""
        return isinstance(self.library, Replica)

    def follow_changes(self, stop: threading.Event, *, poll: float | None = None) -> None:
        """Keep this replica's index up to date with the others' writes until `stop` is
        set (a server runs it on a thread of its own). Returns at once for SQLite,
        whose index every writer keeps up to date itself."""
        if isinstance(self.library, Replica):
            if poll is None:
                self.library.follow(stop)
            else:
                self.library.follow(stop, poll=poll)

    @_storage_errors_as_one_line
    def replica_lag(self) -> Lag | None:
        """How far this replica's index is behind the change log; None for SQLite."""
        if isinstance(self.library, Replica):
            return self.library.lag()
        return None

    # -- ingest -----------------------------------------------------------------

    @_storage_errors_as_one_line
    def seed_if_empty(self, seeds_dir: Path) -> list[IngestOutcome]:
        """Ingest `seeds_dir` into a database that has never held an article (once)."""
        return self.ingester.seed_if_empty(seeds_dir)

    # Every ingest takes `collections`: names (checked here, CollectionError for a
    # malformed one) that each article added, or already stored, is filed into.

    # `limits`, where taken: read each item in a child process under them (a server,
    # which one input must not take down); None reads in this process.

    @_storage_errors_as_one_line
    def ingest(self, draft: ArticleDraft, *, collections: Names = ()) -> IngestOutcome:
        """Store and index one article; failures come back as an outcome, not raised."""
        return next(self.ingester.ingest_many([draft], collections=collection_names(collections)))

    @_storage_errors_as_one_line
    def ingest_bytes(
        self,
        data: bytes,
        origin: str,
        *,
        suffix: str = "",
        collections: Names = (),
        limits: IngestLimits | None = None,
    ) -> IngestOutcome:
        """One article from raw bytes (stdin, pasted text, an uploaded file)."""
        names = collection_names(collections)
        return self.ingester.ingest_bytes(
            data, origin, suffix=suffix, collections=names, limits=limits
        )

    @_storage_errors_as_one_line
    def ingest_many(
        self, items: Iterable[Item], *, workers: int = 1, collections: Names = ()
    ) -> Iterator[IngestOutcome]:
        """Ingest a stream of drafts or file paths, one outcome per item, in order."""
        names = collection_names(collections)
        return self.ingester.ingest_many(items, workers=workers, collections=names)

    @_storage_errors_as_one_line
    def ingest_paths(
        self, paths: list[Path], *, workers: int | None = None, collections: Names = ()
    ) -> IngestBatch:
        """Ingest files and directories (walked), one outcome per file."""
        names = collection_names(collections)
        return self.ingester.ingest_paths(paths, workers=workers, collections=names)

    @_storage_errors_as_one_line
    def ingest_urls(
        self,
        urls: list[str],
        *,
        workers: int = DEFAULT_WORKERS,
        collections: Names = (),
        limits: IngestLimits | None = None,
        feeds: bool = True,
    ) -> IngestBatch:
        """Fetch pages and feeds concurrently (bounded) and ingest them; one outcome per
        page. A URL already stored is not fetched again (only filed into
        `collections`); `feeds=False` refuses feeds."""
        names = collection_names(collections)
        return self.ingester.ingest_urls(
            urls, workers=workers, collections=names, limits=limits, feeds=feeds
        )

    # -- collections --------------------------------------------------------------

    @_answering
    def collections(self) -> dict[str, int]:
        """Every collection that holds an article, with how many, by name."""
        return self.library.reads.collection_counts()

    @_storage_errors_as_one_line
    def collect(self, article_ids: Iterable[int], names: Names) -> int:
        """File stored articles into collections; how many memberships were new.
        An unknown id is a NotFoundError and files nothing."""
        checked = collection_names(names)
        ids = sorted(set(article_ids))
        if not checked or not ids:
            return 0
        with self.library.lock:
            self.library.store.refuse_missing(ids)  # before the writer lock
        with self.library.write_turn("filing articles into collections"), self.library.lock:
            return self.library.collect(ids, checked)

    @_answering
    def scope(self, names: Names | None) -> frozenset[str] | None:
        """The collections `names` asks for, each checked to exist (CollectionError
        names the one that does not, and lists those that do); None or "all": every
        article."""
        if names is None or (isinstance(names, str) and names.strip().lower() == ALL):
            return None
        checked = collection_names(names)
        if not checked:
            return None
        store = self.library.reads
        for name in checked:
            # One indexed lookup a name: a scoped channel checks its scope at every answer.
            if not store.has_collection(name):
                known = store.collection_counts()
                listed = ", ".join(f"{n} ({c:,})" for n, c in known.items()) or "none yet"
                raise CollectionError(
                    f"No collection is called “{name}”. Collections: {listed}.", name=name
                )
        return frozenset(checked)

    @_reading
    def article_id_for_url(self, url: str) -> int | None:
        """The article already stored under this (normalised) URL, if any."""
        return self.library.store.find_by_url(normalize_url(url))

    @_storage_errors_as_one_line
    def forget(self, article_id: int) -> Article:
        """Delete an article from the database and the index. NotFoundError for an
        unknown id, before any writer lock."""
        with self.library.lock:
            self.library.store.get_article(article_id)
        with self.library.write_turn(f"forgetting article #{article_id}"), self.library.lock:
            return self.library.forget(article_id)

    @_answering
    def sources(
        self, match: str | None = None, *, offset: int = 0, limit: int | None = None
    ) -> list[Article]:
        """The articles by id; with `match`, those whose headline or outlet holds it.
        `offset` and `limit` read one page (a chat surface lists thousands this way)."""
        return self.library.reads.list_articles(match, offset=offset, limit=limit)

    @_answering
    def count_articles(self, match: str | None = None) -> int:
        """How many articles there are; with `match`, how many `sources(match)` lists."""
        return self.library.reads.count_articles(match)

    # -- answering --------------------------------------------------------------

    @_answering
    def answer(
        self,
        question: str,
        k: int = 3,
        *,
        context: str | None = None,
        collections: frozenset[str] | None = None,
    ) -> Answer:
        """Up to k verbatim quotes that answer `question`, or an abstention.

        `context` is an earlier question of the same conversation (a Slack
        thread); its words help, at half weight. `collections` (from `scope()`)
        answers from the articles in those collections only.
        """
        started = time.perf_counter()
        answer = self.answerer.answer(question, k, context=context, scope=collections)
        log.debug(
            "answered in %.1f ms: confidence %s, %d quotes",
            (time.perf_counter() - started) * 1000,
            answer.confidence,
            len(answer.quotes),
        )
        return answer

    @_reading
    def note_unanswered(
        self,
        answer: Answer,
        *,
        surface: str | None = None,
        channel: str | None = None,
        why: str = ABSTAINED,
    ) -> None:
        """Keep a question nobody could answer (`why`: ABSTAINED, or MARKED_WRONG when a
        reader said the answer was wrong), with its closest articles, for `gaps()`."""
        if why not in (ABSTAINED, MARKED_WRONG):
            raise ValueError(f"why must be {ABSTAINED!r} or {MARKED_WRONG!r}")
        closest = [a.id for a in answer.closest] or [q.article.id for q in answer.quotes]
        gaps.record(
            self.library.store.sql,
            answer.question,
            surface=surface,
            channel=channel,
            why=why,
            closest=closest[:3],
        )

    @_reading
    def keep_answer(self, answer: Answer, *, surface: str, channel: str | None = None) -> str:
        """Keep an answer as shown in chat, for readers to vote on; its short id."""
        return feedback.keep(self.library.store.sql, answer, surface=surface, channel=channel)

    @_reading
    def vote(self, answer_id: str, user: str, *, up: bool) -> Feedback:
        """A reader's 👍 (`up`) or 👎 on a kept answer; voting again changes it. A 👎
        also keeps the question among the gaps, as an answer marked wrong.
        UnknownAnswerError for an answer not kept."""
        store = self.library.store
        given = feedback.vote(store.sql, answer_id, user, feedback.UP if up else feedback.DOWN)
        if not up:
            gaps.record(
                store.sql,
                given.question,
                surface=given.surface,
                channel=given.channel,
                why=MARKED_WRONG,
                closest=list(dict.fromkeys(a for a, _, _ in given.quotes))[:3],
            )
        return given

    @_reading
    def feedback(self, limit: int | None = None) -> list[Feedback]:
        """Every vote with the answer it was on, newest first (for the people running
        newsbot: never shown to other users)."""
        return feedback.listed(self.library.store.sql, limit=limit)

    @_reading
    def gaps(self, limit: int = 20) -> list[Gap]:
        """What nobody could answer, grouped by similar wording, newest first."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        store = self.library.store
        rows = gaps.newest(store.sql, limit)  # kept grouped: reads `limit` rows, no more
        closest = {row["id"]: json.loads(row["closest"]) for row in rows}
        articles = store.get_articles({i for ids in closest.values() for i in ids})
        return [
            Gap(
                question=row["question"],
                asked=row["asked"],
                marked_wrong=row["marked_wrong"],
                last_asked=row["last_asked"],
                wordings=tuple(json.loads(row["wordings"])),
                # A forgotten article is left out.
                closest=tuple(articles[i] for i in closest[row["id"]] if i in articles),
                surfaces=tuple(json.loads(row["surfaces"])),
            )
            for row in rows
        ]

    @staticmethod
    def next_context(question: str, context: str | None) -> str:
        """What a conversation's next question is read with, once `question` (asked
        with `context`) is answered: every surface keeps this, one meaning of a
        follow-up everywhere."""
        return next_context(question, context)

    @_answering
    def answer_with_features(
        self, question: str, k: int = 3, *, context: str | None = None
    ) -> tuple[Answer, dict[str, float]]:
        """`answer()`, with the answerability model's inputs for its first quote."""
        return self.answerer.answer_with_features(question, k, context=context)

    @_answering
    def ranked_windows(
        self, question: str, k: int = 3, *, context: str | None = None
    ) -> tuple[QuoteScorer, list[Candidate], list[Window]]:
        """The windows the ranker chose among, for the training scripts."""
        return self.answerer.ranked_windows(question, k, context=context)

    @_answering
    def passages(
        self, query_text: str, k: int = 10, *, collections: frozenset[str] | None = None
    ) -> list[SearchHit]:
        """The top k passages by BM25 (several may come from one article)."""
        return self.answerer.passages(query_text, k, collections)

    @_answering
    def search(
        self, query_text: str, k: int = 5, *, collections: frozenset[str] | None = None
    ) -> SearchResults:
        """Articles ranked by their best passage's BM25 score."""
        return self.answerer.search(query_text, k, collections)
