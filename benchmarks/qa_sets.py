"""Question sets with known answers, read from ../shared/data, and one way to ask them.

Used by `benchmarks/quality.py` (to report) and `training/answerability.py` (to
fit). Nothing here is copied into the repo: each loader reads the file where
its SOURCE.md says it is.

A question is "present" when its article is in the database and "absent" when it
is not (the way unanswerable questions are made here: ask about a story newsbot
does not have). A first quote is right when it contains one of the answer texts.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index import Answer, AnswerSettings, Confidence, Engine, QueryError
from newsbot.index.models import ArticleDraft

# Settings that never abstain: every question gets its first quote, to be judged
# afterwards (by the quality benchmark's rules, or as a training label).
NEVER_ABSTAIN = AnswerSettings(abstain_below=0.0, medium_confidence=0.0, high_confidence=0.0)


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]
    start: int = -1  # where the answer's paragraph starts in the article (-1: unknown)
    end: int = -1


@dataclass(frozen=True)
class QAArticle:
    key: str  # unique within its set
    headline: str
    text: str
    questions: tuple[Question, ...] = field(default=())

    def draft(self, prefix: str) -> ArticleDraft:
        return ArticleDraft(
            text=self.text,
            origin=f"{prefix}:{self.key}",
            headline=self.headline,
            first_line_headline=False,
        )


def squad_file(path: Path) -> list[QAArticle]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)["data"]
    articles = []
    for article in data:
        parts: list[str] = []
        questions: list[Question] = []
        cursor = 0
        for paragraph in article["paragraphs"]:
            # Whitespace runs collapsed: the ingest would do the same.
            context = " ".join(paragraph["context"].split())
            for qa in paragraph["qas"]:
                answers = tuple(sorted({a["text"] for a in qa["answers"]}))
                questions.append(Question(qa["question"], answers, cursor, cursor + len(context)))
            parts.append(context)
            cursor += len(context) + 2
        title = article["title"]
        articles.append(
            QAArticle(title, title.replace("_", " "), "\n\n".join(parts), tuple(questions))
        )
    return articles


def squad_dev(data: Path) -> list[QAArticle]:
    """SQuAD v1.1 dev: 48 Wikipedia articles, 10,570 questions."""
    return squad_file(data / "squad-v1.1" / "dev-v1.1.json.gz")


def squad_train(data: Path) -> list[QAArticle]:
    """SQuAD v1.1 train (rebuilt from the SQuAD explorer): 442 articles, 87,599 questions."""
    return squad_file(data / "squad-v1.1-train" / "train-v1.1.rebuilt-from-explorer.json.gz")


def newsqa_dev_a(data: Path) -> list[QAArticle]:
    """NewsQA dev, half A (MRQA): 319 CNN stories, 2,129 questions. A story has no
    headline in this file: its first line stands in for one."""
    path = data / "newsqa-dev-a" / "NewsQA-dev-a.jsonl.gz"
    articles = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f):
            row = json.loads(line)
            if "header" in row:
                continue
            # MRQA separates paragraphs by runs of newlines; keep one blank line.
            paragraphs = [" ".join(p.split()) for p in row["context"].split("\n")]
            text = "\n\n".join(p for p in paragraphs if p)
            questions = tuple(
                Question(qa["question"], tuple(sorted(set(qa["answers"])))) for qa in row["qas"]
            )
            first = text.split("\n\n", 1)[0]
            headline = first[:120]
            articles.append(QAArticle(f"story-{number:04d}", headline, text, questions))
    return articles


def story_part(key: str) -> str:
    """Which of three parts of NewsQA dev A a story is in, by its key: "held_apart"
    (reported on, never fitted on), "encoder" (the cross-encoder fine-tunes on it,
    training/encoder.py) or "development" (what the encoder system's fitted models
    and thresholds are tuned on)."""
    return ("held_apart", "encoder", "development")[hashlib.sha256(key.encode()).digest()[0] % 3]


def held_apart_story(key: str) -> bool:
    """The third of NewsQA dev A's stories nothing is fitted on (see `story_part`)."""
    return story_part(key) == "held_apart"


@dataclass(frozen=True)
class Asked:
    """One question asked: the answer, the answerability inputs, and whether it was right."""

    question: Question
    present: bool
    answer: Answer
    features: dict[str, float]

    @property
    def right_at_1(self) -> bool:
        return self.present and _holds(self, 1)

    @property
    def right_at_3(self) -> bool:
        return self.present and _holds(self, 3)


def _holds(asked: Asked, k: int) -> bool:
    quotes = [q.text.casefold() for q in asked.answer.quotes[:k]]
    return any(a.casefold() in q for q in quotes for a in asked.question.answers)


def ask(engine: Engine, question: Question, *, present: bool) -> Asked:
    """Ask one question; one with no searchable words ("What is it?") is an abstention,
    as every surface reports it."""
    try:
        answer, values = engine.answer_with_features(question.text, k=3)
    except QueryError:
        answer, values = Answer(question.text, (), Confidence.NONE, 0.0), {}
    return Asked(question, present, answer, values)
