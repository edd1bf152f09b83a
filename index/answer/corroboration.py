"""Other articles that state a quote's fact, and where their numbers for it differ.

A sentence is reduced to a `Claim`: its analysed terms, the names it mentions
and what it counts ("26 countries" -> countries: 26). Two sentences state the
same fact when they share enough of their terms (at least `MIN_SHARED`, and
`MIN_CONTAINMENT` of the shorter one's) and do not name different people or
places. They differ when, stating the same fact, they give different numbers
for the same counted thing (synonyms count as the same thing: countries,
nations); a number is never compared with a number of something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from newsbot.index.models import Article, Corroboration, Disagreement, Quote
from newsbot.index.text.analysis import analyze
from newsbot.index.text.speakers import NOT_NAMES, TITLE_WORDS

if TYPE_CHECKING:
    from newsbot.index.answer.quotes import Candidate

MIN_SHARED = 4
MIN_CONTAINMENT = 0.45
COUNTED_CONTAINMENT = 0.3

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS)
# A number, a scale, then the thing counted, skipping "of" and capitalised
# qualifiers: "26 of Ukraine's allies", "26 Western countries", "23,000 people".
_COUNT = re.compile(
    rf"(?<![\w.,])((?i:{_NUMBER}))(?![\w%])(?:\s+(thousand|million|billion))?"
    r"\s+(?:of\s+)?(?:[A-Z][\w’'-]*\s+)*([a-z][a-z-]+)"
)
_NAME = re.compile(r"(?<=[\s(“\"'])([A-Z][\w’'-]+)")


@dataclass(frozen=True)
class Claim:
    terms: frozenset[str]
    names: frozenset[str]
    # counted thing (canonical term) -> (value, number as written, thing as written)
    counts: dict[str, tuple[float, str, str]]


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, frozenset[str]]:
    """Words that name the same thing, from `data/synonyms.txt` (hand-written, so only
    for comparing two articles' sentences here; questions are not expanded with it)."""
    raw = resources.files("newsbot.index").joinpath("data/synonyms.txt").read_text("utf-8")
    groups: dict[str, frozenset[str]] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        group = frozenset(t for word in line.split(",") for t in analyze(word.strip()))
        for term in group:
            groups[term] = groups.get(term, frozenset()) | group
    return groups


@lru_cache(maxsize=4096)
def _canonical(term: str) -> str:
    """One term for a synonym group ("nations" and "countries" count the same)."""
    group = synonym_groups().get(term)
    return min(group) if group else term


def _value(number: str, scale: str | None) -> float | None:
    word = number.casefold()
    if word in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[word])
    else:
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            return None
    return value * _SCALES.get((scale or "").casefold(), 1)


def claim(text: str, terms: Iterable[str] | None = None) -> Claim:
    """`text` reduced to what decides whether it states the same fact as another."""
    counts: dict[str, tuple[float, str, str]] = {}
    for match in _COUNT.finditer(text):
        noun_terms = analyze(match.group(3))
        value = _value(match.group(1), match.group(2))
        year = 1800 <= (value or 0) <= 2100 and "," not in match.group(1)
        if not noun_terms or value is None or year:
            continue  # a stopword after the number, or a year ("in 2023 during")
        written = match.group(1) + (f" {match.group(2)}" if match.group(2) else "")
        counts.setdefault(_canonical(noun_terms[0]), (value, written, match.group(3)))
    names = frozenset(
        name.casefold().removesuffix("’s").removesuffix("'s")
        for name in _NAME.findall(text)
        if name.casefold() not in TITLE_WORDS and name.casefold() not in NOT_NAMES
    )
    chosen = analyze(text) if terms is None else terms
    return Claim(frozenset(_canonical(t) for t in chosen), names, counts)


