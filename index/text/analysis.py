"""Text analysis: the one place where text becomes index terms.

Ingest, the BM25 index, queries and quote highlighting all call `analyze` or
`analyze_spans`, so a word is always turned into the same term. Everything here
works offline: the stemmer is nltk's Snowball (pure code, no data files) and the
stopword list ships in `index/data/`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from nltk.stem.snowball import SnowballStemmer

# Order matters: dotted acronyms ("U.S.") before numbers before plain words.
_TOKEN_RE = re.compile(
    r"(?P<acronym>(?:[^\W\d_]\.){2,})"
    r"|(?P<number>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
)
_APOSTROPHES = "'’"
_STEMMER = SnowballStemmer("english")


class Token(NamedTuple):
    """An index term and where its word stands in the analysed text."""

    term: str
    start: int
    end: int


def fold(text: str) -> str:
    """Case-fold and strip diacritics, so "Türkiye" and "TURKIYE" are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _strip_apostrophes(word: str) -> str:
    for apostrophe in _APOSTROPHES:
        word = word.replace(apostrophe, "")
    return word


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list, folded the way words are."""
    raw = resources.files("newsbot.index").joinpath("data/stopwords_en.txt").read_text("utf-8")
    words = (line.strip() for line in raw.splitlines())
    return frozenset(_strip_apostrophes(fold(w)) for w in words if w and not w.startswith("#"))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of a folded word; cached because news vocabulary is Zipfian."""
    return _STEMMER.stem(word)


@lru_cache(maxsize=500_000)
def _term_for(kind: str, surface: str) -> str | None:
    """The index term for one token, or None when it carries no meaning."""
    if kind == "acronym":
        # "U.S." and "US" should meet: join the letters, never drop as a stopword.
        return fold(surface.replace(".", ""))
    if kind == "number":
        # "2,225" and "2225" are the same number; a decimal point is kept.
        return surface.replace(",", "")
    word = fold(surface)
    if word[-2:] in ("'s", "’s"):
        word = word[:-2]  # possessive: "Putin's" -> "putin"
    word = _strip_apostrophes(word)
    if not word:
        return None
    # An all-caps word ("US", "WHO", "IT") is an acronym, not a stopword.
    is_acronym = len(surface) >= 2 and surface.isupper()
    if not is_acronym and word in stopwords():
        return None
    if word.isdigit():
        return word
    return stem(word)


def analyze_spans(text: str) -> list[Token]:
    """Terms of `text` with the character span of the word each came from."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        term = _term_for(kind, match.group())
        if term:
            tokens.append(Token(term, match.start(), match.end()))
    return tokens


def analyze(text: str) -> list[str]:
    """Terms of `text`, in order, with repeats (BM25 needs term frequency).

    The same terms as `analyze_spans`, without building a Token per word: this
    runs over every passage at ingest.
    """
    terms: list[str] = []
    for acronym, number, word in _TOKEN_RE.findall(text):
        if word:
            term = _term_for("word", word)
        elif number:
            term = _term_for("number", number)
        else:
            term = _term_for("acronym", acronym)
        if term:
            terms.append(term)
    return terms


def encode_terms(sentence_terms: list[list[str]]) -> str:
    """Terms joined by spaces, sentences by newlines (terms never hold either): how
    a passage's terms are stored."""
    return "\n".join(" ".join(terms) for terms in sentence_terms)


def decode_terms(encoded: str) -> tuple[list[str], ...]:
    return tuple(line.split() for line in encoded.split("\n"))
