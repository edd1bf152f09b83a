"""The gateway: the real hikari client against the fake gateway and REST API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsbot.bot.chat.state import ChatState
from newsbot.bot.cli.environment import engine_environment
from newsbot.bot.discord.gateway import CLAIM_PREFIX, HELP, INTENTS, Mention, route_message
from newsbot.index import Engine
from tests.bot.discord.conftest import DiscordBot, option, slash, start_discord
from tests.bot.discord.fake_discord import BOT_TOKEN, BOT_USER_ID, FakeDiscord, user_message

TROOPS = "How many countries pledged to send troops?"
CHANNEL = "700000000000000001"


@pytest.fixture
def gateway_env(discord_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", BOT_TOKEN)


@pytest.fixture
def engine_for_gateway(gateway_env: None, db_path: Path) -> Iterator[Engine]:
    engine, _ = engine_environment(db_path=db_path).open_engine()
    with engine:
        yield engine


def _connect(engine: Engine, fake: FakeDiscord, **kwargs: Any) -> DiscordBot:
    bot = start_discord(engine, fake, **kwargs)
    assert bot.app.gateway is not None
    assert bot.app.gateway.ready.wait(20), "the gateway never became ready"
    return bot


@pytest.fixture
def gateway_bot(engine_for_gateway: Engine, fake_discord: FakeDiscord) -> Iterator[DiscordBot]:
    bot = _connect(engine_for_gateway, fake_discord)
    yield bot
    bot.stop()


def _settle(bot: DiscordBot, messages: int | None = None) -> None:
    """The gateway received `messages` MESSAGE_CREATEs (default: every one the fake
    sent) and has handled them all."""
    gateway = bot.app.gateway
    assert gateway is not None
    deadline = time.monotonic() + 20
    expected = bot.fake.dispatched["MESSAGE_CREATE"] if messages is None else messages
    while gateway.received["MESSAGE_CREATE"] < expected:
        assert time.monotonic() < deadline, "the gateway did not receive every message"
        time.sleep(0.01)
    assert gateway.wait_idle(timeout=20)


def test_identify_carries_the_token_and_the_message_intents(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    (identify,) = fake_discord.wait_for_op(2)
    assert identify["d"]["token"] == BOT_TOKEN
    assert identify["d"]["intents"] == int(INTENTS)
    (gateway_call,) = fake_discord.of("gateway_bot")
    assert gateway_call["auth"] == f"Bot {BOT_TOKEN}"


def test_a_mention_is_answered_once_in_a_thread_on_the_message(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    message = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="800000000000000001")
    fake_discord.dispatch("MESSAGE_CREATE", message)
    (thread,) = fake_discord.wait_for("start_thread")
    assert thread["path"] == f"/channels/{CHANNEL}/messages/800000000000000001/threads"
    assert thread["json"]["name"] == TROOPS
    (reply,) = fake_discord.wait_for("create_message")
    assert reply["auth"] == f"Bot {BOT_TOKEN}"
    body = reply["json"]
    assert body["content"].startswith(f"**Q:** {TROOPS}\nConfidence: **high**")
    assert body["allowed_mentions"] == {"parse": []}
    assert "26 of Ukraine" in json.dumps(body["embeds"], ensure_ascii=False)
    # The same message again (a replay after a resume): answered once.
    fake_discord.dispatch("MESSAGE_CREATE", message)
    _settle(gateway_bot)
    assert len(fake_discord.of("create_message")) == 1


def test_a_replay_after_a_reconnect_is_answered_once(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    message = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="800000000000000002")
    fake_discord.dispatch("MESSAGE_CREATE", message)
    fake_discord.wait_for("create_message")
    fake_discord.ask_reconnect()
    (resume,) = fake_discord.wait_for_op(6)  # hikari resumed, and got the event again
    assert resume["d"]["session_id"] == "fake-session-1"
    assert fake_discord.connections == 2
    _settle(gateway_bot)
    assert len(fake_discord.of("create_message")) == 1


def test_a_message_answered_before_a_restart_is_not_answered_after(
    engine_for_gateway: Engine, fake_discord: FakeDiscord
) -> None:
    message = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="800000000000000003")
    first = _connect(engine_for_gateway, fake_discord)
    fake_discord.dispatch("MESSAGE_CREATE", message)
    fake_discord.wait_for("create_message")
    first.stop()
    second = _connect(engine_for_gateway, fake_discord)
    try:
        fake_discord.dispatch("MESSAGE_CREATE", message)
        _settle(second, messages=1)
        assert len(fake_discord.of("create_message")) == 1
    finally:
        second.stop()


def test_a_message_claimed_by_a_crashed_newsbot_is_answered_after_restart(
    engine_for_gateway: Engine, fake_discord: FakeDiscord
) -> None:
    message = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="800000000000000004")
    # A newsbot that claimed the message, then died before replying.
    crashed = ChatState(engine_for_gateway.db_path, lease=0.3)
    assert crashed.claim(CLAIM_PREFIX + message["id"], body=json.dumps(message))
    crashed.close()
    time.sleep(0.4)
    restarted = _connect(engine_for_gateway, fake_discord, claim_lease=0.3)
    try:
        (reply,) = fake_discord.wait_for("create_message")
        assert reply["json"]["content"].startswith(f"**Q:** {TROOPS}")
        # The claim is marked answered just after the reply is posted: wait for it.
        deadline = time.monotonic() + 10
        while restarted.runtime.state.unfinished(prefix=CLAIM_PREFIX):
            assert time.monotonic() < deadline, "the replayed claim was never finished"
            time.sleep(0.05)
        assert restarted.runtime.state.unfinished(prefix=CLAIM_PREFIX) == []
    finally:
        restarted.stop()


def test_bots_newsbot_and_unmentioned_messages_are_ignored(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    mention = f"<@{BOT_USER_ID}> {TROOPS}"
    fake_discord.dispatch("MESSAGE_CREATE", user_message(mention, message_id="1001", bot=True))
    own = user_message(mention, message_id="1002", author_id=BOT_USER_ID)
    fake_discord.dispatch("MESSAGE_CREATE", own)
    quiet = user_message(TROOPS, message_id="1003", mentions_bot=False)
    fake_discord.dispatch("MESSAGE_CREATE", quiet)
    _settle(gateway_bot)
    assert fake_discord.replies() == [] and fake_discord.of("start_thread") == []


def test_a_dm_is_answered_as_a_reply(gateway_bot: DiscordBot, fake_discord: FakeDiscord) -> None:
    dm = user_message(TROOPS, message_id="1004", guild_id=None, mentions_bot=False)
    dm["channel_id"] = "710000000000000009"
    fake_discord.dispatch("MESSAGE_CREATE", dm)
    (reply,) = fake_discord.wait_for("create_message")
    assert reply["path"] == "/channels/710000000000000009/messages"
    assert reply["json"]["message_reference"]["message_id"] == "1004"
    assert fake_discord.of("start_thread") == []


def test_a_mention_inside_a_thread_is_answered_in_that_thread(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    fake_discord.thread_refusals["1005"] = 400  # Discord: no thread from a message in a thread
    message = user_message(f"<@{BOT_USER_ID}>", message_id="1005")
    fake_discord.dispatch("MESSAGE_CREATE", message)
    (reply,) = fake_discord.wait_for("create_message")
    assert reply["path"] == f"/channels/{CHANNEL}/messages"
    assert reply["json"]["content"] == HELP  # a bare mention gets the how-to
    assert reply["json"]["message_reference"]["message_id"] == "1005"


def test_without_the_thread_permission_the_answer_is_a_reply(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    fake_discord.thread_refusals["1007"] = 403
    question = "How many countries\n pledged troops?"
    fake_discord.dispatch(
        "MESSAGE_CREATE", user_message(f"<@{BOT_USER_ID}> {question}", message_id="1007")
    )
    (reply,) = fake_discord.wait_for("create_message")
    assert (
        fake_discord.of("start_thread")[0]["json"]["name"] == "How many countries pledged troops?"
    )
    assert reply["path"] == f"/channels/{CHANNEL}/messages"
    assert reply["json"]["message_reference"]["message_id"] == "1007"
    assert reply["json"]["content"].startswith("**Q:** How many countries")


def test_a_rate_limited_reply_is_retried_after_retry_after(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    fake_discord.rate_limit["create_message"] = 1
    message = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="1006")
    fake_discord.dispatch("MESSAGE_CREATE", message)
    limited, sent = fake_discord.wait_for("create_message", 2)
    assert (limited["status"], sent["status"]) == (429, 200)
    assert sent["at"] - limited["at"] >= 0.2  # the fake's retry_after


def test_interactions_over_the_gateway_are_answered_by_callback(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    payload = slash("ask", [option("question", TROOPS)])
    fake_discord.dispatch("INTERACTION_CREATE", payload)
    (callback,) = fake_discord.wait_for("callback")
    assert callback["path"] == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert callback["auth"] is None
    assert callback["json"]["type"] == 4
    assert callback["json"]["data"]["content"].startswith(f"**Q:** {TROOPS}")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (user_message(f"<@{BOT_USER_ID}> Hi there?", message_id="1"), "Hi there?"),
        (user_message(f"<@!{BOT_USER_ID}>   spaced  ", message_id="1"), "spaced"),
        (user_message("in a DM", message_id="1", guild_id=None, mentions_bot=False), "in a DM"),
        (user_message("no mention", message_id="1", mentions_bot=False), None),
        (user_message(f"<@{BOT_USER_ID}> x", message_id="1", bot=True), None),
        (user_message(f"<@{BOT_USER_ID}> x", message_id="1", author_id=BOT_USER_ID), None),
        ({**user_message(f"<@{BOT_USER_ID}> x", message_id="1"), "webhook_id": "9"}, None),
        ({**user_message(f"<@{BOT_USER_ID}> x", message_id="1"), "type": 7}, None),  # a join
    ],
)
def test_route_message(payload: dict[str, Any], expected: str | None) -> None:
    routed = route_message(payload, BOT_USER_ID)
    if expected is None:
        assert routed is None
    else:
        assert isinstance(routed, Mention) and routed.question == expected


def test_nothing_is_answered_before_newsbot_knows_its_own_id() -> None:
    assert route_message(user_message("hello", message_id="1", guild_id=None), None) is None


def test_a_dm_follow_up_keeps_the_conversation_topic_when_repeated(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    texts = ["Who is Ukraine's foreign minister?", "and what did he say?", "and what did he say?"]
    for n, text in enumerate(texts):
        dm = user_message(text, message_id=f"200{n}", guild_id=None, mentions_bot=False)
        dm["channel_id"] = "710000000000000008"
        fake_discord.dispatch("MESSAGE_CREATE", dm)
        fake_discord.wait_for("create_message", n + 1)
    replies = fake_discord.of("create_message")
    first_speakers = [
        reply["json"]["embeds"][0]["description"].split("— ", 1)[1].strip("*")[:13]
        for reply in replies
    ]
    assert first_speakers == ["Andrii Sybiha"] * 3, first_speakers


def test_a_silent_channel_routes_no_guild_message_but_dms() -> None:
    from newsbot.bot.chat.channels import AnswerMode

    mention = user_message(f"<@{BOT_USER_ID}> Who won?", message_id="1")
    assert route_message(mention, BOT_USER_ID, AnswerMode.SILENT) is None
    dm = user_message("Who won?", message_id="2", guild_id=None, mentions_bot=False)
    routed = route_message(dm, BOT_USER_ID, AnswerMode.SILENT)
    assert isinstance(routed, Mention) and routed.question == "Who won?"


def test_healthz_says_when_the_gateway_is_down(
    gateway_bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    """A malformed or revoked token once killed the gateway while /healthz said ok."""
    health = httpx.get(gateway_bot.url + "/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["connections"] == {"discord_gateway": "connected"}
    fake_discord.close_gateway(4004)  # authentication failed: hikari gives up
    deadline = time.monotonic() + 20
    while (health := httpx.get(gateway_bot.url + "/healthz", timeout=5)).status_code == 200:
        assert time.monotonic() < deadline, "/healthz still ok with the gateway closed"
        time.sleep(0.1)
    assert health.status_code == 503
    assert health.json() == {
        "ok": False,
        "articles": 5,
        "connections": {"discord_gateway": "down"},
    }
