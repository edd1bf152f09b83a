"""Answering: a question in, verbatim quotes (or an abstention) out.

The stages of one answer: parse the question (`query`); retrieve passages
(BM25, the store's retriever); give their sentences a first-stage score
(`quotes`); let the learned ranker order the best ten (`ranking`); choose the
quotes; find other articles stating the same facts (`corroboration`); and let the
answerability model decide whether to abstain and how confident to be
(`answerability`). Nothing here writes: the answerer reads the store and the index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from newsbot.index.answer import bm25
from newsbot.index.answer.answerability import AnswerabilityModel, Signals, features
from newsbot.index.answer.corroboration import Claim, corroborate
from newsbot.index.answer.encoder import CrossEncoder
from newsbot.index.answer.fitted import ModelError
from newsbot.index.answer.query import AnswerType, ParsedQuery, framing_terms, parse_query
from newsbot.index.answer.quotes import (
    Candidate,
    QuoteScorer,
    Window,
    candidate_windows,
    question_names,
    select_quotes,
)
from newsbot.index.answer.ranking import QuoteRanker
from newsbot.index.errors import QueryError
from newsbot.index.models import Answer, Article, Confidence, Quote, SearchHit, SearchResults
from newsbot.index.settings import AnswerSettings, Thresholds
from newsbot.index.store.articles import Store
from newsbot.index.store.retriever import Retriever
from newsbot.index.text.analysis import analyze, analyze_spans
from newsbot.index.text.dates import asks_for_latest, parse_date

# Collection names a question is answered within; None: every article.
Scope = frozenset[str] | None


class Answerer:
    """Answers and searches over one store and its index, with the given models."""

    def __init__(
        self,
        store: Store,
        retriever: Retriever,
        *,
        settings: AnswerSettings,
        model: AnswerabilityModel,
        ranker: QuoteRanker,
        encoder: Callable[[], CrossEncoder] | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        """`encoder` loads the cross-encoder (once, at the first question, so that a
        command that never answers never loads it); None: answer without it, which
        only models fitted without its scores can do (a ModelError otherwise). The
        models never change afterwards: tools that compare systems build an answerer
        for each (`Engine.with_system`)."""
        self.store = store
        self.retriever = retriever
        self.settings = settings
        self.today = today  # how old a source is, for stale answers
        needs = [what for what, m in (("model", model), ("ranker", ranker)) if m.uses_encoder]
        if needs and encoder is None:
            raise ModelError(
                f"the {' and '.join(needs)} read the cross-encoder's scores; without the "
                "encoder (NEWSBOT_ENCODER=off) newsbot answers with its lexical models"
            )
        self.model = model  # whether the first quote answers
        self.ranker = ranker  # which candidate quotes come first
        self.encoder = encoder  # how likely each candidate answers, read by a transformer

    @property
    def thresholds(self) -> Thresholds:
        """Where the confidence labels start: the model's calibrated thresholds, or
        the settings' where they set one."""
        return self.settings.thresholds(self.model.thresholds)

    def _candidates(
        self, weighted: dict[str, float], top_k: int, scope: Scope = None
    ) -> list[Candidate]:
        hits = self.retriever.run(weighted, top_k, scope)
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

    def answer(
        self, question: str, k: int = 3, *, context: str | None = None, scope: Scope = None
    ) -> Answer:
        """Up to k verbatim quotes that answer `question`, or an abstention.

        `context` is an earlier question of the same conversation (a Slack
        thread); its words help, at half weight. `scope` (collection names) keeps
        the articles in at least one of them: retrieval itself is filtered.
        """
        return self.answer_with_features(question, k, context=context, scope=scope)[0]

    def answer_with_features(
        self, question: str, k: int = 3, *, context: str | None = None, scope: Scope = None
    ) -> tuple[Answer, dict[str, float]]:
        """`answer()`, with the answerability model's inputs for its first quote
        (empty when nothing could be quoted): what the training script fits on,
        and what explains a confidence."""
        _check_k(k)
        scorer, candidates, ranked = self.ranked_windows(question, k, context=context, scope=scope)
        surface: dict[str, str] = {}
        for token in analyze_spans(question):
            surface.setdefault(token.term, question[token.start : token.end])
        quotes, windows = select_quotes(scorer, ranked, k, surface)
        coverage = windows[0].coverage if windows else 0.0
        quotes = self._corroborated(quotes, candidates, scorer)
        closest = _distinct_articles(candidates, 3)
        named = tuple(sorted(scope)) if scope else ()
        if not quotes:
            abstained = Answer(
                question, (), Confidence.NONE, 0.0, closest, coverage=coverage, scope=named
            )
            return abstained, {}
        best_relevance = max(w.relevance for w in ranked)
        values = self._features(scorer, quotes, windows, candidates, best_relevance)
        answerable = self.model.answerable.probability(values)
        evidence = self.model.answers.probability(values)
        confidence = self.thresholds.confidence(answerable, evidence)
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
            scope=named,
            collections=self._collections(kept) if len(named) > 1 else {},
        )
        return answer, values

    def _collections(self, quotes: Iterable[Quote]) -> dict[int, tuple[str, ...]]:
        """The collections of every article a source line names (quoted, also in,
        reported by)."""
        ids = {
            a.id
            for q in quotes
            for a in (q.article, *q.also_in, *(c.article for c in q.corroborated_by))
        }
        return self.store.collections_of(ids)

    def ranked_windows(
        self, question: str, k: int = 3, *, context: str | None = None, scope: Scope = None
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
        candidates = self._candidates(
            query.weighted, max(self.settings.answer_passages, k * 5), scope
        )
        scorer = self._scorer(query)
        if asks_for_latest(question):
            scorer.freshness = _freshness(c.article for c in candidates)
        pool = candidate_windows(scorer, candidates, max(self.settings.quote_pool, k))
        if self.encoder is not None and pool:
            texts = [w.candidate.passage.between(w.start, w.end) for w in pool]
            relevance = self.encoder().probabilities(question, texts)
            pool = [replace(w, relevance=r) for w, r in zip(pool, relevance, strict=True)]
        return scorer, candidates, self.ranker.rank(scorer, pool, candidates)

    def _features(
        self,
        scorer: QuoteScorer,
        quotes: list[Quote],
        windows: list[Window],
        candidates: list[Candidate],
        best_relevance: float,
    ) -> dict[str, float]:
        """The answerability model's inputs for the first quote (after corroboration's
        reordering); `best_relevance` is the encoder's highest for any candidate."""
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
            relevance_first=window.relevance,
            relevance_best=best_relevance,
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

    def passages(self, query_text: str, k: int = 10, scope: Scope = None) -> list[SearchHit]:
        """The top k passages by BM25 (several may come from one article)."""
        _check_k(k)
        query = parse_query(query_text)
        if not query.terms:
            raise QueryError("The query has no searchable words (only stopwords or punctuation).")
        return [
            SearchHit(c.article, c.retrieval_score, c.passage.text, c.passage.start, c.passage.end)
            for c in self._candidates(query.weighted, k, scope)
        ]

    def search(self, query_text: str, k: int = 5, scope: Scope = None) -> SearchResults:
        """Articles ranked by their best passage's BM25 score."""
        _check_k(k)
        hits: list[SearchHit] = []
        seen: set[int] = set()
        # Passages come in score order: the first one of an article is its best.
        for hit in self.passages(query_text, max(self.settings.search_passages, k * 5), scope):
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
