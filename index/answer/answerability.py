"""How likely the first quote answers the question: features, and the fitted model.

`answer()` abstains, and labels its confidence, from two probabilities given by
logistic regressions fitted on SQuAD v1.1 train (`training/answerability.py`):
that the articles hold an answer at all, and that its first quote is it. The
features are chosen to keep their meaning from five articles to a million
passages: shares of the question's own IDF weight, BM25 divided by the most the
question could score, ranks and margins; never a raw BM25 score, which grows
with the corpus.

The model is a small JSON file in `index/data/` (coefficients, the standardisation,
the data and commit it was fitted on); answering needs nothing beyond the standard
library to read it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from newsbot.index.answer import bm25
from newsbot.index.answer.fitted import (
    ModelError,
    Standardised,
    known_features,
    packaged,
    read,
    reading,
    require_features,
)
from newsbot.index.answer.quotes import pair_share, word_pairs
from newsbot.index.settings import Thresholds

# The order is the model file's: a model fitted on other features is refused.
FEATURES = (
    "coverage",  # share of the question's IDF weight the first quote covers
    "score",  # the first quote's rank score (coverage and its bonuses)
    "missed_max",  # the largest share of one question word the quote lacks
    "unseen_share",  # share of the question's weight in words no article holds
    "matched_share",  # question words matched, of all question words (unweighted)
    "question_terms",  # log(1 + number of question words)
    "bm25_share",  # the best passage's BM25 over the most the question could score
    "margin",  # how far the best passage leads the best one of another article
    "typed_question",  # the question asks for a number, a date, a person or a place
    "typed_quote",  # ...and the first quote holds one
    "headline_share",  # share of the question's weight in the quote's headline
    "quote_rank",  # 1 / (1 + rank of the quote's passage in retrieval)
    "runner_up",  # the second quote's score over the first's (0 without one)
    "bigram_share",  # the question's neighbouring word pairs found side by side in the quote
    "matched_rarity",  # the rarest matched word's IDF over the rarest possible IDF
    "missed_rarity",  # the same for the rarest question word the quote lacks
    "matched_count",  # log(1 + question words matched)
    "names_missed",  # share of the names the question holds that the quote's passage lacks
    "passage_coverage",  # share of the question's weight the quote's whole passage covers
)
# The encoder system's model (index.answer.encoder) reads these too.
ENCODER_FEATURES = (
    *FEATURES,
    "relevance_first",  # the cross-encoder's probability that the first quote answers
    "relevance_best",  # the highest it gives any candidate window
)
FEATURE_SETS = (FEATURES, ENCODER_FEATURES)


@dataclass(frozen=True)
class Signals:
    """What the answerability features are computed from, gathered by the engine."""

    coverage: float
    score: float
    matched: frozenset[str]  # question terms the first quote covers
    weights: Mapping[str, float]  # question term -> its IDF share weight (unnormalised)
    total: float  # the question's whole weight (unseen words counted more)
    unseen: frozenset[str]  # question terms no article holds
    unseen_factor: float
    idf: Mapping[str, float]  # question term -> plain IDF
    query_weights: Mapping[str, float]  # question term -> its query weight
    best_retrieval: float
    other_article_retrieval: float  # best passage score of another article, 0 if none
    typed_question: bool
    typed_quote: bool
    headline_terms: frozenset[str]
    quote_rank: int
    runner_up: float
    question_sequence: tuple[str, ...]  # the question's terms in order
    quote_sequence: tuple[str, ...]  # the first quote's terms in order
    max_idf: float  # the IDF of a term in one passage of the corpus
    question_names: frozenset[str] = frozenset()  # terms of the names the question holds
    passage_terms: frozenset[str] = frozenset()  # every term of the quote's passage
    passage_coverage: float = 0.0
    relevance_first: float = 0.0  # the cross-encoder's probabilities (0 without it)
    relevance_best: float = 0.0


def features(s: Signals) -> dict[str, float]:
    """The models' inputs (`ENCODER_FEATURES`: a model reads its own), each bounded
    and independent of the corpus's size."""
    total = s.total or 1.0
    share = {
        t: w * (s.unseen_factor if t in s.unseen else 1.0) / total for t, w in s.weights.items()
    }
    missed = [v for t, v in share.items() if t not in s.matched]
    most = sum(
        s.idf.get(t, 0.0) * min(w, 1.0) * (bm25.K1 + 1.0) for t, w in s.query_weights.items()
    )
    best = s.best_retrieval
    rarity = {t: min(s.idf.get(t, 0.0) / s.max_idf, 1.0) if s.max_idf > 0 else 0.0 for t in share}
    for t in s.unseen:
        rarity[t] = 1.0
    return {
        "coverage": s.coverage,
        "score": s.score,
        "missed_max": max(missed, default=0.0),
        "unseen_share": sum(share[t] for t in s.unseen if t in share),
        "matched_share": len(s.matched) / len(s.weights) if s.weights else 0.0,
        "question_terms": math.log1p(len(s.weights)),
        "bm25_share": min(best / most, 2.0) if most > 0 else 0.0,
        "margin": 1.0 - s.other_article_retrieval / best if best > 0 else 0.0,
        "typed_question": float(s.typed_question),
        "typed_quote": float(s.typed_question and s.typed_quote),
        "headline_share": sum(v for t, v in share.items() if t in s.headline_terms),
        "quote_rank": 1.0 / (1.0 + s.quote_rank),
        "runner_up": s.runner_up,
        "bigram_share": pair_share(word_pairs(s.question_sequence), s.quote_sequence),
        "matched_rarity": max((rarity[t] for t in s.matched if t in rarity), default=0.0),
        "missed_rarity": max((r for t, r in rarity.items() if t not in s.matched), default=0.0),
        "matched_count": math.log1p(len(s.matched)),
        "names_missed": (
            len(s.question_names - s.passage_terms) / len(s.question_names)
            if s.question_names
            else 0.0
        ),
        "passage_coverage": s.passage_coverage,
        "relevance_first": s.relevance_first,
        "relevance_best": s.relevance_best,
    }


