"""The engine: one object that ingests, answers, searches and forgets.

The CLI, Slack and the benchmarks all go through `Engine`; none of them touch
SQLite or the index directly. SQLite is the system of record and the BM25 index
is derived from it: every write goes to SQLite first (with a journal row, in
the same transaction), then to the index, then the journal row is cleared. At
open, leftover journal rows are replayed, and an index that disagrees with the
database is rebuilt.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from index import bm25
from index.analysis import analyze, analyze_spans
from index.bulk import DEFAULT_WORKERS, fetch_drafts
from index.errors import IngestError, NewsbotError, QueryError
from index.fetch import FetchPolicy, normalize_url
from index.ingest import expand_paths
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
from index.pipeline import Item, Prepared, default_workers, passage_terms, prepare_many
from index.query import ParsedQuery, parse_query
from index.quotes import Candidate, QuoteScorer, select_quotes
from index.retriever import IndexDoc, Retriever
from index.store import Store, decode_terms

log = logging.getLogger(__name__)

# Below this share of the question's IDF mass covered by the best quote, newsbot
# abstains. Calibrated on tests/questions.json (see README, "Answer quality").
ABSTAIN_BELOW = 0.4
HIGH_CONFIDENCE = 0.8
MEDIUM_CONFIDENCE = 0.65
CANDIDATE_PASSAGES = 30
# Passages whose sentences answer() scores for quotes: enough for k quotes from
# different articles; every one more costs time at each question.
ANSWER_PASSAGES = 15
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
        """Index passages from their stored terms: nothing is analysed again."""
        titles: dict[int, list[str]] = {}

        def docs() -> Iterator[IndexDoc]:
            for pid, aid, headline, encoded in self.store.iter_index_rows(article_ids):
                if aid not in titles:
                    titles.clear()  # rows come grouped by article; keep one
                    titles[aid] = analyze(headline)
                yield IndexDoc(pid, aid, passage_terms(decode_terms(encoded)), titles[aid])

        return self.retriever.add(docs())

    def reindex(self) -> int:
        """Rebuild the BM25 index from SQLite. Returns the number of passages indexed."""
        self.retriever.rollback()
        path = self.retriever.path
        Retriever.destroy(path)
        self.retriever = Retriever(path, title_boost=self.retriever.title_boost)
        count = self._index_articles(None)
        self._commit_index()
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

    def ingest_paths(
        self,
        paths: list[Path],
        *,
        on_total: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> Iterator[IngestOutcome]:
        """Ingest files and directories (walked), one outcome per file.

        Large batches are read and analysed by worker processes (all cores by default).
        """
        files = list(expand_paths(paths))
        if on_total:
            on_total(len(files))
        return self.ingest_many(files, workers=default_workers() if workers is None else workers)

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

        def items() -> Iterator[Item]:
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

    def _store_prepared(self, item: Prepared) -> IngestOutcome:
        """Store and index one prepared article, unless it is a duplicate or an error."""
        if isinstance(item, IngestOutcome):
            return item
        if isinstance(item, IngestError):
            origin = getattr(item, "origin", "input")
            return IngestOutcome(origin, Status.FAILED, reason=_reason(item, origin))
        existing = self.store.find_by_hash(item.content_hash)
        if existing is None and item.url:
            existing = self.store.find_by_url(item.url)
        if existing is not None:
            return IngestOutcome(item.origin, Status.DUPLICATE, article_id=existing)
        if item.signature is not None:
            near = self.store.find_near_duplicate(item.signature)
            if near is not None:
                return IngestOutcome(
                    item.origin, Status.NEAR_DUPLICATE, article_id=near[0], similarity=near[1]
                )
        added = self.store.add_article(
            headline=item.headline,
            text=item.text,
            content_hash=item.content_hash,
            passages=item.passages,
            sentence_terms=item.sentence_terms,
            outlet=item.outlet,
            author=item.author,
            published=item.published,
            url=item.url,
            origin=item.origin,
            signature=item.signature,
        )
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

    def _commit_index(self) -> None:
        self.retriever.commit()
        pending = self.store.pending_journal()
        if pending:
            self.store.clear_journal(pending[-1].seq)

    def article_id_for_url(self, url: str) -> int | None:
        """The article already stored under this (normalised) URL, if any."""
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
        found = self.store.get_passages_with_articles(h.passage_id for h in hits)
        return [Candidate(*found[h.passage_id], h.score) for h in hits if h.passage_id in found]

    def _scorer(self, query: ParsedQuery) -> QuoteScorer:
        total, freqs = self.retriever.doc_freqs(query.terms)
        total = max(total, 1)
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
        candidates = self._candidates(query.weighted, max(ANSWER_PASSAGES, k * 5))
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

    def passages(self, query_text: str, k: int = 10) -> list[SearchHit]:
        """The top k passages by BM25 (several may come from one article)."""
        if k < 1:
            raise QueryError("k must be at least 1.")
        query = parse_query(query_text)
        if not query.terms:
            raise QueryError("The query has no searchable words (only stopwords or punctuation).")
        return [
            SearchHit(c.article, c.retrieval_score, c.passage.text, c.passage.start, c.passage.end)
            for c in self._candidates(query.weighted, k)
        ]

    def search(self, query_text: str, k: int = 5) -> SearchResults:
        """Articles ranked by their best passage's BM25 score."""
        if k < 1:
            raise QueryError("k must be at least 1.")
        hits: list[SearchHit] = []
        seen: set[int] = set()
        # Passages come in score order: the first one of an article is its best.
        for hit in self.passages(query_text, max(CANDIDATE_PASSAGES, k * 5)):
            if hit.article.id not in seen:
                seen.add(hit.article.id)
                hits.append(hit)
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


__all__ = ["Engine", "NewsbotError", "default_db_path"]
