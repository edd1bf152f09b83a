"""Pick the sentences that answer a question out of the top-ranked passages.

A quote is one sentence, or two neighbouring sentences of the same passage when
the second adds question terms the first lacks. Two stages. First, each candidate
gets a hand-set score (`QuoteScorer`): how much of the question's IDF mass it
covers (translations count a little less), how close together the matched words
stand, whether it holds the kind of thing the question asks for (a number for "how
many", a date for "when", a name for "who"), and the BM25 score of its passage; the
weights are `AnswerSettings`. Then the best `quote_pool` windows go to the learned
ranker (`index.ranking`), and `select_quotes` chooses among them by its probability.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from newsbot.index.answer.query import AnswerType, ParsedQuery
from newsbot.index.models import Article, Quote, StoredPassage
from newsbot.index.settings import AnswerSettings
from newsbot.index.text.analysis import analyze, analyze_spans, fold
from newsbot.index.text.speakers import SPEECH_VERBS

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE_RE = re.compile(
    rf"\b(?:{_MONTHS})\.?\b|\b(?:1[6-9]|20)\d\d\b|\b(?:monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|yesterday|today|tomorrow)\b|\b(\d{1,2})(st|nd|rd|th)\b",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|billion|dozen|dozens|half|percent)\b",
    re.IGNORECASE,
)
_NUMBER_TERMS = frozenset(
    "one two three four five six seven eight nine ten eleven twelv twenti thirti forti "
    "fifti hundr thousand million billion dozen".split()
)


def _is_number_term(term: str) -> bool:
    return term[:1].isdigit() or term in _NUMBER_TERMS


_NAME_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


@dataclass(frozen=True)
class Candidate:
    """A passage from the index with its article, ready for sentence scoring."""

    passage: StoredPassage
    article: Article
    retrieval_score: float


@dataclass(frozen=True)
class Window:
    """A scored run of one or two sentences inside a candidate passage."""

    candidate: Candidate
    start: int  # absolute offsets in the article text
    end: int
    score: float
    coverage: float
    matched: frozenset[str]  # original query terms covered
    terms: frozenset[str]  # all terms of the window (for near-duplicate checks)
    speaker: str | None = None  # whose words the window carries
    typed: bool = False  # one of its sentences holds what the question asks for
    sequence: tuple[str, ...] = ()  # its terms in order
    # The learned ranker's probability that this window, of the question's
    # candidates, holds the answer (index.ranking); 0 until ranked.
    probability: float = 0.0
    # The cross-encoder's probability that the window answers the question
    # (index.answer.encoder); 0 without the encoder.
    relevance: float = 0.0


def _has_answer_type(text: str, kind: AnswerType, query_text: str) -> bool:
    if kind is AnswerType.NUMBER:
        return bool(_NUMBER_RE.search(text))
    if kind is AnswerType.DATE:
        return bool(_DATE_RE.search(text))
    if kind in (AnswerType.PERSON, AnswerType.PLACE):
        asked = query_text.casefold()
        return any(m.group().casefold() not in asked for m in _NAME_RE.finditer(text))
    return False


def word_pairs(terms: Sequence[str]) -> frozenset[tuple[str, str]]:
    """Neighbouring pairs of different terms: ("foreign", "minist")."""
    return frozenset((a, b) for a, b in pairwise(terms) if a != b)


def pair_share(pairs: frozenset[tuple[str, str]], terms: Sequence[str]) -> float:
    """The share of a question's word `pairs` found side by side in `terms` (0 when
    the question has none)."""
    return len(pairs & word_pairs(terms)) / len(pairs) if pairs else 0.0


def _proximity(terms: list[str], wanted: set[str]) -> float:
    """Share of the tightest run of terms holding every matched term (1 = adjacent)."""
    if len(wanted) < 2:
        return 1.0 if wanted else 0.0
    positions = [(i, t) for i, t in enumerate(terms) if t in wanted]
    best = len(terms)
    counts: dict[str, int] = {}
    left = 0
    for pos, term in positions:
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == len(wanted):
            best = min(best, pos - positions[left][0] + 1)
            left_term = positions[left][1]
            counts[left_term] -= 1
            if not counts[left_term]:
                del counts[left_term]
            left += 1
    return len(wanted) / best if best else 0.0


class QuoteScorer:
    """Scores windows for one question, given each query term's IDF."""

    def __init__(
        self,
        query: ParsedQuery,
        idf: dict[str, float],
        unseen: set[str],
        settings: AnswerSettings,
        doc_count: int = 0,
    ) -> None:
        self.query = query
        self.doc_count = doc_count  # passages in the index, for IDF bounds
        self.settings = settings
        self.plain_idf = idf
        self.unseen = frozenset(unseen)
        # A term's share of the question: its IDF times its query weight, so
        # framing words ("say", "describe") weigh little.
        self.idf = {t: idf[t] * min(query.weighted[t], 1.0) for t in query.terms}
        self.total = (
            sum(w * (settings.unseen_factor if t in unseen else 1.0) for t, w in self.idf.items())
            or 1.0
        )
        # term -> the original query term it stands for, and the share of that
        # term's weight a match earns: 1 for the word itself and its irregular forms,
        # `translation_credit` for a learned translation ("die" -> "death").
        self.stands_for: dict[str, tuple[str, float]] = {}

        def offer(term: str, original: str, credit: float) -> None:
            if term not in self.stands_for or credit > self.stands_for[term][1]:
                self.stands_for[term] = (original, credit)

        for original, group in query.groups.items():
            for term in group:
                offer(term, original, 1.0)
        for original, translations in query.translated.items():
            for term in translations:
                offer(term, original, settings.translation_credit)
        self._keys = frozenset(self.stands_for)
        self.function_words = query.function_words
        # The question's neighbouring word pairs, for the ranker's bigram feature.
        self.question_pairs = word_pairs(list(query.terms))
        # The most a window's coverage can be multiplied by: proximity, and the
        # answer-type bonuses only where the question has a type / counts something.
        typed = query.answer_type is not AnswerType.OTHER
        # "What did Putin say...": the names a question asks to hear from; and every
        # name it holds, which a "who said..." answer's speaker must not be.
        self.asked_speakers = asked_speakers(query.text)
        self.named_in_question = asked_speakers(query.text, any_verb=True)
        # "What is the latest...": article id -> how new (1 the newest dated candidate).
        self.freshness: dict[int, float] = {}
        self._ceiling = (
            1.0
            + settings.proximity_weight
            + settings.type_bonus * typed
            + settings.type_bonus * (query.counted is not None)
            + settings.speaker_bonus * bool(self.asked_speakers)
        )

    def asked_for(self, speaker: str | None) -> bool:
        """Whether these are the words of someone the question asks to hear from."""
        return speaker is not None and names_match(self.asked_speakers, speaker)

    def quote_order(self, speaker: str | None, probability: float) -> tuple[bool, float]:
        """Sort key of a quote: "What did Putin say about...": his own words first
        (SQuAD's questions rarely ask for someone's words, so the ranker cannot learn
        this; the user asked for it in so many words), then the likelier."""
        return (not self.asked_for(speaker), -probability)

    @property
    def bonus_ceiling(self) -> float:
        """The most a window's coverage can be multiplied by (for pruning passages)."""
        return self._ceiling + self.settings.recency_weight * bool(self.freshness)

    def coverage(self, terms: set[str] | frozenset[str]) -> tuple[float, frozenset[str]]:
        """Share of the question's weight these terms cover, and which question terms."""
        credit: dict[str, float] = {}
        for term in self._keys.intersection(terms):  # in C: most terms are not the question's
            original, share = self.stands_for[term]
            value = self.idf[original] * share
            credit[original] = max(credit.get(original, 0.0), value)
        # fsum: exact, so the same in every process (set order follows the hash seed).
        return math.fsum(credit.values()) / self.total, frozenset(credit)

    def _counts_the_counted(self, terms: list[str]) -> bool:
        """For "how many X": a number stands just before X (or its synonym)."""
        counted = self.query.counted
        if counted is None:
            return False
        group = self.query.groups.get(counted, frozenset({counted}))
        for i, term in enumerate(terms):
            if term in group and any(_is_number_term(t) for t in terms[max(0, i - 3) : i]):
                return True
        return False

    def _typed(self, passage: StoredPassage, index: int, cache: dict[int, bool]) -> bool:
        """Whether sentence `index` holds what the question asks for (cached per passage).

        For "who said ...", a sentence whose speaker the question does not name holds it.
        """
        if index not in cache:
            span = passage.sentences[index]
            text = passage.between(span.start, span.end)
            kind = self.query.answer_type
            speaker = _speaker_of(passage, index, index)
            cache[index] = _has_answer_type(text, kind, self.query.text) or (
                kind is AnswerType.PERSON
                and speaker is not None
                and not names_match(self.named_in_question, speaker)
            )
        return cache[index]

    def window(
        self,
        candidate: Candidate,
        first: int,
        last: int,
        best_passage: float,
        typed: dict[int, bool] | None = None,
    ) -> Window:
        """Score sentences first..last of a passage, from their stored terms."""
        passage = candidate.passage
        weights = self.settings
        if first == last:
            terms = passage.sentence_terms[first]
        else:
            terms = [t for i in range(first, last + 1) for t in passage.sentence_terms[i]]
        distinct = set(terms)
        coverage, matched = self.coverage(distinct)
        wanted = {t for t in distinct if t in self.stands_for}
        score = coverage
        score += weights.proximity_weight * _proximity(terms, wanted) * coverage
        cache = {} if typed is None else typed
        holds_type = bool(matched) and any(
            self._typed(passage, i, cache) for i in range(first, last + 1)
        )
        if holds_type:
            score += weights.type_bonus * coverage
            if self._counts_the_counted(terms):
                score += weights.type_bonus * coverage
        speaker = _speaker_of(passage, first, last)
        if matched and speaker is not None and names_match(self.asked_speakers, speaker):
            score += weights.speaker_bonus * coverage
        score += weights.recency_weight * coverage * self.freshness.get(passage.article_id, 0.0)
        if best_passage > 0:
            score += weights.passage_weight * candidate.retrieval_score / best_passage
        if last > first:
            score -= 0.02  # all else equal, the shorter quote
        start = passage.sentences[first].start
        end = passage.sentences[last].end
        return Window(
            candidate,
            start,
            end,
            score,
            coverage,
            matched,
            frozenset(distinct),
            speaker,
            holds_type,
            tuple(terms),
        )

    def best_windows(self, candidate: Candidate, best_passage: float) -> list[Window]:
        passage = candidate.passage
        stands_for = self.stands_for
        typed: dict[int, bool] = {}
        # Only sentences holding a question term (or synonym) can be quoted.
        singles = [
            self.window(candidate, i, i, best_passage, typed)
            if any(t in stands_for for t in terms)
            else None
            for i, terms in enumerate(passage.sentence_terms)
        ]
        options: list[Window] = []
        for i, single in enumerate(singles):
            if single is None:
                continue
            options.append(single)
            for j in (i - 1, i + 1):
                other = singles[j] if 0 <= j < len(singles) else None
                if other is None or not other.matched - single.matched:
                    continue
                if _crosses_paragraph(passage, min(i, j)):
                    continue
                # The pair's coverage is known from the two sentences: skip it early.
                joint, _ = self.coverage(single.terms | other.terms)
                if joint - single.coverage < self.settings.pair_min_gain:
                    continue
                options.append(self.window(candidate, min(i, j), max(i, j), best_passage, typed))
        options.sort(key=lambda w: -w.score)
        picked: list[Window] = []
        for option in options:  # the best, then the best that does not overlap it
            if option.matched and all(
                option.end <= p.start or option.start >= p.end for p in picked
            ):
                picked.append(option)
                if len(picked) == self.settings.windows_per_passage:
                    break
        return picked


