"""Discord settings: defaults, and one line naming the variable for each mistake."""

from __future__ import annotations

import logging

import pytest

from newsbot.bot.discord.config import DEFAULT_API_URL, DiscordConfig, Grant
from newsbot.bot.server.logs import RedactTokens
from newsbot.index import ConfigError
from tests.bot.discord.fake_discord import APPLICATION_ID, BOT_TOKEN, PUBLIC_KEY

GOOD = {"DISCORD_APPLICATION_ID": APPLICATION_ID, "DISCORD_PUBLIC_KEY": PUBLIC_KEY}


def test_defaults() -> None:
    config = DiscordConfig.from_env(GOOD)
    assert config.api_url == DEFAULT_API_URL == "https://discord.com/api/v10"
    assert config.serves_interactions and not config.serves_gateway
    assert not config.ingesters.allows("100000000000000001")  # nobody unless listed
    assert not config.admins.allows("100000000000000001", ["200000000000000001"])
    with pytest.raises(ConfigError, match="DISCORD_BOT_TOKEN"):
        config.require_token()


def test_message_content_is_asked_for_only_when_configured() -> None:
    from newsbot.bot.discord.gateway import INTENTS, intents

    env = {"DISCORD_APPLICATION_ID": APPLICATION_ID, "DISCORD_BOT_TOKEN": BOT_TOKEN}
    plain = DiscordConfig.from_env(env)
    assert not plain.message_content and intents(plain) == INTENTS
    reading = DiscordConfig.from_env({**env, "NEWSBOT_DISCORD_MESSAGE_CONTENT": "1"})
    assert reading.message_content and intents(reading) != INTENTS


def test_gateway_only() -> None:
    env = {"DISCORD_APPLICATION_ID": APPLICATION_ID, "DISCORD_BOT_TOKEN": BOT_TOKEN}
    config = DiscordConfig.from_env({**env, "DISCORD_API_URL": "http://127.0.0.1:9/api/v10/"})
    assert config.serves_gateway and not config.serves_interactions
    assert config.api_url == "http://127.0.0.1:9/api/v10"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DISCORD_PUBLIC_KEY": PUBLIC_KEY}, "DISCORD_APPLICATION_ID"),
        ({**GOOD, "DISCORD_APPLICATION_ID": "my-bot"}, "DISCORD_APPLICATION_ID"),
        ({**GOOD, "DISCORD_PUBLIC_KEY": "abc"}, "DISCORD_PUBLIC_KEY"),
        ({"DISCORD_APPLICATION_ID": APPLICATION_ID}, "DISCORD_PUBLIC_KEY"),
        ({**GOOD, "DISCORD_BOT_TOKEN": "has space.x.y"}, "DISCORD_BOT_TOKEN"),
        ({**GOOD, "DISCORD_BOT_TOKEN": "nodots"}, "DISCORD_BOT_TOKEN"),
        # Dots, but no bot id in its first part: hikari's gateway refuses it at start.
        ({**GOOD, "DISCORD_BOT_TOKEN": "token.with.dots"}, "DISCORD_BOT_TOKEN"),
        ({**GOOD, "DISCORD_API_URL": "discord.com/api"}, "DISCORD_API_URL"),
        ({**GOOD, "NEWSBOT_DISCORD_INGEST_USERS": "alice"}, "NEWSBOT_DISCORD_INGEST_USERS"),
        ({**GOOD, "NEWSBOT_DISCORD_INGEST_ROLES": "editors"}, "NEWSBOT_DISCORD_INGEST_ROLES"),
        ({**GOOD, "NEWSBOT_DISCORD_ADMINS": "U012AB3CD"}, "NEWSBOT_DISCORD_ADMINS"),
        ({**GOOD, "NEWSBOT_DISCORD_ADMIN_ROLES": "1,2"}, "NEWSBOT_DISCORD_ADMIN_ROLES"),
        ({**GOOD, "NEWSBOT_DISCORD_MESSAGE_CONTENT": "maybe"}, "NEWSBOT_DISCORD_MESSAGE_CONTENT"),
    ],
)
def test_bad_configuration_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        DiscordConfig.from_env(env)
    assert info.value.variable == variable
    assert variable in str(info.value) and "\n" not in str(info.value)


def test_grants() -> None:
    user, role = "100000000000000001", "200000000000000001"
    assert Grant.parse("U", "*", "R", None).allows(None)
    grant = Grant.parse("U", user, "R", role)
    assert grant.allows(user) and grant.allows("100000000000000009", [role])
    assert not grant.allows("100000000000000009", ["200000000000000009"])
    assert not grant.allows(None)


def test_wanted() -> None:
    assert not DiscordConfig.wanted({"SLACK_BOT_TOKEN": "xoxb-1", "DISCORD_API_URL": "x"})
    assert DiscordConfig.wanted({"DISCORD_BOT_TOKEN": "a.b.c"})


def test_discord_tokens_never_reach_a_log_line() -> None:
    url = f"POST http://x/api/v10/webhooks/{APPLICATION_ID}/aW50ZXJhY3Rpb246MTIz.abc-_/messages"
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s with Bot %s", (url, BOT_TOKEN), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == (
        f"POST http://x/api/v10/webhooks/{APPLICATION_ID}/[redacted]/messages with Bot [redacted]"
    )
