"""The answer knobs, as one small frozen object handed to `Engine` (as httpx's `Timeout`).

Nothing reads or mutates module constants: a benchmark that sweeps the
abstention threshold builds an `AnswerSettings(abstain_below=...)` and an
engine with it. The defaults are the tuned values (see the README, "Answer
quality", for how each was chosen and measured).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from newsbot.index.models import Confidence


@dataclass(frozen=True)
class Thresholds:
    """Where the confidence labels start: abstain when the probability that the
    articles hold an answer is below `abstain_below`; otherwise "high" or "medium"
    from these lower bounds on the probability that the first quote is the answer,
    else "low". Each answerability model carries the values its training script
    calibrated (`AnswerabilityModel.thresholds`)."""

    abstain_below: float
    medium_confidence: float
    high_confidence: float

    def __post_init__(self) -> None:
        for name in ("abstain_below", "medium_confidence", "high_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
        if self.medium_confidence > self.high_confidence:
            raise ValueError("medium_confidence must not exceed high_confidence")

    def confidence(self, answerable: float, evidence: float) -> Confidence:
        """The label for an answer's two probabilities: NONE (abstain) when the articles
        probably hold no answer, else how likely the first quote is the answer."""
        if answerable < self.abstain_below:
            return Confidence.NONE
        if evidence >= self.high_confidence:
            return Confidence.HIGH
        if evidence >= self.medium_confidence:
            return Confidence.MEDIUM
        return Confidence.LOW


@dataclass(frozen=True)
class AnswerSettings:
    """How `Engine.answer` ranks, quotes and abstains. Validated on construction."""

    # Read the candidate quotes with the fine-tuned cross-encoder (index.answer.encoder)
    # and answer with the models fitted on its scores; False: the lexical models alone
    # (NEWSBOT_ENCODER=off), for the smallest installs and to measure the difference.
    encoder: bool = True
    # The confidence thresholds (see `Thresholds`); None: the ones the answerability
    # model's training script calibrated, which is what a label means. Set one to
    # sweep it in a benchmark, or to be stricter than calibrated.
    abstain_below: float | None = None
    medium_confidence: float | None = None
    high_confidence: float | None = None
    # Passages whose sentences answer() scores: enough for k quotes from different
    # articles; every one more costs time at each question.
    answer_passages: int = 15
    # Passages search() ranks to find k distinct articles.
    search_passages: int = 30
    # The headline field's weight against the passage body in BM25.
    title_boost: float = 0.3
    # A learned translation's match ("die" -> "death", index/data/translations.txt)
    # is worth this share of the question word's own.
    translation_credit: float = 0.5
    # A question word that no article contains at all weighs this much more:
    # the articles cannot be about it.
    unseen_factor: float = 2.0
    # Parts of a quote's score beside its coverage (which is in [0, 1]).
    passage_weight: float = 0.25
    type_bonus: float = 0.15
    proximity_weight: float = 0.1
    # "What did Putin say about ...": a quote in Putin's words gets this much more
    # (times its coverage), one that only mentions him does not.
    speaker_bonus: float = 0.3
    # Each other article stating a quote's fact (up to three) makes its ranker
    # probability count this share more when the quotes are put in order.
    corroboration_weight: float = 0.05
    # "What is the latest ...": among quotes that answer about as well, the newer
    # article's gets up to this much more (times its coverage): as much as the
    # passage's BM25 share, which headline and length move more than news does.
    recency_weight: float = 0.25
    # An answer whose newest dated source is older than this says how old it is.
    stale_after_days: int = 180
    # A two-sentence quote must add this much coverage over its better sentence.
    pair_min_gain: float = 0.15
    # A passage none of whose windows could reach this share of the best first-stage
    # score is not read for candidates (a bound, to save time).
    relative_floor: float = 0.6
    # The first-stage windows the learned ranker chooses among (index.ranking): a
    # ranker over the best 30 put the answer among three quotes no more often.
    quote_pool: int = 10
    # A later quote's ranker probability must be this share of the first's...
    probability_floor: float = 0.02
    # ...and a quote from another article is preferred to a second one from the
    # same article while its probability is this share of the first's.
    diversity_floor: float = 0.1
    # Windows kept per passage: the answer is sometimes its second-best sentence.
    windows_per_passage: int = 2
    # Quotes whose term sets overlap this much are merged (`also_in`).
    duplicate_jaccard: float = 0.7

    def thresholds(self, calibrated: Thresholds) -> Thresholds:
        """The model's `calibrated` thresholds, with the ones set here instead."""
        return replace(
            calibrated,
            **{
                f.name: mine
                for f in fields(Thresholds)
                if (mine := getattr(self, f.name)) is not None
            },
        )

    def __post_init__(self) -> None:
        medium, high = self.medium_confidence, self.high_confidence
        if medium is not None and high is not None and medium > high:
            raise ValueError("medium_confidence must not exceed high_confidence")
        shares = (
            # None: the model's own (see `Thresholds`).
            "abstain_below",
            "medium_confidence",
            "high_confidence",
            "translation_credit",
            "pair_min_gain",
            "relative_floor",
            "probability_floor",
            "diversity_floor",
            "duplicate_jaccard",
        )
        for name in shares:
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
        for name in ("answer_passages", "search_passages", "windows_per_passage", "quote_pool"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for f in fields(self):
            if f.name not in shares and getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must not be negative")
        if self.unseen_factor < 1.0:
            raise ValueError("unseen_factor must be at least 1")