def _speaker_of(passage: StoredPassage, first: int, last: int) -> str | None:
    """The speaker of sentences first..last: None when nobody speaks, and when two
    people do (naming one would put the other's words in their mouth)."""
    found = {
        passage.speakers[i]
        for i in range(first, min(last + 1, len(passage.speakers)))
        if passage.speakers[i] is not None
    }
    return found.pop() if len(found) == 1 else None


_QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which did does do is are was were has have had "
    "can could would should will shall may might the a an in on at of i".split()
)
_ASKED_NAME = re.compile(r"\b[^\W\d_][\w’'-]*")


def asked_speakers(question: str, *, any_verb: bool = False) -> frozenset[str]:
    """The names whose words a question asks for: "What did Putin say about..." ->
    {"putin"}. Only when it asks what someone said (a speech verb), unless `any_verb`."""
    words = [m.group() for m in _ASKED_NAME.finditer(question)]
    if not any_verb and not any(w.casefold() in SPEECH_VERBS for w in words):
        return frozenset()
    return frozenset(
        w.casefold().removesuffix("’s").removesuffix("'s")
        for w in words
        if w[:1].isupper() and w.casefold() not in _QUESTION_WORDS
    )


def question_names(question: str) -> frozenset[str]:
    """The terms of the names a question holds (capitalised words after its first)."""
    found = (m.group() for m in _NAME_RE.finditer(question))
    return frozenset(t for name in found for t in analyze(name))


