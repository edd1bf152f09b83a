"""Dates: reading an article's publication date, and questions that ask for the latest.

A date is taken only where it is written in full (day, month and year, or an
ISO date): page metadata, a manifest, or a dateline line at the top of a text
file ("Published: 5 September 2025"). A date the text gives for an event ("On
September 5, 2023, ...") is not a publication date, and a year alone or a
month and day alone are never completed by guessing.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
# A dateline line: the date alone, or after "Published", "Updated", "Posted", "Date".
_DATELINE = re.compile(
    r"^\s*(?:(?:published|updated|posted|date|first published)(?:\s+on)?\s*:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?P<date>[^\n]{6,40}?)\s*$",
    re.IGNORECASE,
)
DATELINE_LINES = 4  # how far down a text file its dateline may stand

# Words that ask for the newest state of things.
_LATEST = re.compile(
    r"\b(?:latest|newest|most recent|recent(?:ly)?|now|currently|current|still|"
    r"this (?:week|month|year)|today|so far|yet)\b",
    re.IGNORECASE,
)


def parse_date(text: str | None) -> date | None:
    """The first full date in `text` (ISO, "5 September 2025" or "September 5, 2025")."""
    if not text:
        return None
    match = _ISO.search(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DAY_MONTH_YEAR.search(text)
        if match:
            return date(int(match[3]), _MONTHS[match[2].casefold()], int(match[1]))
        match = _MONTH_DAY_YEAR.search(text)
        if match:
            return date(int(match[3]), _MONTHS[match[1].casefold()], int(match[2]))
    except ValueError:  # "31 February 2025": no such day
        return None
    return None


def dateline(text: str) -> str | None:
    """The publication date a text file states in its first lines, as ISO, or None.

    Only a line that is a date and nothing else (after an optional "Published:"):
    a sentence that mentions a date is about an event.
    """
    for line in text.splitlines()[:DATELINE_LINES]:
        match = _DATELINE.match(line)
        if match is None:
            continue
        found = parse_date(match["date"])
        if found is not None and _only_a_date(match["date"]):
            return found.isoformat()
    return None


def _only_a_date(candidate: str) -> bool:
    rest = _ISO.sub("", candidate)
    rest = _DAY_MONTH_YEAR.sub("", rest)
    rest = _MONTH_DAY_YEAR.sub("", rest)
    return not re.sub(r"[\s,.|:\-–—]|\d{1,2}:\d{2}|gmt|utc|bst|cet|am|pm", "", rest, flags=re.I)


def asks_for_latest(question: str) -> bool:
    return bool(_LATEST.search(question))
