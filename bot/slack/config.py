"""Slack settings from the environment, checked once at start-up.

Anything missing or malformed stops start-up with a ConfigError whose one-line
message names the variable, so an operator never has to read a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from newsbot.bot.server.settings import Env
from newsbot.index import ConfigError

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Allowlist:
    """Slack user ids allowed to do something. `*` allows everyone; empty allows nobody."""

    users: frozenset[str]
    everyone: bool = False

    @classmethod
    def parse(cls, name: str, raw: str | None) -> Allowlist:
        items = [item.strip() for item in (raw or "").split(",") if item.strip()]
        if items == ["*"]:
            return cls(frozenset(), everyone=True)
        for item in items:
            if item == "*" or not item.isalnum() or item[0] not in "UW":
                raise ConfigError(
                    f"{name}: {item!r} is not a Slack user id (like U012AB3CD) or a lone '*'.",
                    variable=name,
                )
        return cls(frozenset(items))

    def allows(self, user_id: str | None) -> bool:
        return self.everyone or (user_id is not None and user_id in self.users)


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    ingest_users: Allowlist
    admins: Allowlist

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackConfig:
        read = Env.of(env)
        get = read.text
        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set (the bot token, xoxb-...).", variable="SLACK_BOT_TOKEN"
            )
        if not bot_token.startswith("xoxb-"):
            raise ConfigError(
                "SLACK_BOT_TOKEN must be a bot token starting with xoxb-.",
                variable="SLACK_BOT_TOKEN",
            )
        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp-.",
                variable="SLACK_APP_TOKEN",
            )
        signing_secret = get("SLACK_SIGNING_SECRET")
        if app_token is None and signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set; HTTP mode needs it "
                "(or set SLACK_APP_TOKEN for Socket Mode).",
                variable="SLACK_SIGNING_SECRET",
            )
        api_url = read.url("SLACK_API_URL", DEFAULT_API_URL)
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=api_url,
            ingest_users=Allowlist.parse("NEWSBOT_INGEST_USERS", get("NEWSBOT_INGEST_USERS")),
            admins=Allowlist.parse("NEWSBOT_ADMINS", get("NEWSBOT_ADMINS")),
        )
