"""Typed results of the engine. Every surface (CLI, Slack, benchmarks) renders these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np

from newsbot.index.errors import IngestError


class Span(NamedTuple):
    """Character offsets [start, end) into the text that was split."""

    start: int
    end: int


@dataclass(frozen=True)
class PassageSpan:
    """A passage as offsets into the article text, with its sentences' offsets."""

    start: int
    end: int
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class PreparedArticle:
    """A cleaned, split, analysed article, ready to store and index: what the ingest
    stage hands the store."""

    origin: str
    headline: str
    outlet: str | None
    url: str | None
    published: str | None
    author: str | None
    text: str
    content_hash: str
    passages: list[PassageSpan]
    sentence_terms: list[list[list[str]]]  # per passage, per sentence: stored for quoting
    speakers: list[list[str | None]]  # per passage, per sentence: whose words, if anyone's
    title_terms: list[str]
    signature: np.ndarray | None  # MinHash, for near-duplicate detection


@dataclass(frozen=True)
class Article:
    """An article's metadata: what a source line shows. `origin` is its file path or URL."""

    id: int
    headline: str
    outlet: str | None
    url: str | None
    published: str | None
    origin: str | None
    author: str | None = None
    ingested_at: str | None = None
    passage_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "headline": self.headline,
            "outlet": self.outlet,
            "url": self.url,
            "published": self.published,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class StoredPassage:
    """A passage read back for ranking: its text, sentences and their analysed terms."""

    id: int
    article_id: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    sentence_terms: tuple[list[str], ...]  # each sentence's terms, stored at ingest
    speakers: tuple[str | None, ...] = ()  # each sentence's speaker (index.speakers)

    def between(self, start: int, end: int) -> str:
        """The article's text from `start` to `end`: article offsets inside this passage."""
        return self.text[start - self.start : end - self.start]


@dataclass(frozen=True)
class Corroboration:
    """A sentence of another article that states the quote's fact."""

    article: Article
    text: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article.to_json(),
            "quote": self.text,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Disagreement:
    """Sources stating the quote's fact give different numbers for `what`."""

    what: str
    values: tuple[tuple[str, tuple[Article, ...]], ...]  # (number as written, its articles)

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "values": [
                {"value": value, "articles": [a.to_json() for a in articles]}
                for value, articles in self.values
            ],
        }


@dataclass(frozen=True)
class Quote:
    """One or two whole sentences, verbatim: `text == article_text[start:end]`.

    `highlights` are spans inside `text` (relative to `start`) of the words that
    matched the question; `matched_terms` are those words as they appear.
    `also_in` lists other articles that carry a near-identical sentence.
    `speaker` is the person whose words the quote carries, None when nobody speaks.
    `corroborated_by` are sentences of other articles stating the same fact;
    `disagreements`, the numbers for it where those sources differ.
    """

    text: str
    start: int
    end: int
    score: float
    matched_terms: tuple[str, ...]
    article: Article
    highlights: tuple[tuple[int, int], ...] = ()
    also_in: tuple[Article, ...] = ()
    speaker: str | None = None  # whose words these are, when someone is speaking
    corroborated_by: tuple[Corroboration, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "quote": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "matched_terms": list(self.matched_terms),
            "article": self.article.to_json(),
            "also_in": [a.to_json() for a in self.also_in],
            "speaker": self.speaker,
            "corroborated_by": [c.to_json() for c in self.corroborated_by],
            "disagreements": [d.to_json() for d in self.disagreements],
        }


