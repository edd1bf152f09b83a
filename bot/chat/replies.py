"""What every surface tells a user when it cannot help, and how it logs why.

A `NewsbotError` is a refusal with a reason the user can read (an empty
question, an unknown article id): the user gets that reason, escaped for the
surface, and the log one line. Anything else is a bug: the user gets a short
apology and the log the traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from newsbot.index import NewsbotError

GENERIC_FAILURE = "Sorry, something went wrong on my side. It has been logged."
REFUSED_INGEST = "Sorry, you are not allowed to add articles to newsbot."
QUEUE_FULL = "Sorry, too many articles are waiting to be added right now. Try again in a minute."


# A surrogate code point on its own: JSON can carry one ("\\ud800"), UTF-8 cannot, so
# SQLite and every API that encodes text would fail on it after the answer is sent.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """A user's text with lone surrogates replaced by U+FFFD, as a decoder would."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def counted(count: int, noun: str) -> str:
    """'1 passage', '2 passages', '2,074 articles': every surface counts alike."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def joined_within(
    parts: Sequence[str], separator: str, limit: int, more: Callable[[int], str]
) -> str:
    """Whole `parts` joined while they fit in `limit` (already rendered for the surface),
    then `more(n)` for the n left out: a list of links is cut between links, never
    inside one. Every surface cuts its lists this way."""
    shown: list[str] = []
    used = 0
    for index, part in enumerate(parts):
        tail = len(more(len(parts) - index - 1)) + len(separator) if index < len(parts) - 1 else 0
        cost = len(part) + (len(separator) if shown else 0)
        if used + cost + tail > limit:
            return separator.join([*shown, more(len(parts) - index)])
        shown.append(part)
        used += cost
    return separator.join(shown)


def and_more(n: int) -> str:
    """What ends a list cut short: "… and 5 more"."""
    return f"… and {n:,} more"


def failure_text(error: BaseException, escape: Callable[[str], str]) -> str:
    """A refusal's own reason (through the surface's `escape`), or the apology."""
    return escape(str(error)) if isinstance(error, NewsbotError) else GENERIC_FAILURE


def log_failure(log: logging.Logger, error: BaseException, doing: str) -> None:
    """A refusal as one line; anything else, `doing` "failed", with its traceback."""
    if isinstance(error, NewsbotError):
        log.info("refused: %s", error)
    else:
        log.error("%s failed", doing, exc_info=error)


def vote_thanks(up: bool) -> str:
    """What a reader who voted reads (privately); voting again changes the vote."""
    if up:
        return "Thanks: your 👍 is noted. Vote again to change it."
    return (
        "Thanks: your 👎 is noted, and the question goes on the list of what newsbot "
        "could not answer well. Vote again to change it."
    )
