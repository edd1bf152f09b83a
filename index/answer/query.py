"""A question as the engine sees it: weighted terms, and what kind of answer it wants."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from newsbot.index.errors import QueryError
from newsbot.index.text.analysis import analyze
from newsbot.index.text.languages import function_words

MAX_QUERY_CHARS = 1000
# Words that frame a question rather than name its topic ("What did X *say*
# about...", "How did X *describe*..."). They still count, at this weight,
# so a sentence with "said" in it is not preferred for that alone.
FRAMING_WEIGHT = 0.3
_FRAMING_WORDS = (
    "say says said tell told speak spoke spoken describe described mention mentioned "
    "happen happened according think thought know call called explain explained report reported "
    "anybody anyone someone something thing things way kind possible give gave "
    "want wanted "
    # Asking for the newest state of things ("is it *still*...") is not a topic.
    "latest newest recent recently now currently current still today yet"
)


class AnswerType(StrEnum):
    """What a question asks for, read from its first words."""

    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    PLACE = "place"
    OTHER = "other"


_TYPE_RULES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\bhow (many|much|long|old|far|large|big|often)\b", re.I), AnswerType.NUMBER),
    (
        re.compile(r"\b(what|which) (percentage|number|amount|proportion)\b", re.I),
        AnswerType.NUMBER,
    ),
    (
        re.compile(r"^\s*when\b|\bwhat (year|date|day|month|time)\b|\bin which year\b", re.I),
        AnswerType.DATE,
    ),
    (
        re.compile(r"^\s*(who|whom|whose)\b|\bwhich (person|leader|president)\b", re.I),
        AnswerType.PERSON,
    ),
    (
        re.compile(r"^\s*where\b|\bwhich (city|country|place)\b|\bin what (city|country)\b", re.I),
        AnswerType.PLACE,
    ),
]


@dataclass(frozen=True)
class ParsedQuery:
    """Terms the user typed (`terms`, with repeat counts) and the expanded, weighted set."""

    text: str
    terms: dict[str, int]
    weighted: dict[str, float]
    # question term -> itself and its irregular forms ("fight" -> fight, fought): the
    # same word, so a match of any of them counts in full.
    groups: dict[str, frozenset[str]]
    answer_type: AnswerType
    # "How many countries ...": the counted thing's term, so "26 countries" can be found.
    counted: str | None = None
    # question term -> article terms that often answer it (a learned translation
    # table: "die" -> "death"). They help choose the sentence to quote, not the
    # passages: BM25 retrieval sees only the question's words and their forms.
    translated: dict[str, frozenset[str]] = field(default_factory=dict)
    # The function words (folded) of the question's language when it is not English
    # ("и", "на", "для"): terms like any other, but never highlighted as matches.
    function_words: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def irregular_forms() -> dict[str, frozenset[str]]:
    """Term -> the other terms of the same word, from WordNet's exception lists
    (`data/irregular_forms.txt`, built by training/irregular_forms.py): "fought" ->
    {"fight"}, "fight" -> {"fought"}. One step: each line is a base and its forms."""
    raw = resources.files("newsbot.index").joinpath("data/irregular_forms.txt").read_text("utf-8")
    forms: dict[str, set[str]] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = set(line.split())
        for term in group:
            forms.setdefault(term, set()).update(group - {term})
    return {term: frozenset(others) for term, others in forms.items()}


@lru_cache(maxsize=1)
def translation_table() -> dict[str, frozenset[str]]:
    """Question term -> article terms that answer it, from `data/translations.txt`
    (IBM Model 1 on SQuAD train's questions and answer sentences, built and pruned by
    training/translations.py; the probabilities there are kept for reading)."""
    raw = resources.files("newsbot.index").joinpath("data/translations.txt").read_text("utf-8")
    table: dict[str, frozenset[str]] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, *found = line.split()
        table[term] = frozenset(item.rsplit(":", 1)[0] for item in found)
    return table


_COUNTED = re.compile(r"\bhow many\s+(?:of the\s+|more\s+)?([^\W\d_][\w'’-]*)", re.IGNORECASE)


@lru_cache(maxsize=1)
def framing_terms() -> frozenset[str]:
    return frozenset(analyze(_FRAMING_WORDS))


def answer_type(question: str) -> AnswerType:
    for pattern, kind in _TYPE_RULES:
        if pattern.search(question):
            return kind
    return AnswerType.OTHER


CONTEXT_WEIGHT = 0.5
# A question with this many topic words of its own starts a new topic.
OWN_TOPIC_TERMS = 2
CONTEXT_WORDS = 40  # the most a conversation carries forward


def next_context(question: str, context: str | None) -> str:
    """What the next question of a conversation is read with, after `question` was
    answered with `context`: the question itself when it names a topic of its own
    (two topic words or more), else the question added to the topic it followed up,
    so that "and who said it?" asked twice still reads the first topic. The last 40
    words at most."""
    own = {term for term in analyze(question) if term not in framing_terms()}
    merged = question if len(own) >= OWN_TOPIC_TERMS or not context else f"{context} {question}"
    return " ".join(merged.split()[-CONTEXT_WORDS:])


def parse_query(text: str, *, context: str | None = None) -> ParsedQuery:
    """Analyse a question. Raises QueryError for empty or over-long input.

    `context` (an earlier question in the same conversation) adds its terms at
    CONTEXT_WEIGHT, so "And Italy?" after "Who will send troops?" means both.
    """
    if not text or not text.strip():
        raise QueryError('The question is empty. Ask something, e.g. newsbot ask "Who met whom?"')
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The question is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}."
        )
    terms = dict(Counter(analyze(text)))
    framing = framing_terms()
    weighted: dict[str, float] = {
        term: count * (FRAMING_WEIGHT if term in framing else 1.0) for term, count in terms.items()
    }
    if context:
        for term in analyze(context[:MAX_QUERY_CHARS]):
            if term not in terms:
                terms[term] = 1
                weighted[term] = CONTEXT_WEIGHT * (FRAMING_WEIGHT if term in framing else 1.0)
    groups: dict[str, frozenset[str]] = {}
    irregular = irregular_forms()
    table = translation_table()
    translated = {term: table[term] for term in terms if term in table}
    for term in terms:
        same_word = irregular.get(term, frozenset())
        for form in sorted(same_word):  # sorted: the clause order tantivy sums in
            weighted.setdefault(form, weighted[term])
        groups[term] = same_word | {term}
    counted_match = _COUNTED.search(text)
    counted_terms = analyze(counted_match.group(1)) if counted_match else []
    counted = counted_terms[0] if counted_terms else None
    return ParsedQuery(
        text,
        terms,
        weighted,
        groups,
        answer_type(text),
        counted,
        translated,
        function_words(text),
    )