class Confidence(StrEnum):
    """How well the best quote covers the question; NONE means newsbot abstained."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


@dataclass(frozen=True)
class Answer:
    """The result of `Engine.answer`: quotes, or an abstention with the closest headlines.

    newsbot abstained exactly when the confidence is NONE; then there are no quotes.
    Both probabilities come from the fitted answerability model (index.answerability):
    `answerable`, that the articles hold an answer at all (newsbot abstains when it
    is low), and `evidence`, that the first quote is the answer (the confidence
    labels are ranges of it). `coverage` is the share of the question's weight the
    best quote covers.
    `stale_days` is set when even the newest dated source quoted is older than the
    engine's `stale_after_days`: how many days old it is (its date is its article's).
    `scope` names the collections the question was answered within (empty: every
    article); `collections`, each quoted article's, when the scope has several.
    """

    question: str
    quotes: tuple[Quote, ...]
    confidence: Confidence
    evidence: float
    closest: tuple[Article, ...] = ()
    stale_days: int | None = None
    coverage: float = 0.0
    answerable: float = 0.0
    scope: tuple[str, ...] = ()
    collections: Mapping[int, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if (self.confidence is Confidence.NONE) != (not self.quotes):
            raise ValueError("an answer has quotes exactly when its confidence is not NONE")

    @property
    def abstained(self) -> bool:
        return self.confidence is Confidence.NONE

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "confidence": self.confidence.value,
            "evidence": round(self.evidence, 4),
            "answerable": round(self.answerable, 4),
            "coverage": round(self.coverage, 4),
            "answers": [q.to_json() for q in self.quotes],
            "closest": [a.to_json() for a in self.closest],
            "stale_days": self.stale_days,
            "scope": list(self.scope),
            "collections": {str(k): list(v) for k, v in self.collections.items()},
        }


@dataclass(frozen=True)
class SearchHit:
    """One article ranked by `Engine.search`, with its best passage."""

    article: Article
    score: float
    passage: str
    passage_start: int
    passage_end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article.to_json(),
            "score": round(self.score, 4),
            "passage": self.passage,
            "start": self.passage_start,
            "end": self.passage_end,
        }


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[SearchHit, ...]

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "results": [h.to_json() for h in self.hits]}


class Status(StrEnum):
    """What happened to one ingested item. Every surface renders each one."""

    ADDED = "added"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near_duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one ingested item. `article_id` is set unless it failed."""

    origin: str
    status: Status
    article_id: int | None = None
    headline: str | None = None
    outlet: str | None = None
    passage_count: int = 0
    reason: str | None = None
    similarity: float | None = None

    @classmethod
    def failed(cls, error: IngestError) -> IngestOutcome:
        """The outcome of an item that could not be ingested: its origin and the reason."""
        return cls(error.origin, Status.FAILED, reason=error.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "status": self.status.value,
            "article_id": self.article_id,
            "headline": self.headline,
            "outlet": self.outlet,
            "passages": self.passage_count,
            "reason": self.reason,
            "similarity": None if self.similarity is None else round(self.similarity, 3),
        }


@dataclass(frozen=True)
class ArticleDraft:
    """An article as read from a file, stdin or a page, before cleaning and storing.

    Metadata given here (from a manifest or HTML meta tags) wins over what the
    cleaner guesses from the text.
    """

    text: str
    origin: str
    headline: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None
    first_line_headline: bool = True


@dataclass(frozen=True)
class Gap:
    """Questions nobody could answer, grouped by wording: the newest wording, how often
    such a question was asked (`asked`), how many of those were answers readers marked
    wrong (`marked_wrong`), when last, other wordings, and the closest articles."""

    question: str
    asked: int
    marked_wrong: int
    last_asked: str
    wordings: tuple[str, ...]
    closest: tuple[Article, ...]
    surfaces: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "asked": self.asked,
            "marked_wrong": self.marked_wrong,
            "last_asked": self.last_asked,
            "wordings": list(self.wordings),
            "closest": [a.to_json() for a in self.closest],
            "surfaces": list(self.surfaces),
        }


@dataclass(frozen=True)
class Feedback:
    """One reader's vote (+1 or -1) on an answer as it was shown: the question, the
    quotes as (article id, start, end), the confidence, who voted, where and when."""

    answer_id: str
    user: str
    vote: int
    voted_at: str
    question: str
    quotes: tuple[tuple[int, int, int], ...]
    confidence: str
    evidence: float
    surface: str | None
    channel: str | None
    shown_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "answer_id": self.answer_id,
            "vote": self.vote,
            "question": self.question,
            "quotes": [{"article_id": a, "start": s, "end": e} for a, s, e in self.quotes],
            "confidence": self.confidence,
            "evidence": round(self.evidence, 4),
            "user": self.user,
            "surface": self.surface,
            "channel": self.channel,
            "shown_at": self.shown_at,
            "voted_at": self.voted_at,
        }
