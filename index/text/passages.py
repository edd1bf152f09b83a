"""Group sentences into passages: the unit BM25 ranks.

A passage is a run of whole sentences, normally one paragraph. Long paragraphs
are cut at sentence boundaries; short ones (a subhead, a one-line paragraph)
are merged with the next so that BM25's length normalisation sees comparable
units.
"""

from __future__ import annotations

from newsbot.index.models import PassageSpan, Span
from newsbot.index.text.sentences import paragraph_spans, split_sentences

MIN_WORDS = 40
MAX_WORDS = 150


def _words(text: str, span: Span) -> int:
    return len(text[span.start : span.end].split())


def _paragraph_units(text: str, sentences: list[Span]) -> list[list[Span]]:
    """Sentences grouped by paragraph, long paragraphs cut at MAX_WORDS."""
    units: list[list[Span]] = []
    index = 0
    for para in paragraph_spans(text):
        unit: list[Span] = []
        words = 0
        while index < len(sentences) and sentences[index].start < para.end:
            sentence = sentences[index]
            count = _words(text, sentence)
            if unit and words + count > MAX_WORDS:
                units.append(unit)
                unit, words = [], 0
            unit.append(sentence)
            words += count
            index += 1
        if unit:
            units.append(unit)
    return units


def build_passages(text: str, sentences: list[Span] | None = None) -> list[PassageSpan]:
    """Passages covering every sentence of `text` exactly once, in order."""
    if sentences is None:
        sentences = split_sentences(text)
    passages: list[PassageSpan] = []
    current: list[Span] = []
    words = 0
    for unit in _paragraph_units(text, sentences):
        unit_words = sum(_words(text, s) for s in unit)
        if current and (words >= MIN_WORDS or words + unit_words > MAX_WORDS):
            passages.append(PassageSpan(current[0].start, current[-1].end, tuple(current)))
            current, words = [], 0
        current.extend(unit)
        words += unit_words
    if current:
        passages.append(PassageSpan(current[0].start, current[-1].end, tuple(current)))
    return passages
