"""The engine: one object that ingests, answers, searches and forgets.

The CLI, Slack and the benchmarks all go through `Engine`; none of them touch
SQLite or the index directly. SQLite is the system of record and the BM25 index
is derived from it: every write goes to SQLite first (with a journal row, in
the same transaction), then to the index, then the journal row is cleared.

Constructing an engine only opens the database and the index. Side effects
are methods the caller asks for: `repair_index()` (replay an interrupted
write, rebuild an index that disagrees) and `seed_if_empty()`.

Several processes may use one database: readers never wait, and writers take
turns on the index's writer lock, taken before each SQLite write the index
must follow (see `journal`). A second writer waits up to `writer_wait`
seconds, calling `on_wait` once so a surface can say why it is waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsbot.index import bm25
from newsbot.index.analysis import analyze, analyze_spans
from newsbot.index.answerability import AnswerabilityModel, Signals, features, shipped_model
from newsbot.index.bulk import DEFAULT_WORKERS, fetch_drafts
from newsbot.index.corroboration import Claim, corroborate
from newsbot.index.errors import IngestError, NotFoundError, QueryError
from newsbot.index.fetch import FetchPolicy, normalize_url
from newsbot.index.ingest import draft_from_bytes, plan_paths
from newsbot.index.models import (
    Answer,
    Article,
    ArticleDraft,
    Confidence,
    IngestOutcome,
    Quote,
    SearchHit,
    SearchResults,
    Status,
)
from newsbot.index.pipeline import (
    Item,
    Prepared,
    PreparedArticle,
    default_workers,
    passage_terms,
    prepare_many,
)
from newsbot.index.query import AnswerType, ParsedQuery, framing_terms, parse_query
from newsbot.index.quotes import (
    Candidate,
    QuoteScorer,
    Window,
    candidate_windows,
    question_names,
    select_quotes,
)
from newsbot.index.ranking import QuoteRanker, shipped_ranker
from newsbot.index.recency import asks_for_latest, parse_date
from newsbot.index.retriever import IndexDoc, Retriever
from newsbot.index.settings import AnswerSettings
from newsbot.index.store import Store

log = logging.getLogger(__name__)

# During a bulk ingest the index commits this often (and at the end): each
# commit costs an fsync, and the journal covers what is not yet committed.
BULK_COMMIT_EVERY = 1000
WRITER_WAIT_S = 120.0
_SEEDED_KEY = "seeded"


def index_path_for(db_path: Path) -> Path:
    """The index lives beside the database: newsbot.db -> newsbot.db.index/."""
    return db_path.with_name(db_path.name + ".index")


@dataclass
class IngestBatch:
    """The outcomes of one ingest call, one per item in order, and how many to expect.

    `total` counts the items known up front (files found, URLs given); a feed
    adds its items as it is read, so a URL batch may yield more.
    """

    total: int
    outcomes: Iterator[IngestOutcome]

    def __iter__(self) -> Iterator[IngestOutcome]:
        return self.outcomes


class Engine:
    """newsbot's engine over one database. Use as a context manager, or call close()."""

    def __init__(
        self,
        db_path: Path | str,
        *,
        settings: AnswerSettings | None = None,
        fetch_policy: FetchPolicy | None = None,
        writer_wait: float = WRITER_WAIT_S,
        on_wait: Callable[[], None] | None = None,
        today: Callable[[], date] = date.today,
        model: AnswerabilityModel | None = None,
        ranker: QuoteRanker | None = None,
    ) -> None:
        if writer_wait < 0:
            raise ValueError("writer_wait must not be negative")
        self.writer_wait = writer_wait
        self.on_wait = on_wait
        self.today = today  # how old a source is, for stale answers
        self._own_journal: list[int] = []  # journal rows this engine wrote, not yet indexed
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings = settings or AnswerSettings()
        # Whether the first quote answers: the fitted model unless a test gives one.
        self.model = model or shipped_model()
        # Which candidate quotes come first: the fitted ranker unless one is given.
        self.ranker = ranker or shipped_ranker()
        self.fetch_policy = fetch_policy or FetchPolicy()
        self.store = Store(self.db_path)
        self.retriever = Retriever(
            index_path_for(self.db_path), title_boost=self.settings.title_boost
        )

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.retriever.rollback()
        self.store.close()

    # -- consistency ------------------------------------------------------------

    def repair_index(self) -> int:
        """Replay journal rows left by a crashed writer; rebuild an index that disagrees
        with SQLite. Returns how many repairs were made (0 when they agree).

        Only reads unless something needs repair, and never waits: while another
        process is writing, the rows and passages it has not indexed yet are its
        own to index, so there is nothing to repair.
        """
        self.retriever.refresh()
        if not self.store.journal.pending() and not self._index_disagrees():
            return 0
        if not self.retriever.try_writer():
            log.info("another newsbot process is writing; it keeps the index up to date")
            return 0
        # Under the writer lock: every journal row left is a dead writer's.
        pending = self.store.journal.pending()
        if pending:
            log.warning(
                "replaying %d index journal entries from an interrupted write", len(pending)
            )
            touched = sorted({entry.article_id for entry in pending})
            for article_id in touched:
                self.retriever.delete_article(article_id)
            self._index_articles(touched)
            self.retriever.commit(release=False)
            self.store.journal.clear(entry.seq for entry in pending)
        repairs = len(pending)
        if self._index_disagrees():
            log.warning("search index disagrees with the database; rebuilding it")
            self._rebuild()
            repairs += 1
        self.retriever.commit()
        return repairs

    def _index_disagrees(self) -> bool:
        return self.retriever.num_docs != self.store.count_passages()

    def release_writer(self) -> None:
        """Give the writer lock back when nothing is waiting to be committed."""
        if self.retriever.writing and not self._own_journal:
            self.retriever.rollback()

    def hold_writer(self) -> None:
        """Take the index's writer lock before a write it must follow (may wait up to
        `writer_wait`). Ingest and forget take it themselves; a threaded caller takes
        it first, outside its own lock, so that nothing else waits while it does."""
        self.retriever.acquire_writer(wait=self.writer_wait, on_wait=self.on_wait)

    def _index_articles(self, article_ids: Iterable[int] | None) -> int:
        """Index passages from their stored terms: nothing is analysed again."""
        titles: dict[int, list[str]] = {}

        def docs() -> Iterator[IndexDoc]:
            for row in self.store.iter_index_rows(article_ids):
                if row.article_id not in titles:
                    titles.clear()  # rows come grouped by article; keep one
                    titles[row.article_id] = analyze(row.headline)
                body = passage_terms(row.terms)
                yield IndexDoc(row.passage_id, row.article_id, body, titles[row.article_id])

        return self.retriever.add(docs())

    def reindex(self) -> int:
        """Rebuild the BM25 index from SQLite. Returns the number of passages indexed."""
        self.hold_writer()
        count = self._rebuild()
        self._commit_index()
        return count

    def _rebuild(self) -> int:
        """Empty the index in place and index every stored passage (writer lock held).

        In place, not a new directory: a serving process keeps reading the same index.
        """
        self.retriever.delete_all()
        return self._index_articles(None)

    def seed_if_empty(self, seeds_dir: Path) -> list[IngestOutcome]:
        """Ingest `seeds_dir` into a database that has never held an article.

        Once seeded (even if the seeds were later forgotten) it never seeds again.
        """
        if self.store.count_articles() or self.store.get_meta(_SEEDED_KEY):
            return []
        outcomes = list(self.ingest_paths([seeds_dir]))
        self.store.set_meta(_SEEDED_KEY, str(seeds_dir))
        return outcomes

    # -- ingest -----------------------------------------------------------------

    def ingest(self, draft: ArticleDraft) -> IngestOutcome:
        """Store and index one article; failures come back as an outcome, not raised."""
        return next(self.ingest_many([draft]))

    def ingest_bytes(self, data: bytes, origin: str, *, suffix: str = "") -> IngestOutcome:
        """One article from raw bytes (stdin, pasted text, an uploaded file)."""
        item: Item
        try:
            item = draft_from_bytes(data, origin, suffix=suffix)
        except IngestError as exc:
            item = exc
        return next(self.ingest_many([item]))

    def ingest_many(self, items: Iterable[Item], *, workers: int = 1) -> Iterator[IngestOutcome]:
        """Ingest a stream of drafts or file paths, one outcome per item, in order.

        An IngestError in the stream (a bad file) becomes its outcome, and an
        IngestOutcome (decided upstream, like a URL already stored) passes
        through. With workers > 1, cleaning and analysis run in that many
        processes. Each article is committed to SQLite on its own; the index is
        committed every BULK_COMMIT_EVERY articles and at the end.
        """
        pending_index = 0
        try:
            for prepared in prepare_many(items, workers=workers):
                outcome = self._store_prepared(prepared)
                if outcome.status is Status.ADDED:
                    pending_index += 1
                    if pending_index >= BULK_COMMIT_EVERY:
                        self._commit_index()
                        pending_index = 0
                yield outcome
        finally:
            if pending_index:
                self._commit_index()
            else:
                self.release_writer()

    def ingest_paths(self, paths: list[Path], *, workers: int | None = None) -> IngestBatch:
        """Ingest files and directories (walked), one outcome per file.

        Large batches are read and analysed by worker processes (all cores by default).
        """
        items = plan_paths(paths)
        count = default_workers() if workers is None else workers
        return IngestBatch(len(items), self.ingest_many(items, workers=count))

    def ingest_urls(self, urls: list[str], *, workers: int = DEFAULT_WORKERS) -> IngestBatch:
        """Fetch pages and feeds concurrently (bounded) and ingest them; one outcome per page.

        A URL already stored (after normalisation) is not fetched again.
        """

        def items() -> Iterator[Item]:
            for url, result in fetch_drafts(
                urls, policy=self.fetch_policy, known=self.store.find_by_url, workers=workers
            ):
                if isinstance(result, int):
                    yield IngestOutcome(url, Status.DUPLICATE, article_id=result)
                else:
                    yield result

        return IngestBatch(len(set(urls)), self.ingest_many(items()))

    def _store_prepared(self, item: Prepared) -> IngestOutcome:
        """Store and index one prepared article, unless it is a duplicate or an error."""
        if isinstance(item, IngestOutcome):
            return item
        if isinstance(item, IngestError):
            return IngestOutcome.failed(item)
        known = self._already_stored(item)
        if known is not None:
            return known
        if not self.retriever.writing:
            self.hold_writer()
            # Checked again under the lock: another process may have added it meanwhile
            # (while this engine holds the lock, as through a bulk ingest, none can).
            known = self._already_stored(item)
            if known is not None:
                return known
        added = self.store.add_article(item)
        self._own_journal.append(added.journal_seq)
        self.retriever.add(
            IndexDoc(pid, added.id, passage_terms(terms), item.title_terms)
            for pid, terms in zip(added.passage_ids, item.sentence_terms, strict=True)
        )
        return IngestOutcome(
            item.origin,
            Status.ADDED,
            article_id=added.id,
            headline=item.headline,
            outlet=item.outlet,
            passage_count=len(item.passages),
        )

    def _already_stored(self, item: PreparedArticle) -> IngestOutcome | None:
        """The outcome for an article stored already (same text or URL) or nearly so."""
        existing = self.store.find_by_hash(item.content_hash)
        if existing is None and item.url:
            existing = self.store.find_by_url(item.url)
        if existing is not None:
            return IngestOutcome(item.origin, Status.DUPLICATE, article_id=existing)
        if item.signature is not None:
            near = self.store.lsh.find(item.signature)
            if near is not None:
                return IngestOutcome(
                    item.origin, Status.NEAR_DUPLICATE, article_id=near[0], similarity=near[1]
                )
        return None

    def _commit_index(self) -> None:
        """Publish the index writes, release the lock, and clear this engine's own
        journal rows (another writer's rows are its own to clear)."""
        self.retriever.commit()
        if self._own_journal:
            self.store.journal.clear(self._own_journal)
            self._own_journal.clear()

    def article_id_for_url(self, url: str) -> int | None:
        """The article already stored under this (normalised) URL, if any."""
        return self.store.find_by_url(normalize_url(url))

    def forget(self, article_id: int) -> Article:
        """Delete an article from the database and the index."""
        self.store.get_article(article_id)  # an unknown id is refused before any lock
        self.hold_writer()
        try:
            article, seq = self.store.delete_article(article_id)
        except NotFoundError:
            self.retriever.rollback()  # deleted by another process while this one waited
            raise
        self._own_journal.append(seq)
        self.retriever.delete_article(article_id)
        self._commit_index()
        return article

    def sources(self) -> list[Article]:
        return self.store.list_articles()

    def count_articles(self) -> int:
        return self.store.count_articles()

    # -- answering --------------------------------------------------------------

    def _candidates(self, weighted: dict[str, float], top_k: int) -> list[Candidate]:
        hits = self.retriever.run(weighted, top_k)
        found = self.store.get_passages(h.passage_id for h in hits)
        return [Candidate(*found[h.passage_id], h.score) for h in hits if h.passage_id in found]

    def _scorer(self, query: ParsedQuery) -> QuoteScorer:
        total, freqs = self.retriever.doc_freqs(query.terms)
        total = max(total, 1)
        idf = {t: bm25.idf(total, df) for t, df in freqs.items()}
        # An unseen topic word means the articles are not about it; an unseen
        # framing word ("still", "say") means nothing of the kind.
        unseen = {t for t, df in freqs.items() if df == 0 and t not in framing_terms()}
        return QuoteScorer(query, idf, unseen, self.settings, doc_count=total)

    def answer(self, question: str, k: int = 3, *, context: str | None = None) -> Answer:
        """Up to k verbatim quotes that answer `question`, or an abstention.

        `context` is an earlier question of the same conversation (a Slack
        thread); its words help, at half weight.
        """
        return self.answer_with_features(question, k, context=context)[0]

    def answer_with_features(
        self, question: str, k: int = 3, *, context: str | None = None
    ) -> tuple[Answer, dict[str, float]]:
        """`answer()`, with the answerability model's inputs for its first quote
        (empty when nothing could be quoted): what the training script fits on,
        and what explains a confidence."""
        _check_k(k)
        scorer, candidates, ranked = self.ranked_windows(question, k, context=context)
        surface: dict[str, str] = {}
        for token in analyze_spans(question):
            surface.setdefault(token.term, question[token.start : token.end])
        quotes, windows = select_quotes(scorer, ranked, k, surface)
        coverage = windows[0].coverage if windows else 0.0
        quotes = self._corroborated(quotes, candidates, scorer)
        closest = _distinct_articles(candidates, 3)
        if not quotes:
            return Answer(question, (), Confidence.NONE, 0.0, closest, coverage=coverage), {}
        values = self._features(scorer, quotes, windows, candidates)
        answerable = self.model.answerable.probability(values)
        evidence = self.model.answers.probability(values)
        confidence = self.settings.confidence(answerable, evidence)
        if confidence in (Confidence.HIGH, Confidence.MEDIUM) and scorer.query.terms.keys() <= (
            framing_terms()
        ):
            # "And what did he say?": nothing says what about, so whatever is quoted
            # cannot be called likely (the model sees full coverage of "say").
            confidence = Confidence.LOW
        kept = tuple(quotes) if confidence is not Confidence.NONE else ()
        answer = Answer(
            question,
            kept,
            confidence,
            evidence,
            closest,
            self._stale_days(quotes) if kept else None,
            coverage=coverage,
            answerable=answerable,
        )
        return answer, values

    def ranked_windows(
        self, question: str, k: int = 3, *, context: str | None = None
    ) -> tuple[QuoteScorer, list[Candidate], list[Window]]:
        """The question's scorer, its retrieved passages, and the pool of windows the
        ranker chose among (best first by first-stage score, with the ranker's
        probabilities): what `answer()` quotes from, and what
        `training/quote_ranker.py` fits on."""
        _check_k(k)
        query = parse_query(question, context=context)
        if not query.terms:
            raise QueryError(
                "The question has no searchable words (only stopwords or punctuation)."
            )
        candidates = self._candidates(query.weighted, max(self.settings.answer_passages, k * 5))
        scorer = self._scorer(query)
        if asks_for_latest(question):
            scorer.freshness = _freshness(c.article for c in candidates)
        pool = candidate_windows(scorer, candidates, max(self.settings.quote_pool, k))
        return scorer, candidates, self.ranker.rank(scorer, pool, candidates)

    def _features(
        self,
        scorer: QuoteScorer,
        quotes: list[Quote],
        windows: list[Window],
        candidates: list[Candidate],
    ) -> dict[str, float]:
        """The answerability model's inputs for the first quote (after corroboration's
        reordering)."""
        first = quotes[0]
        window = next(
            w
            for w in windows
            if w.candidate.article.id == first.article.id and w.start == first.start
        )
        passage = window.candidate.passage
        in_passage = frozenset(t for terms in passage.sentence_terms for t in terms)
        rank = next(i for i, c in enumerate(candidates) if c.passage.id == passage.id)
        best = candidates[0].retrieval_score
        other = next(
            (c.retrieval_score for c in candidates if c.article.id != candidates[0].article.id),
            0.0,
        )
        second = quotes[1].score / first.score if len(quotes) > 1 and first.score > 0 else 0.0
        query = scorer.query
        signals = Signals(
            coverage=window.coverage,
            score=window.score,
            matched=window.matched,
            weights=scorer.idf,
            total=scorer.total,
            unseen=scorer.unseen,
            unseen_factor=self.settings.unseen_factor,
            idf=scorer.plain_idf,
            query_weights={t: query.weighted[t] for t in query.terms},
            best_retrieval=best,
            other_article_retrieval=other,
            typed_question=query.answer_type is not AnswerType.OTHER,
            typed_quote=window.typed,
            headline_terms=frozenset(analyze(first.article.headline or "")),
            quote_rank=rank,
            runner_up=min(second, 1.0),
            question_sequence=tuple(query.terms),
            quote_sequence=window.sequence,
            max_idf=bm25.idf(scorer.doc_count, 1),
            question_names=question_names(query.text),
            passage_terms=in_passage,
            passage_coverage=scorer.coverage(in_passage)[0],
        )
        return features(signals)

    def _stale_days(self, quotes: list[Quote]) -> int | None:
        """How old the newest dated source is, when older than `stale_after_days`."""
        sources = [a for q in quotes for a in (q.article, *q.also_in)]
        dates = [d for a in sources if (d := parse_date(a.published)) is not None]
        if not dates:
            return None
        age = (self.today() - max(dates)).days
        return age if age > self.settings.stale_after_days else None

    def _corroborated(
        self, quotes: list[Quote], candidates: list[Candidate], scorer: QuoteScorer
    ) -> list[Quote]:
        """Each quote with the other articles that state its fact; a fact several
        outlets report ranks above one reported once about as likely to answer (its
        probability counts `corroboration_weight` more per source, up to three)."""
        weight = self.settings.corroboration_weight
        claims: dict[tuple[int, int], Claim] = {}  # shared by the quotes of this answer
        found = [corroborate(quote, candidates, claims) for quote in quotes]
        return sorted(
            found,
            key=lambda q: scorer.quote_order(
                q.speaker, q.score * (1.0 + weight * min(len(q.corroborated_by), 3))
            ),
        )

    def passages(self, query_text: str, k: int = 10) -> list[SearchHit]:
        """The top k passages by BM25 (several may come from one article)."""
        _check_k(k)
        query = parse_query(query_text)
        if not query.terms:
            raise QueryError("The query has no searchable words (only stopwords or punctuation).")
        return [
            SearchHit(c.article, c.retrieval_score, c.passage.text, c.passage.start, c.passage.end)
            for c in self._candidates(query.weighted, k)
        ]

    def search(self, query_text: str, k: int = 5) -> SearchResults:
        """Articles ranked by their best passage's BM25 score."""
        _check_k(k)
        hits: list[SearchHit] = []
        seen: set[int] = set()
        # Passages come in score order: the first one of an article is its best.
        for hit in self.passages(query_text, max(self.settings.search_passages, k * 5)):
            if hit.article.id not in seen:
                seen.add(hit.article.id)
                hits.append(hit)
                if len(hits) == k:
                    break
        return SearchResults(query_text, tuple(hits))


def _check_k(k: int) -> None:
    if k < 1:
        raise QueryError("k must be at least 1.")


def _freshness(articles: Iterable[Article]) -> dict[int, float]:
    """Article id -> 1.0 for the newest dated article, 0.0 for the oldest (and for
    undated ones), by rank: "the latest" among the candidates, whatever their age."""
    dated = {a.id: d for a in articles if (d := parse_date(a.published)) is not None}
    days = sorted(set(dated.values()))
    if len(days) < 2:
        return {}
    rank = {day: i / (len(days) - 1) for i, day in enumerate(days)}
    return {article_id: rank[day] for article_id, day in dated.items()}


def _distinct_articles(candidates: list[Candidate], limit: int) -> tuple[Article, ...]:
    seen: dict[int, Article] = {}
    for c in candidates:
        seen.setdefault(c.article.id, c.article)
        if len(seen) == limit:
            break
    return tuple(seen.values())
