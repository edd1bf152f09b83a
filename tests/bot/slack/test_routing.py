"""The pure rules that decide whether newsbot answers a Slack message, and where."""

from __future__ import annotations

from typing import Any

import pytest

from newsbot.bot.slack.routing import (
    Action,
    Reply,
    failure_thread,
    plain_text,
    route_mention,
    route_message,
)

BOT = "UBOT"


def _msg(text: str = "Where is the summit?", **fields: Any) -> dict[str, Any]:
    return {"type": "message", "user": "U1", "text": text, "ts": "2.0", "channel": "C1", **fields}


@pytest.mark.parametrize(
    ("event", "thread_question", "expected"),
    [
        # A DM is answered in the conversation, not in a thread.
        (
            _msg(channel="D1", channel_type="im"),
            None,
            Reply(Action.ANSWER, "D1", None, "Where is the summit?"),
        ),
        # A DM thread keeps its earlier question as context.
        (
            _msg(channel="D1", channel_type="im", thread_ts="1.0"),
            "Who met?",
            Reply(Action.ANSWER, "D1", "1.0", "Where is the summit?", "Who met?"),
        ),
        # A reply in a channel thread newsbot answered: answered there, with context.
        (
            _msg("and Italy?", channel_type="channel", thread_ts="1.0"),
            "Who will send troops?",
            Reply(Action.ANSWER, "C1", "1.0", "and Italy?", "Who will send troops?"),
        ),
        # A file shared in a DM is ingested.
        (
            _msg("", channel="D1", channel_type="im", subtype="file_share"),
            None,
            Reply(Action.INGEST_FILES, "D1", None),
        ),
    ],
)
def test_messages_newsbot_answers(
    event: dict[str, Any], thread_question: str | None, expected: Reply
) -> None:
    assert route_message(event, bot_user_id=BOT, thread_question=thread_question) == expected


@pytest.mark.parametrize(
    ("event", "thread_question"),
    [
        (_msg(channel_type="channel"), None),  # plain channel chatter
        (_msg(channel_type="channel", thread_ts="1.0"), None),  # a thread newsbot never answered
        (_msg(f"<@{BOT}> hi", channel_type="channel", thread_ts="1.0"), "q"),  # app_mention's
        (_msg("// note to self", channel_type="channel", thread_ts="1.0"), "q"),  # opt-out
        (_msg(channel_type="im", bot_id="B2"), None),  # another bot
        (_msg(channel_type="im", user=BOT), None),  # newsbot itself
        (_msg(channel_type="im", user=None), None),  # no author
        (_msg(channel_type="im", subtype="message_changed"), None),  # an edit
        (_msg("", channel_type="im"), None),  # nothing to ask
        (_msg("", channel_type="channel", thread_ts="1.0", subtype="file_share"), "q"),
    ],
)
def test_messages_newsbot_ignores(event: dict[str, Any], thread_question: str | None) -> None:
    assert route_message(event, bot_user_id=BOT, thread_question=thread_question) is None


def test_mentions_are_answered_in_a_thread() -> None:
    event = {"text": f"<@{BOT}> How many troops?", "ts": "5.0", "channel": "C1"}
    assert route_mention(event, None) == Reply(Action.ANSWER, "C1", "5.0", "How many troops?")
    in_thread = {**event, "thread_ts": "4.0"}
    assert route_mention(in_thread, "Who?") == Reply(
        Action.ANSWER, "C1", "4.0", "How many troops?", "Who?"
    )
    empty = {**event, "text": f"<@{BOT}>"}
    assert route_mention(empty, None) == Reply(Action.HELP, "C1", "5.0")


def test_plain_text_unwraps_slack_markup() -> None:
    text = "<@U1> see <https://x.example/a|this> &amp; <!channel> &lt;tag&gt;"
    assert plain_text(text) == "see https://x.example/a & <tag>"


def test_failure_thread() -> None:
    assert failure_thread({"ts": "1.0", "channel_type": "im"}) is None
    assert failure_thread({"ts": "1.0", "thread_ts": "0.5", "channel_type": "im"}) == "0.5"
    assert failure_thread({"ts": "1.0", "channel_type": "channel"}) == "1.0"
