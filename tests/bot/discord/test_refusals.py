"""Every refusal is an answer on Discord too: a 200 within 3 seconds, one private line,
nothing deferred and nothing edited in later."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from newsbot.bot.chat.budget import Budget
from tests.bot.discord.conftest import ADMIN, OTHER, DiscordBot, interaction, option, slash

DISCORD_DEADLINE = 3.0
CHANNEL_MESSAGE = 4
EPHEMERAL = 64


def _admin(sub: str, options: list[dict[str, Any]], user: str = ADMIN) -> dict[str, Any]:
    return slash("newsbot-admin", [{"name": sub, "type": 1, "options": options}], user=user)


def _one_line(bot: DiscordBot, payload: dict[str, Any]) -> str:
    started = time.monotonic()
    response: httpx.Response = bot.post(payload)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < DISCORD_DEADLINE
    body = response.json()
    assert body["type"] == CHANNEL_MESSAGE  # answered at once, never deferred
    assert body["data"]["flags"] == EPHEMERAL
    bot.settle()
    assert not bot.fake.of("edit_original")  # nothing edited in after it
    content = body["data"]["content"]
    assert "\n" not in content.strip()
    assert "went wrong" not in content
    return content


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (slash("ask", [option("question", "Where? " * 200)]), "the limit is 1,000"),
        (slash("ask", [option("question", "   ")]), "Usage:"),
        (_admin("scope", [option("collections", "nosuchcollection")]), "nosuchcollection"),
        (_admin("scope", [option("collections", "bad!name")]), "bad!name"),
        (_admin("answer", [option("mode", "sometimes")]), "sometimes"),
        (_admin("scope", [option("collections", "all")], user=OTHER), "only newsbot admins"),
        (_admin("forget", [option("id", 99, kind=4)]), "No article \\#99."),
        (_admin("forget", [option("id", 1, kind=4)], user=OTHER), "only newsbot admins"),
        (interaction(3, {"custom_id": "vote:up:no-such-answer", "component_type": 2}), "no longer"),
        (interaction(3, {"custom_id": "share:no-such-answer", "component_type": 2}), "too old"),
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
        "vote-unknown",
        "share-expired",
    ],
)
def test_a_refusal_is_one_private_line_at_once(
    discord_bot: DiscordBot, payload: dict[str, Any], expected: str
) -> None:
    assert expected in _one_line(discord_bot, payload)


def test_over_the_question_budget_is_one_private_line(discord_bot: DiscordBot) -> None:
    discord_bot.runtime.budget.budget = Budget(per_user=1, per_channel=0)
    question = option("question", "Where did Putin invite Zelensky for talks?")
    first = discord_bot.post(slash("ask", [question])).json()
    assert first["data"]["embeds"]
    assert "more questions in a minute" in _one_line(discord_bot, slash("ask", [question]))
