"""A question's function words, in its own language, so they are never shown as matches.

English function words never become index terms (analysis.py drops them). A
question in another language keeps its "и", "на", "для" as terms, and they
match nearly every sentence in that language: highlighting them in bold tells
the reader nothing. The question's language is the one whose function words
it holds most of, among the languages nltk's Snowball stemmer covers; the lists
come from the `stop-words` package (python-stop-words, BSD-3-Clause), read
from the files it installs, never from the network.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stop_words import get_stop_words

from newsbot.index.text.analysis import fold, stopwords

# Snowball's languages besides English (whose list ships in index/data/), by the
# names `stop-words` files them under.
LANGUAGES = (
    "arabic",
    "danish",
    "dutch",
    "finnish",
    "french",
    "german",
    "hungarian",
    "italian",
    "norwegian",
    "portuguese",
    "romanian",
    "russian",
    "spanish",
    "swedish",
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    """Each language's function words, folded the way words are."""
    return {lang: frozenset(fold(w) for w in get_stop_words(lang)) for lang in LANGUAGES}


def function_words(question: str) -> frozenset[str]:
    """The function words (folded) of the language `question` is written in, when that
    is not English; empty for English, whose function words are no terms at all.

    The language is the one whose function words the question holds most of; a tie
    with English, or no function word of any list, reads as English."""
    words = [fold(w) for w in _WORD.findall(question)]
    if not words:
        return frozenset()
    english = sum(w in stopwords() for w in words)
    best, hits = "", english
    for language, listed in _function_words().items():
        found = sum(w in listed for w in words)
        if found > hits:
            best, hits = language, found
    return _function_words()[best] if best else frozenset()