@dataclass(frozen=True)
class Logistic(Standardised):
    """One logistic regression over standardised `FEATURES` (or `ENCODER_FEATURES`)."""

    intercept: float
    features: tuple[str, ...] = FEATURES

    def __post_init__(self) -> None:
        super().__post_init__()
        self.require(known_features(self.features, FEATURE_SETS, "answerability model"))
        if not math.isfinite(self.intercept):
            raise ModelError("the model holds a number that is not finite")

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept + self.utility([values[name] for name in self.features])
        # The logistic function, without overflow for large |z|.
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @classmethod
    def neutral(cls) -> Logistic:
        """0.5 for every input."""
        n = len(FEATURES)
        return cls((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0)

    def to_json(self) -> dict[str, Any]:
        return {**self.weights_json(), "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], features: tuple[str, ...] = FEATURES) -> Logistic:
        return cls(
            **Standardised.weights_from(data),
            intercept=float(data["intercept"]),
            features=features,
        )


@dataclass(frozen=True)
class AnswerabilityModel:
    """Two regressions over the same features.

    `answerable`: the probability that the articles hold the answer at all (fitted
    on questions whose article is, or is not, in the database); newsbot abstains
    below `thresholds.abstain_below`. `answers`: the probability that the first
    quote holds the answer; the confidence labels are its ranges, and it is
    `Answer.evidence`. One model for both would spend the false-abstention budget on
    answerable questions whose first quote misses, which the user still wants to see.
    """

    answerable: Logistic
    answers: Logistic
    about: Mapping[str, Any]  # what it was fitted on, by which script at which commit

    def __post_init__(self) -> None:
        if self.answerable.features != self.answers.features:
            raise ModelError("both regressions of an answerability model read the same features")
        # Malformed thresholds are refused when the file is read, not at the first answer.
        _ = self.thresholds

    @property
    def features(self) -> tuple[str, ...]:
        return self.answerable.features

    @property
    def uses_encoder(self) -> bool:
        """Whether it reads the cross-encoder's scores (and so needs the encoder)."""
        return self.features == ENCODER_FEATURES

    @cached_property  # read at every answer: parsed once, when the model is made
    def thresholds(self) -> Thresholds:
        """The thresholds its training script calibrated (`about["thresholds"]`); an
        unfitted model's abstain below 0.5 and call nothing likely."""
        found = self.about.get("thresholds")
        if not found:
            return Thresholds(0.5, 1.0, 1.0)
        with reading("answerability model's thresholds"):
            return Thresholds(
                float(found["abstain_below"]),
                float(found["medium_confidence"]),
                float(found["high_confidence"]),
            )

    @classmethod
    def neutral(cls) -> AnswerabilityModel:
        """Every answer 0.5: for collecting features before any model is fitted."""
        return cls(Logistic.neutral(), Logistic.neutral(), {"fitted_on": "nothing"})

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "answerable": self.answerable.to_json(),
            "answers": self.answers.to_json(),
            "about": dict(self.about),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerabilityModel:
        with reading("answerability model"):
            features = require_features(data, FEATURE_SETS, "answerability model")
            return cls(
                Logistic.from_json(data["answerable"], features),
                Logistic.from_json(data["answers"], features),
                dict(data.get("about", {})),
            )

    @classmethod
    def load(cls, path: Path) -> AnswerabilityModel:
        return cls.from_json(read(path, "answerability model"))


@lru_cache(maxsize=2)
def shipped_model(*, encoder: bool = False) -> AnswerabilityModel:
    """The model in the package: `index/data/answerability.json`, or with the
    encoder's scores `answerability_encoder.json`."""
    return AnswerabilityModel.from_json(
        packaged("answerability_encoder.json" if encoder else "answerability.json")
    )
