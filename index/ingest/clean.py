"""Turn raw article text into clean paragraphs, by rules rather than by lists of lines.

Web copies of news carry debris: navigation labels, social prompts, form notes,
"Read also" links, copyright footers. The rules below recognise the *kind* of
line (a short label with no sentence punctuation at the edge of the page, a
social prompt, a copyright notice...) so they work on pages we have never seen.

Text inside a kept line is never changed: quotes must stay verbatim. Paragraphs
are joined with a blank line; a line that wraps mid-sentence keeps its newline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]"

# Debris recognised anywhere in the page, by what the line says. Only short
# lines are tested (see _MAX_DEBRIS_WORDS) so a real sentence that happens to
# start with "Follow" or "Read" is never dropped.
_DEBRIS_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(join|follow|like|find|connect with) us\b",
        r"^share (this|on|via)\b",
        r"^(sign up|subscribe)\b.*\b(newsletter|alerts|updates|free)\b",
        r"indicates? (a )?required field",
        r"^required fields? (are )?marked",
        r"^(read|see) (also|more)\b\s*[:\-–—]",
        r"^(related|recommended|more on this|most read|trending)( \w+)?\s*[:\-–—]?\s*$",
        r"^(related|recommended)( articles?| stories| coverage| content)?\s*:",
        r"^(©|\(c\)\s|copyright\b)",
        r"\ball rights reserved\b",
        r"^advertisement\s*$",
        r"^skip to (main )?content\b",
        r"^(print|e-?mail|share|tweet|close|menu|search|top|back to top|text size|font size)\s*$",
        r"^(click|tap) here\b",
        r"^this (article|story) (was|has been) (updated|corrected)\s*$",
        r"^(photo|image|video|credit|source)\s*:\s*\S+.{0,60}$",
        r"^[a-z0-9]+(?:_[a-z0-9]+)+$",  # template or widget identifiers: "bar_progress"
    )
]
_MAX_DEBRIS_WORDS = 14
# A label at the top or bottom of a page ("Close", "Top", "Special Coverage").
_MAX_EDGE_LABEL_WORDS = 3
_MAX_HEADLINE_WORDS = 30
_COPYRIGHT_OUTLET = re.compile(
    r"^(?:©|\(c\)|copyright)\s*(?:\d{4}\s*[-–]?\s*)?(?:\d{4}\s+)?(?P<outlet>[^()\n.|]+?)\s*(?:\(|\.|\||$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CleanedArticle:
    """What the cleaner kept: the body to store, and what it learned on the way."""

    text: str
    headline: str | None
    outlet_hint: str | None


def _word_count(line: str) -> int:
    return len(line.split())


def ends_like_sentence(line: str) -> bool:
    """True when a line ends with sentence punctuation, maybe inside closing quotes."""
    stripped = line.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _is_soft_wrap(previous: str, line: str) -> bool:
    """A line break inside a sentence: no end punctuation before, lowercase after."""
    return not ends_like_sentence(previous) and line[:1].islower()


def _is_debris(paragraph: str) -> bool:
    if _word_count(paragraph) > _MAX_DEBRIS_WORDS:
        return False
    flat = " ".join(paragraph.split())
    return any(pattern.search(flat) for pattern in _DEBRIS_PATTERNS)


def _is_edge_label(paragraph: str) -> bool:
    return _word_count(paragraph) <= _MAX_EDGE_LABEL_WORDS and not ends_like_sentence(paragraph)


# Control characters (other than newline and tab), invisible format characters
# (zero-width spaces, direction marks, BOM) and unassigned/private-use code points
# are never article text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ue000-\uf8ff]"
)


def _normalise(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text).replace("\t", " ")


def split_paragraphs(raw: str) -> list[str]:
    """Group lines into paragraphs; a blank line or a sentence end closes one."""
    paragraphs: list[list[str]] = []
    previous_blank = True
    for line in _normalise(raw).split("\n"):
        line = line.strip()
        if not line:
            previous_blank = True
            continue
        if paragraphs and not previous_blank and _is_soft_wrap(paragraphs[-1][-1], line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        previous_blank = False
    return ["\n".join(lines) for lines in paragraphs]


def _looks_like_headline(paragraph: str) -> bool:
    return (
        "\n" not in paragraph
        and _word_count(paragraph) <= _MAX_HEADLINE_WORDS
        and not ends_like_sentence(paragraph.rstrip("?"))
        and not paragraph.endswith(":")
    )


def _outlet_from_footer(paragraph: str) -> str | None:
    match = _COPYRIGHT_OUTLET.match(" ".join(paragraph.split()))
    if not match:
        return None
    outlet = match.group("outlet").strip(" ,-–")
    return outlet if 1 <= _word_count(outlet) <= 8 else None


def _trim_edges(paragraphs: list[str], *, keep_lone_title: bool = False) -> list[str]:
    start, end = 0, len(paragraphs)
    while start < end and _is_edge_label(paragraphs[start]):
        start += 1
    # A single short title line above the body ("Alpha story") is a headline,
    # not page chrome: chrome comes in runs ("Menu", "Search", "Close"...).
    if keep_lone_title and start == 1 and end > 1 and _word_count(paragraphs[0]) >= 2:
        start = 0
    while end > start and _is_edge_label(paragraphs[end - 1]):
        end -= 1
    return paragraphs[start:end]


def clean_article(
    raw: str, *, first_line_headline: bool = True, known_headline: str | None = None
) -> CleanedArticle:
    """Clean raw text; when asked, take a title-like first paragraph as the headline.

    `known_headline` (from a manifest or the page's metadata) is not looked for
    in the text, but a copy of it at the top of the body is dropped.
    """
    outlet_hint: str | None = None
    kept: list[str] = []
    for paragraph in split_paragraphs(raw):
        if _is_debris(paragraph):
            outlet_hint = outlet_hint or _outlet_from_footer(paragraph)
            continue
        kept.append(paragraph)
    kept = _trim_edges(kept, keep_lone_title=first_line_headline and known_headline is None)

    headline: str | None = None
    guess = known_headline is None and first_line_headline
    if guess and len(kept) > 1 and _looks_like_headline(kept[0]):
        headline = kept.pop(0)

    # A title-like line repeated (the headline again under a photo, a repeated
    # section label) is page furniture; real sentences are never dropped here.
    seen = {h for h in (headline, known_headline) if h}
    body: list[str] = []
    for paragraph in kept:
        if paragraph in seen and not ends_like_sentence(paragraph):
            continue
        seen.add(paragraph)
        body.append(paragraph)
    body = _trim_edges(body)
    return CleanedArticle(text="\n\n".join(body), headline=headline, outlet_hint=outlet_hint)
