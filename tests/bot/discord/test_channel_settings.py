"""Per-channel settings from Discord: /newsbot scope, /newsbot-admin scope and answer,
the scope of mentions in threads newsbot started, and the question budget."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsbot.bot.chat.budget import Budget, QuestionBudget
from newsbot.bot.cli.environment import engine_environment
from newsbot.bot.discord import render
from newsbot.bot.discord.interactions import (
    QUESTIONS_NEED_CONTENT,
    REFUSED_GAPS,
    REFUSED_SETTING,
)
from tests.bot.discord.conftest import (
    ADMIN,
    OTHER,
    DiscordBot,
    interaction,
    option,
    slash,
    start_discord,
)
from tests.bot.discord.fake_discord import BOT_TOKEN, BOT_USER_ID, FakeDiscord, user_message
from tests.bot.discord.test_render import within_limits

FERRY = (
    "Harbour ferry returns\n\nThe island ferry returned to service on Monday after repairs, "
    "the harbour council said. Twenty countries sent engineers to help with the repairs."
)
QUESTION = "How many countries pledged to send troops?"
LOCAL = "700000000000000077"


@pytest.fixture
def desks(
    discord_env: None, fake_discord: FakeDiscord, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DiscordBot]:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", BOT_TOKEN)  # the gateway too, for mentions
    engine, _ = engine_environment(db_path=db_path).open_engine()
    with engine:
        engine.collect([1, 2, 3, 4, 5], "ukraine")
        engine.ingest_bytes(FERRY.encode(), "ferry.txt", collections="local")
        bot = start_discord(engine, fake_discord)
        assert bot.app.gateway is not None and bot.app.gateway.ready.wait(20)
        yield bot
        bot.stop()


def _admin(bot: DiscordBot, sub: str, name: str, value: str, user: str = ADMIN) -> str:
    command = {"name": sub, "type": 1, "options": [option(name, value)]}
    payload = slash("newsbot-admin", [command], user=user)
    payload["channel_id"] = LOCAL
    return bot.post(payload).json()["data"]["content"]


def _ask(bot: DiscordBot, channel: str, user: str = OTHER) -> dict[str, Any]:
    payload = slash("ask", [option("question", QUESTION)], user=user)
    payload["channel_id"] = channel
    return bot.post(payload).json()["data"]


def test_a_scoped_channel_never_quotes_outside_its_collections(desks: DiscordBot) -> None:
    assert _admin(desks, "scope", "collections", "local") == (
        "This channel answers from collection local and answers \\@mentions."
    )
    local = json.dumps(_ask(desks, LOCAL)["embeds"], ensure_ascii=False)
    assert "Harbour ferry returns" in local and "Putin" not in local
    elsewhere = _ask(desks, "700000000000000099")
    assert "26" in elsewhere["embeds"][0]["description"]
    # Anyone may read the setting; a thread reads its parent's.
    shown = slash("newsbot", [{"name": "scope", "type": 1}])
    shown["channel"] = {"id": "900", "type": 11, "parent_id": LOCAL}
    shown["channel_id"] = "900"
    content = desks.post(shown).json()["data"]["content"]
    assert content.startswith("This channel answers from collection local")


def test_a_mention_and_its_thread_answer_from_the_channel_scope(
    desks: DiscordBot, fake_discord: FakeDiscord
) -> None:
    _admin(desks, "scope", "collections", "local")
    message = user_message(f"<@{BOT_USER_ID}> {QUESTION}", message_id="8001", channel_id=LOCAL)
    fake_discord.dispatch("MESSAGE_CREATE", message)
    fake_discord.wait_for("start_thread")
    (reply,) = fake_discord.wait_for("create_message")
    assert "Harbour ferry returns" in json.dumps(reply["json"]["embeds"])
    assert desks.app.gateway is not None and desks.app.gateway.wait_idle(timeout=20)
    # The thread newsbot started follows the channel's settings.
    assert desks.runtime.state.channel("discord", reply["path"].split("/")[2]).scope == "local"


def test_settings_are_for_admins_and_checked(desks: DiscordBot) -> None:
    assert _admin(desks, "scope", "collections", "local", user=OTHER) == REFUSED_SETTING
    assert _admin(desks, "scope", "collections", "sport") == (
        "No collection is called “sport”. Collections: local \\(1\\), ukraine \\(5\\)."
    )
    assert "is not a collection name" in _admin(desks, "scope", "collections", "no good!")
    # No intent: what to switch on, its markdown escaped as every refusal's is.
    assert _admin(desks, "answer", "mode", "questions") == render.escape(QUESTIONS_NEED_CONTENT)
    assert _admin(desks, "answer", "mode", "silent").endswith("answers only /ask.")


def test_a_silent_channel_answers_only_ask(desks: DiscordBot, fake_discord: FakeDiscord) -> None:
    _admin(desks, "answer", "mode", "silent")
    fake_discord.dispatch(
        "MESSAGE_CREATE",
        user_message(f"<@{BOT_USER_ID}> {QUESTION}", message_id="8002", channel_id=LOCAL),
    )
    assert "26" in _ask(desks, LOCAL)["embeds"][0]["description"]  # /ask still answers
    gateway = desks.app.gateway
    assert gateway is not None
    deadline = time.monotonic() + 20
    while gateway.received["MESSAGE_CREATE"] < 1:
        assert time.monotonic() < deadline, "the gateway never received the mention"
        time.sleep(0.01)
    assert gateway.wait_idle(timeout=20)
    assert fake_discord.of("create_message") == [] and fake_discord.of("start_thread") == []


def test_past_the_question_budget_one_private_line_and_no_answer(
    desks: DiscordBot, fake_discord: FakeDiscord
) -> None:
    desks.runtime.budget = QuestionBudget(Budget(per_user=1, per_channel=100))
    assert _ask(desks, LOCAL)["embeds"]
    refused = _ask(desks, LOCAL)
    assert refused["flags"] == 64 and "Please try again in" in refused["content"]
    fake_discord.dispatch(
        "MESSAGE_CREATE",
        user_message(f"<@{BOT_USER_ID}> {QUESTION}", message_id="8003", author_id=OTHER),
    )
    (dm,) = fake_discord.wait_for("open_dm")
    assert dm["json"] == {"recipient_id": OTHER}
    (told,) = fake_discord.wait_for("create_message")
    assert told["path"] == f"/channels/DM{OTHER}/messages"
    assert "Please try again in" in told["json"]["content"]
    assert fake_discord.of("start_thread") == []


def test_admins_read_the_gaps(desks: DiscordBot) -> None:
    assert _ask(desks, LOCAL)["embeds"]  # answered: not a gap
    for n in range(12):  # more gaps than one message shows, each worded apart
        payload = slash("ask", [option("question", f"Who won prize number {n}x{n}y?")])
        assert desks.post(payload).json()["data"]["content"]
    refused = desks.post(slash("newsbot-admin", [{"name": "gaps", "type": 1}], user=OTHER))
    assert refused.json()["data"]["content"] == REFUSED_GAPS
    shown = desks.post(slash("newsbot-admin", [{"name": "gaps", "type": 1}], user=ADMIN))
    data = shown.json()["data"]
    within_limits(data)
    (embed,) = data["embeds"]
    assert len(embed["fields"]) == 10
    assert embed["fields"][0]["name"].startswith("1 time · last ")
    assert embed["fields"][0]["value"].startswith("“Who won prize number 11x11y?”")


def test_readers_vote_on_answers(desks: DiscordBot, fake_discord: FakeDiscord) -> None:
    private = _ask(desks, LOCAL)
    (row,) = private["components"]
    labels = [b["label"] for b in row["components"]]
    assert labels == ["Share in channel", "👍", "👎"]
    down = next(b["custom_id"] for b in row["components"] if b["label"] == "👎")
    click = {"custom_id": down, "component_type": 2}
    told = desks.post(interaction(3, click, user=OTHER)).json()["data"]
    assert told["flags"] == 64 and told["content"].startswith("Thanks: your 👎 is noted")
    (vote,) = desks.runtime.engine.feedback()
    assert (vote.vote, vote.user, vote.surface, vote.channel) == (-1, OTHER, "discord", LOCAL)
    gone = {"custom_id": "vote:up:nothing-kept", "component_type": 2}
    refused = desks.post(interaction(3, gone, user=OTHER)).json()["data"]["content"]
    assert refused == "That answer is no longer kept, so the vote was not recorded."
    # A mention's answer carries the votes too.
    fake_discord.dispatch(
        "MESSAGE_CREATE", user_message(f"<@{BOT_USER_ID}> {QUESTION}", message_id="8009")
    )
    (reply,) = fake_discord.wait_for("create_message")
    (row,) = reply["json"]["components"]
    assert [b["label"] for b in row["components"]] == ["👍", "👎"]


@pytest.fixture
def reading_content(
    discord_env: None, fake_discord: FakeDiscord, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DiscordBot]:
    """A gateway bot with the Message Content intent configured."""
    monkeypatch.setenv("DISCORD_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("NEWSBOT_DISCORD_MESSAGE_CONTENT", "1")
    engine, _ = engine_environment(db_path=db_path).open_engine()
    with engine:
        bot = start_discord(engine, fake_discord)
        assert bot.app.gateway is not None and bot.app.gateway.ready.wait(20)
        yield bot
        bot.stop()


def test_with_message_content_a_channel_can_answer_every_question(
    reading_content: DiscordBot, fake_discord: FakeDiscord
) -> None:
    (identify,) = fake_discord.wait_for_op(2)
    assert identify["d"]["intents"] & (1 << 15)  # MESSAGE_CONTENT
    assert _admin(reading_content, "answer", "mode", "questions").endswith(
        "answers \\@mentions and every question ending in ?."
    )
    plain = dict(mentions_bot=False, channel_id=LOCAL)
    fake_discord.dispatch(
        "MESSAGE_CREATE", user_message("lunch at noon", message_id="8101", **plain)
    )
    fake_discord.dispatch("MESSAGE_CREATE", user_message(QUESTION, message_id="8102", **plain))
    (thread,) = fake_discord.wait_for("start_thread")
    assert thread["path"] == f"/channels/{LOCAL}/messages/8102/threads"
    (reply,) = fake_discord.wait_for("create_message")
    assert "26" in json.dumps(reply["json"]["embeds"])
    # Elsewhere, a question without a mention is still not newsbot's.
    fake_discord.dispatch(
        "MESSAGE_CREATE", user_message(QUESTION, message_id="8103", mentions_bot=False)
    )
    gateway = reading_content.app.gateway
    assert gateway is not None
    deadline = time.monotonic() + 20
    while gateway.received["MESSAGE_CREATE"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert gateway.wait_idle(timeout=20)
    assert len(fake_discord.of("create_message")) == 1