def same_fact(a: Claim, b: Claim) -> bool:
    """Whether two sentences state the same fact (their numbers may still differ).

    Sentences that count the same thing need a little less in common: "23,000
    people have been killed" and "140,000 people were killed" report one toll.
    """
    counted = bool(a.counts.keys() & b.counts.keys())
    if (a.counts or b.counts) and not counted:
        return False  # a fact with a number is only stated again with that number's thing
    shared = len(a.terms & b.terms)
    shorter = min(len(a.terms), len(b.terms))
    needed, share = (
        (MIN_SHARED - 1, COUNTED_CONTAINMENT) if counted else (MIN_SHARED, MIN_CONTAINMENT)
    )
    if shared < needed or shared < share * shorter:
        return False
    return not (a.names and b.names and a.names.isdisjoint(b.names))


def differing_counts(a: Claim, b: Claim) -> list[tuple[str, str, str]]:
    """(counted thing as `a` writes it, a's number, b's number) for each thing both
    count differently."""
    return [
        (a.counts[thing][2], a.counts[thing][1], b.counts[thing][1])
        for thing in sorted(a.counts.keys() & b.counts.keys())
        if a.counts[thing][0] != b.counts[thing][0]
    ]


MAX_CORROBORATIONS = 5


def mine_number(mine: Claim, what: str) -> str:
    """The number `mine` gives for the thing it writes as `what`."""
    return next(written for _, written, thing in mine.counts.values() if thing == what)


def corroborate(
    quote: Quote,
    candidates: Iterable[Candidate],
    claims: dict[tuple[int, int], Claim] | None = None,
) -> Quote:
    """The quote with the sentences of other articles among `candidates` (the
    passages ranked for the question) that state its fact, at most one per
    article, and the numbers where they differ. Syndicated copies (`also_in`)
    are not counted again as corroboration, but their numbers are compared.
    `claims` caches the candidates' sentences' claims across an answer's quotes."""
    claims = {} if claims is None else claims
    raw = analyze(quote.text)
    mine = claim(quote.text, raw)
    mine_raw = frozenset(raw)
    copies = {a.id for a in quote.also_in}
    found: list[Corroboration] = []
    seen = {quote.article.id}
    differ: dict[str, dict[str, list[Article]]] = {}
    agreeing: dict[str, list[Article]] = {}  # counted thing -> articles giving my number
    for candidate in candidates:
        article = candidate.article
        if article.id == quote.article.id:
            continue
        passage = candidate.passage
        for index, (span, terms) in enumerate(
            zip(passage.sentences, passage.sentence_terms, strict=True)
        ):
            # Most sentences are cheaply not the same fact: too few words in common
            # even before synonyms are folded (which can join at most a few more),
            # or too few after, at the laxest thresholds same_fact allows.
            if len(mine_raw.intersection(terms)) < MIN_SHARED - 2:
                continue
            other = claims.get((passage.id, index))
            if other is None:
                canonical = frozenset(map(_canonical, terms))
                shared = len(mine.terms & canonical)
                shorter = min(len(mine.terms), len(canonical))
                if shared < MIN_SHARED - 1 or shared < COUNTED_CONTAINMENT * shorter:
                    continue
                text = passage.between(span.start, span.end)
                other = claims[(passage.id, index)] = claim(text, terms)
            else:
                text = passage.between(span.start, span.end)
            if not same_fact(mine, other):
                continue
            differences = differing_counts(mine, other)
            for what, my_number, their_number in differences:
                values = differ.setdefault(what, {my_number: [quote.article]})
                if article not in values.setdefault(their_number, []):
                    values[their_number].append(article)
            for thing in mine.counts.keys() & other.counts.keys():
                if mine.counts[thing][0] == other.counts[thing][0]:
                    agreeing.setdefault(mine.counts[thing][2], []).append(article)
            if not differences and article.id not in seen and article.id not in copies:
                seen.add(article.id)
                found.append(Corroboration(article, text, span.start, span.end))
    for what, values in differ.items():
        mine_too = values[mine_number(mine, what)]
        mine_too.extend(a for a in agreeing.get(what, []) if a not in mine_too)
    disagreements = tuple(
        Disagreement(what, tuple((value, tuple(articles)) for value, articles in values.items()))
        for what, values in differ.items()
    )
    return replace(
        quote, corroborated_by=tuple(found[:MAX_CORROBORATIONS]), disagreements=disagreements
    )
