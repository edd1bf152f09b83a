"""The engine: one object that ingests, answers, searches and forgets.

The CLI, Slack and the benchmarks all go through `Engine`; none of them touch
SQLite or the index directly. SQLite is the system of record and the BM25 index
is derived from it: every write goes to SQLite first (with a journal row, in
the same transaction), then to the index, then the journal row is cleared. At
open, leftover journal rows are replayed, and an index that disagrees with the
database is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index import bm25, neardup
from index.analysis import analyze, analyze_spans
from index.bulk import DEFAULT_WORKERS, fetch_drafts
from index.clean import clean_article
from index.errors import EmptyArticleError, IngestError, NewsbotError, QueryError
from index.fetch import FetchPolicy
from index.ingest import draft_from_path, expand_paths
from index.models import (
    Answer,
    Article,
    ArticleDraft,
    Confidence,
    IngestOutcome,
    SearchHit,
    SearchResults,
    Status,
)
from index.passages import PassageSpan, build_passages
from index.query import ParsedQuery, parse_query
from index.quotes import Candidate, QuoteScorer, select_quotes
from index.retriever import IndexDoc, Retriever
from index.store import Store

log = logging.getLogger(__name__)

# Below this share of the question's IDF mass covered by the best quote, newsbot
# abstains. Calibrated on tests/questions.json (see README, "Answer quality").
ABSTAIN_BELOW = 0.4
HIGH_CONFIDENCE = 0.8
MEDIUM_CONFIDENCE = 0.65
CANDIDATE_PASSAGES = 30
MIN_ARTICLE_WORDS = 5
HEADLINE_CHARS = 90
BULK_COMMIT_EVERY = 1000


def default_db_path() -> Path:
    """$NEWSBOT_DB, else $XDG_DATA_HOME/newsbot/newsbot.db (~/.local/share/...)."""
    configured = os.environ.get("NEWSBOT_DB")
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "newsbot" / "newsbot.db"


def index_path_for(db_path: Path) -> Path:
    """The index lives beside the database: newsbot.db -> newsbot.db.index/."""
    return db_path.with_name(db_path.name + ".index")


@dataclass(frozen=True)
class PreparedArticle:
    """A cleaned, split, analysed article, ready to store and index."""

    origin: str
    headline: str
    outlet: str | None
    url: str | None
    published: str | None
    author: str | None
    text: str
    content_hash: str
    passages: list[PassageSpan]


def content_hash(text: str) -> str:
    """Hash of the article text with whitespace folded: same words, same article."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _derived_headline(text: str) -> str:
    first = text.split("\n", 1)[0]
    if len(first) <= HEADLINE_CHARS:
        return first
    cut = first[:HEADLINE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def prepare(draft: ArticleDraft) -> PreparedArticle:
    """Clean and split a draft. Raises EmptyArticleError when no article text is left."""
    cleaned = clean_article(
        draft.text, first_line_headline=draft.first_line_headline, known_headline=draft.headline
    )
    if len(cleaned.text.split()) < MIN_ARTICLE_WORDS:
        raise EmptyArticleError(f"{draft.origin}: no article text left after cleaning.")
    passages = build_passages(cleaned.text)
    headline = draft.headline or cleaned.headline or _derived_headline(cleaned.text)
    return PreparedArticle(
        origin=draft.origin,
        headline=" ".join(headline.split()),
        outlet=draft.outlet or cleaned.outlet_hint,
        url=draft.url,
        published=draft.published,
        author=draft.author,
        text=cleaned.text,
        content_hash=content_hash(cleaned.text),
        passages=passages,
    )


def _index_docs(
    article_id: int, passage_ids: list[int], prepared: PreparedArticle
) -> list[IndexDoc]:
    title_terms = analyze(prepared.headline)
    return [
        IndexDoc(pid, article_id, analyze(prepared.text[p.start : p.end]), title_terms)
        for pid, p in zip(passage_ids, prepared.passages, strict=True)
    ]


class Engine:
    """newsbot's engine over one database. Use as a context manager, or call close()."""

    def __init__(
        self,
        db_path: Path | str | None = None,
        *,
        seeds_dir: Path | None = None,
        autoseed: bool = True,
        abstain_below: float = ABSTAIN_BELOW,
    ) -> None:
        if not 0.0 <= abstain_below <= 1.0:
            raise ValueError("abstain_below must be between 0 and 1")
        self.db_path = Path(db_path) if db_path else default_db_path()
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.abstain_below = abstain_below
        self.store = Store(self.db_path)
        self.retriever = Retriever(index_path_for(self.db_path))
        self.repaired = self._sync_index()
        self.seeded: list[IngestOutcome] = []
        if autoseed:
            self.seeded = self._autoseed(seeds_dir)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.retriever.rollback()
        self.store.close()

    # -- consistency ------------------------------------------------------------

    def _sync_index(self) -> int:
        """Replay journal rows left by a crash; rebuild if the index disagrees. Returns fixes."""
        pending = self.store.pending_journal()
        if pending:
            log.warning(
                "replaying %d index journal entries from an interrupted write", len(pending)
            )
            touched = sorted({entry.article_id for entry in pending})
            for article_id in touched:
                self.retriever.delete_article(article_id)
            self._index_articles(touched)
            self.retriever.commit()
            self.store.clear_journal(pending[-1].seq)
        if self.retriever.num_docs != self.store.count_passages():
            log.warning("search index disagrees with the database; rebuilding it")
            self.reindex()
            return len(pending) + 1
        return len(pending)

    def _index_articles(self, article_ids: Iterable[int] | None) -> int:
        docs = (
            IndexDoc(pid, aid, analyze(text), analyze(headline))
            for pid, aid, headline, text in self.store.iter_index_rows(article_ids)
        )
        return self.retriever.add(docs)

    def reindex(self) -> int:
        """Rebuild the BM25 index from SQLite. Returns the number of passages indexed."""
        self.retriever.rollback()
        path = self.retriever.path
        Retriever.destroy(path)
        self.retriever = Retriever(path, title_boost=self.retriever.title_boost)
        count = self._index_articles(None)
        self.retriever.commit()
        pending = self.store.pending_journal()
        if pending:
            self.store.clear_journal(pending[-1].seq)
        return count

    def _autoseed(self, seeds_dir: Path | None) -> list[IngestOutcome]:
        if self.store.count_articles() or self.store.get_meta("seeded"):
            return []
        from index.seeds import find_seeds_dir

        directory = seeds_dir or find_seeds_dir()
        if directory is None:
            return []
        outcomes = list(self.ingest_paths([directory]))
        self.store.set_meta("seeded", str(directory))
        return outcomes

    # -- ingest -----------------------------------------------------------------

    def ingest(self, draft: ArticleDraft) -> IngestOutcome:
        """Store and index one article; failures come back as an outcome, not raised."""
        return next(self.ingest_many([draft]))

    def ingest_many(
        self, drafts: Iterable[ArticleDraft | IngestError | IngestOutcome]
    ) -> Iterator[IngestOutcome]:
        """Ingest a stream; an IngestError in the stream (a bad file) becomes its outcome,
        and an IngestOutcome (decided upstream, like a URL already stored) passes through.

        Each article is committed to SQLite on its own; the index is committed
        every BULK_COMMIT_EVERY articles and at the end, so a bulk ingest costs
        one index commit per batch, not per article.
        """
        pending_index = 0
        try:
            for item in drafts:
                outcome = self._ingest_one(item)
                if outcome.status is Status.ADDED:
                    pending_index += 1
                    if pending_index >= BULK_COMMIT_EVERY:
                        self._commit_index()
                        pending_index = 0
                yield outcome
        finally:
            if pending_index:
                self._commit_index()

    def ingest_paths(
        self, paths: list[Path], *, on_total: Callable[[int], None] | None = None
    ) -> Iterator[IngestOutcome]:
        """Ingest files and directories (walked), one outcome per file."""
        files = list(expand_paths(paths))
        if on_total:
            on_total(len(files))
        manifests: dict = {}

        def drafts() -> Iterator[ArticleDraft | IngestError]:
            for path in files:
                try:
                    yield draft_from_path(path, manifests=manifests)
                except IngestError as exc:
                    exc.origin = str(path)  # type: ignore[attr-defined]
                    yield exc

        return self.ingest_many(drafts())

    def ingest_urls(
        self,
        urls: list[str],
        *,
        policy: FetchPolicy | None = None,
        workers: int = DEFAULT_WORKERS,
    ) -> Iterator[IngestOutcome]:
        """Fetch pages and feeds concurrently (bounded) and ingest them; one outcome per page.

        A URL already stored (after normalisation) is not fetched again.
        """

        def items() -> Iterator[ArticleDraft | IngestError | IngestOutcome]:
            for url, result in fetch_drafts(
                urls, known=self.store.find_by_url, policy=policy, workers=workers
            ):
                if isinstance(result, int):
                    yield IngestOutcome(url, Status.DUPLICATE, article_id=result)
                elif isinstance(result, IngestError):
                    result.origin = url  # type: ignore[attr-defined]
                    yield result
                else:
                    yield result

        return self.ingest_many(items())

    def _ingest_one(self, item: ArticleDraft | IngestError | IngestOutcome) -> IngestOutcome:
        if isinstance(item, IngestOutcome):
            return item
        if isinstance(item, IngestError):
            origin = getattr(item, "origin", "input")
            return IngestOutcome(origin, Status.FAILED, reason=_reason(item, origin))
        try:
            prepared = prepare(item)
        except IngestError as exc:
            return IngestOutcome(item.origin, Status.FAILED, reason=_reason(exc, item.origin))
        existing = self.store.find_by_hash(prepared.content_hash)
        if existing is None and prepared.url:
            existing = self.store.find_by_url(prepared.url)
        if existing is not None:
            return IngestOutcome(item.origin, Status.DUPLICATE, article_id=existing)
        signature = neardup.signature(prepared.text)
        if signature is not None:
            near = self.store.find_near_duplicate(signature)
            if near is not None:
                return IngestOutcome(
                    item.origin, Status.NEAR_DUPLICATE, article_id=near[0], similarity=near[1]
                )
        article_id = self.store.add_article(
            headline=prepared.headline,
            text=prepared.text,
            content_hash=prepared.content_hash,
            passages=prepared.passages,
            outlet=prepared.outlet,
            author=prepared.author,
            published=prepared.published,
            url=prepared.url,
            origin=prepared.origin,
            signature=signature,
        )
        passage_ids = self.store.passage_ids(article_id)
        self.retriever.add(_index_docs(article_id, passage_ids, prepared))
        return IngestOutcome(
            item.origin,
            Status.ADDED,
            article_id=article_id,
            headline=prepared.headline,
            outlet=prepared.outlet,
            passage_count=len(prepared.passages),
        )

    def _commit_index(self) -> None:
        self.retriever.commit()
        pending = self.store.pending_journal()
        if pending:
            self.store.clear_journal(pending[-1].seq)

    def article_id_for_url(self, url: str) -> int | None:
        """The article already stored under this (normalised) URL, if any."""
        from index.fetch import normalize_url

        return self.store.find_by_url(normalize_url(url))

    def forget(self, article_id: int) -> Article:
        """Delete an article from the database and the index."""
        article = self.store.delete_article(article_id)
        self.retriever.delete_article(article_id)
        self._commit_index()
        return article

    def sources(self) -> list[Article]:
        return self.store.list_articles()

    # -- answering --------------------------------------------------------------

    def _candidates(self, weighted: dict[str, float], top_k: int) -> list[Candidate]:
        hits = self.retriever.run(weighted, top_k)
        passages = self.store.get_passages(h.passage_id for h in hits)
        articles = self.store.get_articles(h.article_id for h in hits)
        return [
            Candidate(passages[h.passage_id], articles[h.article_id], h.score)
            for h in hits
            if h.passage_id in passages and h.article_id in articles
        ]

    def _scorer(self, query: ParsedQuery) -> QuoteScorer:
        total = max(self.retriever.num_docs, 1)
        freqs = {t: self.retriever.doc_freq(t) for t in query.terms}
        idf = {t: bm25.idf(total, df) for t, df in freqs.items()}
        return QuoteScorer(query, idf, unseen={t for t, df in freqs.items() if df == 0})

    def answer(self, question: str, k: int = 3, *, context: str | None = None) -> Answer:
        """Up to k verbatim quotes that answer `question`, or an abstention.

        `context` is an earlier question of the same conversation (a Slack
        thread); its words help, at half weight.
        """
        if k < 1:
            raise QueryError("k must be at least 1.")
        query = parse_query(question, context=context)
        if not query.terms:
            raise QueryError(
                "The question has no searchable words (only stopwords or punctuation)."
            )
        candidates = self._candidates(query.weighted, CANDIDATE_PASSAGES)
        scorer = self._scorer(query)
        surface = {}
        for token in analyze_spans(question):
            surface.setdefault(token.term, question[token.start : token.end])
        quotes, evidence = select_quotes(scorer, candidates, k, surface)
        closest = _distinct_articles(candidates, 3)
        if not quotes or evidence < self.abstain_below:
            return Answer(question, (), True, Confidence.NONE, evidence, closest)
        if evidence >= HIGH_CONFIDENCE:
            confidence = Confidence.HIGH
        elif evidence >= MEDIUM_CONFIDENCE:
            confidence = Confidence.MEDIUM
        else:
            confidence = Confidence.LOW
        return Answer(question, tuple(quotes), False, confidence, evidence, closest)

    def search(self, query_text: str, k: int = 5) -> SearchResults:
        """Articles ranked by their best passage's BM25 score."""
        if k < 1:
            raise QueryError("k must be at least 1.")
        query = parse_query(query_text)
        if not query.terms:
            raise QueryError("The query has no searchable words (only stopwords or punctuation).")
        candidates = self._candidates(query.weighted, max(CANDIDATE_PASSAGES, k * 5))
        hits: list[SearchHit] = []
        seen: set[int] = set()
        for c in candidates:  # already in score order: the first per article is its best
            if c.article.id in seen:
                continue
            seen.add(c.article.id)
            hits.append(
                SearchHit(
                    c.article, c.retrieval_score, c.passage.text, c.passage.start, c.passage.end
                )
            )
            if len(hits) == k:
                break
        return SearchResults(query_text, tuple(hits))


def _reason(error: IngestError, origin: str) -> str:
    """The error's message without the origin it starts with (the outcome names it)."""
    return str(error).removeprefix(f"{origin}: ")


def _distinct_articles(candidates: list[Candidate], limit: int) -> tuple[Article, ...]:
    seen: dict[int, Article] = {}
    for c in candidates:
        seen.setdefault(c.article.id, c.article)
        if len(seen) == limit:
            break
    return tuple(seen.values())


__all__ = ["Engine", "NewsbotError", "default_db_path", "prepare"]
