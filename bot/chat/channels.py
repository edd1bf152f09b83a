"""What a channel's admins set from chat: which collections it answers from, and when
it answers. Kept in SQLite by the chat state (`ChatState.channel`), per surface and
channel; a Slack DM or a Discord thread is a channel too (a thread newsbot started
reads its parent's settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from newsbot.index import ALL_COLLECTIONS, ConfigError, collection_names


class AnswerMode(StrEnum):
    """When newsbot answers in a channel (DMs always answer; /ask always works)."""

    MENTIONS = "mentions"  # @mentions, and follow-ups in threads it answered (default)
    QUESTIONS = "questions"  # also any message that ends with "?"
    SILENT = "silent"  # only /ask


def answer_mode(text: str) -> AnswerMode:
    """A mode as a user types it; ConfigError names the three there are."""
    try:
        return AnswerMode(text.strip().lower())
    except ValueError:
        shown = text.strip()[:40]
        raise ConfigError(
            f"“{shown}” is not a way to answer: use mentions (the default), questions "
            "(also every message ending in ?) or silent (only /ask).",
            variable="mode",
        ) from None


@dataclass(frozen=True)
class ChannelSettings:
    """`scope`: None for the configured default, "all", or checked names joined by
    commas; `mode`: when to answer."""

    scope: str | None = None
    mode: AnswerMode = AnswerMode.MENTIONS

    def describe(self, default: str | None) -> str:
        """One line for `/newsbot scope`: what this channel answers from, and when."""
        if self.scope is None:
            where = f"the default collections ({describe_scope(default)})"
        else:
            where = describe_scope(self.scope)
        when = {
            AnswerMode.MENTIONS: "answers @mentions",
            AnswerMode.QUESTIONS: "answers @mentions and every question ending in ?",
            AnswerMode.SILENT: "answers only /ask",
        }[self.mode]
        return f"This channel answers from {where} and {when}."


def describe_scope(scope: str | None) -> str:
    if not scope or scope == ALL_COLLECTIONS:
        return "every article"
    names = scope.split(",")
    return ("collection " if len(names) == 1 else "collections ") + ", ".join(names)


def stored_scope(text: str) -> str | None:
    """What `/newsbot scope TEXT` stores: "all", None for "default", else the names
    (checked for form; whether they exist is the engine's to say)."""
    words = text.strip().lower()
    if words == ALL_COLLECTIONS:
        return ALL_COLLECTIONS
    if words == "default":
        return None
    names = collection_names(words)
    if not names:
        raise ConfigError(
            "Name the collections (`ukraine,world`), `all`, or `default`.", variable="scope"
        )
    return ",".join(names)