def names_match(asked: frozenset[str], speaker: str) -> bool:
    """Whether a speaker is one of the asked names: a surname, a first name, or the
    same name spelt longer ("Zelensky", "Zelenskyy")."""
    for part in speaker.casefold().split():
        for name in asked:
            if part == name or (min(len(part), len(name)) >= 5 and part[:5] == name[:5]):
                return True
    return False


def _crosses_paragraph(passage: StoredPassage, first: int) -> bool:
    """True when sentence `first` and the next one stand in different paragraphs."""
    gap = passage.between(passage.sentences[first].end, passage.sentences[first + 1].start)
    return "\n\n" in gap


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _score_bound(scorer: QuoteScorer, candidate: Candidate, best_passage: float) -> float:
    """No window of this passage can score more: its coverage is at most the passage's."""
    terms = {t for sentence in candidate.passage.sentence_terms for t in sentence}
    coverage, _ = scorer.coverage(terms)
    passage_part = scorer.settings.passage_weight * candidate.retrieval_score / best_passage
    return coverage * scorer.bonus_ceiling + passage_part


def _best_windows(
    scorer: QuoteScorer, candidates: list[Candidate], k: int, best_passage: float
) -> list[Window]:
    """The best windows of each passage that could still make the top k.

    Passages are scored in order of their bound; once a passage's bound falls
    below the k-th best window so far (or the relative floor), no later
    passage can be quoted, so the rest are not scored at all.
    """
    bounded = sorted(
        ((_score_bound(scorer, c, best_passage), c) for c in candidates),
        key=lambda pair: -pair[0],
    )
    windows: list[Window] = []
    scores: list[float] = []
    for bound, candidate in bounded:
        if scores:
            scores.sort(reverse=True)
            if bound < scorer.settings.relative_floor * scores[0]:
                break
            if len(scores) >= k and bound < scores[k - 1]:
                break
        found = scorer.best_windows(candidate, best_passage)
        windows.extend(found)
        scores.extend(w.score for w in found)
    return windows


