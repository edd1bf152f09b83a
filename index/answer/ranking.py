"""The learned quote ranker: which of the best candidate windows answers the question.

`QuoteScorer` gives every candidate sentence (or pair) a first score from hand-set
parts. The ten best windows then go to this ranker: a conditional logit (a softmax
over one question's candidates) over the features below, fitted on SQuAD v1.1 train
by `training/quote_ranker.py`. Its output for a window is the probability that this
window, of the question's candidates, is the one holding the answer; quotes are
chosen and ordered by it, and `Quote.score` is it.

Like the answerability model, every feature keeps its meaning from five articles to
a million passages: ranks, shares of the question's own weight, BM25 over the best
passage's; never a raw BM25 score. The model is a small JSON file in `index/data/`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsbot.index.answer.fitted import (
    Standardised,
    known_features,
    packaged,
    read,
    reading,
    require_features,
)
from newsbot.index.answer.query import AnswerType
from newsbot.index.answer.quotes import Candidate, QuoteScorer, Window, pair_share

# The order is the model file's: a model fitted on other features is refused.
FEATURES = (
    "coverage",  # share of the question's IDF weight the window covers
    "score",  # the first-stage score (coverage and its hand-set bonuses)
    "relative",  # that score over the best window's
    "rank",  # 1 / (1 + the window's rank by that score)
    "typed",  # the question asks for a number, date, person or place, and the window has one
    "retrieval",  # its passage's BM25 over the best passage's
    "passage_rank",  # 1 / (1 + its passage's rank in retrieval)
    "lead",  # exp(-offset / 1000): how near the article's start it stands
    "bigram",  # the question's neighbouring word pairs found side by side in it
    "length",  # log(1 + its terms)
    "novel",  # log(1 + its terms that are not the question's): where an answer can be
    "article_rank",  # 1 / (1 + its article's rank among the windows' articles)
)
# The encoder system's ranker (index.answer.encoder) reads these too.
ENCODER_FEATURES = (
    *FEATURES,
    "relevance",  # the cross-encoder's probability that the window answers
    "relevance_rank",  # 1 / (1 + the window's rank by that probability)
    "relevance_relative",  # that probability over the best window's
)
FEATURE_SETS = (FEATURES, ENCODER_FEATURES)

# Offsets are in characters: 1,000 is about the first two paragraphs of a news story,
# where the inverted pyramid puts what a story is about.
_LEAD_SCALE = 1000.0


def window_features(
    scorer: QuoteScorer, windows: Sequence[Window], candidates: Sequence[Candidate]
) -> list[list[float]]:
    """Each window's features, in `ENCODER_FEATURES` order (a ranker reads its own).
    `windows` come best first by first-stage score (as `candidate_windows` gives
    them, and as the ranker was fitted); `candidates` are the retrieved passages,
    best first. Without the encoder every window's relevance is 0."""
    if not windows:
        return []
    relevance = [w.relevance for w in windows]
    most_relevant = max(relevance)
    by_relevance = sorted(range(len(windows)), key=lambda i: (-relevance[i], i))
    relevance_rank = {i: rank for rank, i in enumerate(by_relevance)}
    top = windows[0].score
    best_passage = max(c.retrieval_score for c in candidates)
    passage_ranks = {c.passage.id: i for i, c in enumerate(candidates)}
    articles: dict[int, int] = {}
    pairs = scorer.question_pairs
    stands_for = scorer.stands_for
    typed_question = scorer.query.answer_type is not AnswerType.OTHER
    rows = []
    for i, window in enumerate(windows):
        terms = window.sequence
        articles.setdefault(window.candidate.article.id, len(articles))
        novel = sum(1 for t in terms if t not in stands_for)
        rows.append(
            [
                window.coverage,
                window.score,
                window.score / top if top > 0 else 0.0,
                1.0 / (1.0 + i),
                float(typed_question and window.typed),
                window.candidate.retrieval_score / best_passage if best_passage > 0 else 0.0,
                1.0 / (1.0 + passage_ranks.get(window.candidate.passage.id, len(passage_ranks))),
                math.exp(-window.start / _LEAD_SCALE),
                pair_share(pairs, terms),
                math.log1p(len(terms)),
                math.log1p(novel),
                1.0 / (1.0 + articles[window.candidate.article.id]),
                window.relevance,
                1.0 / (1.0 + relevance_rank[i]),
                window.relevance / most_relevant if most_relevant > 0 else 0.0,
            ]
        )
    return rows


@dataclass(frozen=True)
class QuoteRanker(Standardised):
    """A conditional logit over standardised features (`FEATURES`, or
    `ENCODER_FEATURES` for the encoder system's): a window's probability is
    exp(its utility) over the sum for all the question's candidates."""

    about: Mapping[str, Any]  # what it was fitted on, by which script at which commit
    features: tuple[str, ...] = FEATURES

    def __post_init__(self) -> None:
        super().__post_init__()
        self.require(known_features(self.features, FEATURE_SETS, "quote ranker"))

    @property
    def uses_encoder(self) -> bool:
        """Whether it reads the cross-encoder's scores (and so needs the encoder)."""
        return self.features == ENCODER_FEATURES

    def rank(
        self, scorer: QuoteScorer, windows: Sequence[Window], candidates: Sequence[Candidate]
    ) -> list[Window]:
        """The windows with their `probability` set (in the order given)."""
        found = self.probabilities(window_features(scorer, windows, candidates))
        return [replace(w, probability=p) for w, p in zip(windows, found, strict=True)]

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Each candidate's share of the question's probability mass (they sum to 1).
        `rows` are `window_features`' (every feature; this ranker reads its own)."""
        if not rows:
            return []
        width = len(self.features)  # its features are the first of every row
        utilities = [self.utility(row[:width]) for row in rows]
        most = max(utilities)  # subtracted, so exp never overflows
        weights = [math.exp(u - most) for u in utilities]
        total = sum(weights)
        return [w / total for w in weights]

    @classmethod
    def first_stage(cls) -> QuoteRanker:
        """Ranks by the first-stage score alone: for collecting training data, and for
        tests that pin the hand-set order."""
        n = len(FEATURES)
        coefficients = tuple(1.0 if name == "score" else 0.0 for name in FEATURES)
        return cls((0.0,) * n, (1.0,) * n, coefficients, {"fitted_on": "nothing"})

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), **self.weights_json(), "about": dict(self.about)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuoteRanker:
        with reading("quote ranker"):
            features = require_features(data, FEATURE_SETS, "quote ranker")
            return cls(
                **Standardised.weights_from(data),
                about=dict(data.get("about", {})),
                features=features,
            )

    @classmethod
    def load(cls, path: Path) -> QuoteRanker:
        return cls.from_json(read(path, "quote ranker"))


@lru_cache(maxsize=2)
def shipped_ranker(*, encoder: bool = False) -> QuoteRanker:
    """The ranker in the package: `index/data/quote_ranker.json`, or with the
    encoder's scores `quote_ranker_encoder.json`."""
    return QuoteRanker.from_json(
        packaged("quote_ranker_encoder.json" if encoder else "quote_ranker.json")
    )
