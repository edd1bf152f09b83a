"""Every refusal is an answer: Slack hears 200 within its 3 seconds, the user reads one line.

A listener that acknowledged and then raised once had bolt clear its ack and
answer 404 after 3 s ("didn't call ack()"), with Slack's own failure notice
under newsbot's line. Each path below is a refusal a user can cause.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from newsbot.bot.chat.budget import Budget
from tests.bot.slack.conftest import ADMIN, OTHER, Bot, press

SLACK_DEADLINE = 3.0


def _lines(bot: Bot, response: httpx.Response) -> list[str]:
    """What the user was told: the acknowledgement's text, if it had any, then every
    response_url post, once all the request's work has finished."""
    bot.settle()
    told = []
    if response.content:
        told.append(json.loads(response.content)["text"])
    told.extend(call.get("text", "") for call in bot.fake.of("response_url"))
    return told


def _timed(send: Any) -> httpx.Response:
    started = time.monotonic()
    response = send()
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < SLACK_DEADLINE
    return response


@pytest.mark.parametrize(
    ("command", "text", "user", "expected"),
    [
        (
            "/ask",
            "Where? " * 200,
            OTHER,
            "The question is 1,399 characters long; the limit is 1,000.",
        ),
        ("/ask", "   ", OTHER, "Usage: `/ask QUESTION`"),
        ("/newsbot", "scope nosuchcollection", ADMIN, "No collection is called “nosuchcollection”"),
        ("/newsbot", "scope bad!name", ADMIN, "bad!name"),
        ("/newsbot", "answer sometimes", ADMIN, "sometimes"),
        ("/newsbot", "scope ukraine", OTHER, "only newsbot admins"),
        ("/newsbot", "forget 99", ADMIN, "No article #99."),
        ("/newsbot", "forget 1", OTHER, "only newsbot admins can forget"),
        ("/newsbot", "forget x", ADMIN, "Usage:"),
        ("/newsbot", "dance", OTHER, "Usage:"),
        ("/ingest", "--collection bad!name https://example.com/a", ADMIN, "bad!name"),
        ("/ingest", "https://example.com/a", OTHER, "not allowed to add articles"),
    ],
    ids=[
        "ask-too-long",
        "ask-empty",
        "scope-unknown",
        "scope-malformed",
        "answer-bad-mode",
        "scope-not-admin",
        "forget-unknown",
        "forget-not-admin",
        "forget-not-a-number",
        "newsbot-unknown",
        "ingest-bad-collection",
        "ingest-not-allowed",
    ],
)
def test_a_refused_command_is_one_line_within_the_deadline(
    bot: Bot, command: str, text: str, user: str, expected: str
) -> None:
    response = _timed(lambda: bot.command(command, text, user))
    (line,) = _lines(bot, response)
    assert expected in line
    assert "went wrong" not in line


def test_over_the_question_budget_is_one_line(bot: Bot) -> None:
    bot.runtime.budget.budget = Budget(per_user=1, per_channel=0)
    bot.command("/ask", "Where did Putin invite Zelensky for talks?", OTHER)
    bot.fake.wait_for("response_url")  # the first question's answer
    response = _timed(lambda: bot.command("/ask", "How many countries pledged troops?", OTHER))
    answer, line = _lines(bot, response)
    assert "more questions in a minute" in line
    assert "Putin" in answer


def test_a_vote_on_an_answer_no_longer_kept_is_one_line(bot: Bot) -> None:
    button = {"action_id": "vote_up", "value": "no-such-answer-id-000000"}
    response = _timed(lambda: press(bot, button, path="vote"))
    (line,) = _lines(bot, response)
    assert line == "That answer is no longer kept, so the vote was not recorded."


def test_an_expired_share_is_one_line(bot: Bot) -> None:
    button = {"action_id": "share_answer", "value": "no-such-answer-id-000000"}
    response = _timed(lambda: press(bot, button, path="share"))
    (line,) = _lines(bot, response)
    assert line == "That answer is too old to share; ask again with /ask."


def test_a_sources_page_of_a_malformed_button_is_still_a_page(bot: Bot) -> None:
    button = {"action_id": "sources_next", "value": "not json at all"}
    response = _timed(lambda: press(bot, button, path="sources"))
    (line,) = _lines(bot, response)
    assert line  # the first page of every article: a page, never a failure


def test_a_scoped_channel_whose_collection_was_removed_refuses_in_one_line(bot: Bot) -> None:
    runtime = bot.runtime
    runtime.state.set_channel("slack", "C1", by=ADMIN, scope="gone")
    response = _timed(lambda: bot.command("/ask", "How many countries pledged troops?", OTHER))
    (line,) = _lines(bot, response)
    assert "gone" in line
    assert "went wrong" not in line


def test_a_bug_after_the_ack_is_still_a_200_and_one_apology(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.runtime.engine, "answer", broken)
    response = _timed(lambda: bot.command("/ask", "How many countries pledged troops?", OTHER))
    (line,) = _lines(bot, response)
    assert line == "Sorry, something went wrong on my side. It has been logged."
