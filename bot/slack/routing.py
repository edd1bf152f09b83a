"""Whether newsbot answers a Slack message, and how: pure rules, tested on their own.

Slack sends newsbot every message of the channels it is in. It answers
@mentions (as `app_mention` events), DMs, and replies in threads it has
answered before; it ignores bots (itself included), edits and joins, plain
channel chatter, and replies that start with `//`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from newsbot.bot.chat.channels import AnswerMode
from newsbot.bot.chat.replies import readable

OPT_OUT_PREFIX = "//"

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<[!#@][^>]*>")


def plain_text(slack_text: str) -> str:
    """A user's message as plain text: mentions dropped, links unwrapped, entities decoded."""
    text = _MENTION.sub(" ", readable(slack_text))
    text = _LINK.sub(r"\1", text)
    text = _SPECIAL.sub(" ", text)
    return " ".join(html.unescape(text).split())


class Action(StrEnum):
    ANSWER = "answer"
    HELP = "help"  # a mention with no question in it
    INGEST_FILES = "ingest_files"


@dataclass(frozen=True)
class Reply:
    """What to do with one message, and where the reply goes."""

    action: Action
    channel: str
    thread_ts: str | None  # None: in the conversation itself (a DM)
    question: str = ""
    context: str | None = None  # the thread's earlier question


def route_mention(
    event: dict[str, Any], thread_question: str | None, mode: AnswerMode = AnswerMode.MENTIONS
) -> Reply | None:
    """An @mention is answered in a thread started on it (or the one it is in), except
    in a channel set to answer only /ask."""
    if mode is AnswerMode.SILENT and event.get("channel_type") != "im":
        return None
    question = plain_text(event.get("text", ""))
    thread_ts = event.get("thread_ts") or event["ts"]
    if not question:
        return Reply(Action.HELP, event["channel"], thread_ts)
    context = thread_question if event.get("thread_ts") else None
    return Reply(Action.ANSWER, event["channel"], thread_ts, question, context)


def route_message(
    event: dict[str, Any],
    *,
    bot_user_id: str | None,
    thread_question: str | None,
    mode: AnswerMode = AnswerMode.MENTIONS,
) -> Reply | None:
    """The reply to a `message` event, or None when newsbot stays quiet.

    `thread_question` is the question newsbot answered in the event's thread,
    or None when it never answered there. `mode` is the channel's: a channel
    set to `questions` also gets answers to plain messages that end in "?", one
    set to `silent` none at all (DMs always answer).
    """
    subtype = event.get("subtype")
    if subtype not in (None, "file_share") or event.get("bot_id"):
        return None  # edits, joins, and every bot's messages (newsbot's own included)
    if event.get("user") in (None, bot_user_id):
        return None
    text = event.get("text", "")
    is_dm = event.get("channel_type") == "im"
    thread_ts = event.get("thread_ts")
    if not is_dm and (f"<@{bot_user_id}" in text or mode is AnswerMode.SILENT):
        return None  # channel mentions arrive as app_mention
    question = plain_text(text)
    if question.startswith(OPT_OUT_PREFIX):
        return None
    if not is_dm and not thread_ts:
        asked = mode is AnswerMode.QUESTIONS and question.endswith("?") and subtype is None
        if not asked:
            return None  # plain chatter is not ours
        return Reply(Action.ANSWER, event["channel"], event["ts"], question, None)
    if thread_ts and not is_dm and thread_question is None:
        return None  # a thread newsbot never answered
    channel = event["channel"]
    if subtype == "file_share":
        return Reply(Action.INGEST_FILES, channel, thread_ts) if is_dm else None
    if not question:
        return None
    reply_ts = thread_ts or (None if is_dm else event["ts"])
    return Reply(Action.ANSWER, channel, reply_ts, question, thread_question)


def failure_thread(event: dict[str, Any]) -> str | None:
    """Where an apology for a failed event goes: its thread, or under it in a channel."""
    if event.get("channel_type") == "im" and not event.get("thread_ts"):
        return None
    return event.get("thread_ts") or event.get("ts")