def candidate_windows(scorer: QuoteScorer, candidates: list[Candidate], pool: int) -> list[Window]:
    """The `pool` best windows by first-stage score, best first (ties to the older
    article, the first to report it): what the learned ranker chooses among."""
    if not candidates:
        return []
    best_passage = max(c.retrieval_score for c in candidates)
    windows = _best_windows(scorer, candidates, pool, best_passage)
    windows.sort(key=lambda w: (-w.score, w.candidate.article.id, w.start))
    return windows[:pool]


def select_quotes(
    scorer: QuoteScorer,
    windows: list[Window],
    k: int,
    surface: dict[str, str],
) -> tuple[list[Quote], list[Window]]:
    """Up to k quotes from ranked windows (their `probability` set), from different
    articles first, best first; and their windows, in the same order."""
    settings = scorer.settings

    def order(w: Window) -> tuple[bool, float, int, int]:
        return (*scorer.quote_order(w.speaker, w.probability), w.candidate.article.id, w.start)

    windows = sorted(windows, key=order)
    if not windows:
        return [], []
    top = windows[0]
    chosen: list[Window] = []
    also: dict[int, list[Article]] = {}
    # The asked speaker's words (if any) before anyone else's; within each, quotes
    # from different articles first.
    asked = [w for w in windows if scorer.asked_for(w.speaker)]
    for group in (asked, [w for w in windows if not scorer.asked_for(w.speaker)]):
        for allow_same_article in (False, True):
            floor = settings.probability_floor if allow_same_article else settings.diversity_floor
            for window in group:
                if len(chosen) >= k:
                    break
                if any(window is c for c in chosen) or window.probability < floor * top.probability:
                    continue
                twin = next(
                    (
                        i
                        for i, c in enumerate(chosen)
                        if _jaccard(c.terms, window.terms) >= settings.duplicate_jaccard
                    ),
                    None,
                )
                if twin is not None:
                    article = window.candidate.article
                    seen = also.setdefault(twin, [])
                    if article.id != chosen[twin].candidate.article.id and article not in seen:
                        seen.append(article)
                    continue
                same = any(c.candidate.article.id == window.candidate.article.id for c in chosen)
                if same and not allow_same_article:
                    continue
                chosen.append(window)
    found = [
        (replace(_quote_from(window, scorer, surface), also_in=tuple(also.get(i, ()))), window)
        for i, window in enumerate(chosen)
    ]
    # Best first, whichever pass chose them.
    found.sort(key=lambda pair: order(pair[1]))
    return [q for q, _ in found], [w for _, w in found]


def _quote_from(window: Window, scorer: QuoteScorer, surface: dict[str, str]) -> Quote:
    passage = window.candidate.passage
    text = passage.between(window.start, window.end)
    # Spans only for the few quotes shown: the words that matched, to highlight; never
    # the function words of a question in another language than English.
    skip = scorer.function_words
    highlights = tuple(
        (t.start, t.end)
        for t in analyze_spans(text)
        if t.term in scorer.stands_for and not (skip and fold(text[t.start : t.end]) in skip)
    )
    order = list(surface)
    matched = sorted(window.matched, key=lambda t: order.index(t) if t in order else len(order))
    return Quote(
        text=text,
        start=window.start,
        end=window.end,
        score=window.probability,
        matched_terms=tuple(surface.get(t, t) for t in matched),
        article=window.candidate.article,
        highlights=highlights,
        speaker=window.speaker,
    )
