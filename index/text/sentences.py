"""Sentence splitting with nltk's Punkt, offline, with parameters we set ourselves.

Punkt normally learns its abbreviations from a trained model that
`nltk.download()` would fetch. We never download: the abbreviations news copy
uses ("U.S.", "Dr.", "Sept.", "p.m.", initials) are given here instead.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from newsbot.index.models import Span

# Lower-case, without the final period, as Punkt stores them.
_ABBREVIATIONS = frozenset(
    """
    u.s u.k u.n e.u u.s.a d.c u.a.e n.y l.a ph.d e.g i.e a.m p.m vs etc
    mr mrs ms dr prof sen rep gov gen col lt capt cmdr sgt cpl adm maj pvt
    st mt ft ave blvd rd dept univ inc corp co ltd llc jr sr no nos vol fig
    rev hon pres supt insp det est approx
    jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
) | frozenset(string.ascii_lowercase)  # initials: "J. K. Rowling"

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


_DECISIONS_KEPT = 50_000  # about 5 MB of contexts
# A plain word before a candidate break: letters only, at least two.
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]+(?=[.?!])")


class _RememberingPunkt(PunktSentenceTokenizer):
    """Punkt that remembers its decision for each candidate break's context
    ("said. The", "U.S. President"): with fixed parameters the decision depends
    on those few characters only.

    A plain word before the break ("said", "Monday": letters only, not an
    abbreviation) is decided by the same rules whatever the word: Punkt reads
    such a word only to ask whether it is an abbreviation, an initial or a
    number (we give it no collocations, sentence starters or orthographic
    statistics). So those contexts are remembered by the word's case and what
    follows the break. Measured over BBC, NewsQA, SQuAD and the speed corpus:
    the same spans as Punkt (tests/index/text/test_sentences.py checks a sample), in
    less time.
    """

    def __init__(self, params: PunktParameters) -> None:
        super().__init__(params)
        self._decisions: dict[str | tuple[bool, str], bool] = {}

    def text_contains_sentbreak(self, text: str) -> bool:
        key: str | tuple[bool, str] = text
        plain = _PLAIN_WORD.match(text)
        if plain is not None and plain.group().lower() not in self._params.abbrev_types:
            key = (text[0].isupper(), text[plain.end() :])
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= _DECISIONS_KEPT:
                self._decisions.clear()
            decision = self._decisions[key] = super().text_contains_sentbreak(text)
        return decision


@lru_cache(maxsize=1)
def _tokenizer() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(_ABBREVIATIONS)
    return _RememberingPunkt(params)


def paragraph_spans(text: str) -> list[Span]:
    """Spans of the paragraphs of `text` (separated by blank lines), stripped."""
    spans: list[Span] = []
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        if chunk.strip():
            left = start + (len(chunk) - len(chunk.lstrip()))
            spans.append(Span(left, start + len(chunk.rstrip())))
        if match:
            start = match.end()
    return spans


def split_sentences(text: str) -> list[Span]:
    """Sentence spans; a paragraph break always ends a sentence."""
    tokenizer = _tokenizer()
    spans: list[Span] = []
    for para in paragraph_spans(text):
        for start, end in tokenizer.span_tokenize(text[para.start : para.end]):
            spans.append(Span(para.start + start, para.start + end))
    return spans
