"""Discord settings from the environment, checked once at start-up.

Anything missing or malformed stops start-up with a ConfigError whose one-line
message names the variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from newsbot.bot.server.settings import Env
from newsbot.index import ConfigError

DEFAULT_API_URL = "https://discord.com/api/v10"
# Any of these set means the operator wants Discord served.
DISCORD_VARIABLES = ("DISCORD_APPLICATION_ID", "DISCORD_PUBLIC_KEY", "DISCORD_BOT_TOKEN")

_SNOWFLAKE = re.compile(r"^\d{15,21}$")
_PUBLIC_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


def _snowflakes(name: str, raw: str | None) -> list[str]:
    items = [item.strip() for item in (raw or "").split(",") if item.strip()]
    for item in items:
        if not _SNOWFLAKE.match(item):
            raise ConfigError(
                f"{name}: {item!r} is not a Discord id (a number like 80351110224678912).",
                variable=name,
            )
    return items


def _token_shaped(token: str) -> bool:
    """Whether a bot token is one the gateway client can read: no spaces, a dot, and
    the bot's id in its first part, as hikari reads it (its own check, which would
    otherwise end the gateway's thread at start, after `serve` said it was serving)."""
    from hikari.applications import get_token_id

    if any(c.isspace() for c in token) or "." not in token:
        return False
    try:
        get_token_id(token)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Grant:
    """Who may do something: listed users, holders of listed roles, or everyone (`*`).

    Nothing listed means nobody. Discord's own permissions (Administrator,
    Manage Server) grant nothing here: one newsbot database serves every
    server the bot is in, so a server's admin is not newsbot's admin.
    """

    users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    everyone: bool = False

    @classmethod
    def parse(
        cls, users_name: str, users_raw: str | None, roles_name: str, roles_raw: str | None
    ) -> Grant:
        if (users_raw or "").strip() == "*":
            return cls(everyone=True)
        return cls(
            users=frozenset(_snowflakes(users_name, users_raw)),
            roles=frozenset(_snowflakes(roles_name, roles_raw)),
        )

    def allows(self, user_id: str | None, role_ids: Iterable[str] = ()) -> bool:
        if self.everyone:
            return True
        if user_id is not None and user_id in self.users:
            return True
        return not self.roles.isdisjoint(role_ids)


@dataclass(frozen=True)
class DiscordConfig:
    application_id: str
    public_key: str | None  # the interactions endpoint needs it
    bot_token: str | None  # the gateway and command registration need it
    api_url: str
    ingesters: Grant
    admins: Grant
    # Discord's privileged Message Content intent: the text of messages that do not
    # mention newsbot, for channels set to answer every question. Off unless asked for.
    message_content: bool = False

    @property
    def serves_interactions(self) -> bool:
        return self.public_key is not None

    @property
    def serves_gateway(self) -> bool:
        return self.bot_token is not None

    @staticmethod
    def wanted(env: Mapping[str, str] | None = None) -> bool:
        """Whether any Discord setting is present."""
        return Env.of(env).present(*DISCORD_VARIABLES)

    def require_token(self) -> str:
        if self.bot_token is None:
            raise ConfigError(
                "DISCORD_BOT_TOKEN is not set (Developer Portal -> Bot -> Token).",
                variable="DISCORD_BOT_TOKEN",
            )
        return self.bot_token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DiscordConfig:
        read = Env.of(env)
        get = read.text
        application_id = get("DISCORD_APPLICATION_ID")
        if application_id is None or not _SNOWFLAKE.match(application_id):
            problem = "is not set" if application_id is None else "is not a Discord id"
            raise ConfigError(
                f"DISCORD_APPLICATION_ID {problem} (Developer Portal -> General Information "
                "-> Application ID).",
                variable="DISCORD_APPLICATION_ID",
            )
        public_key = get("DISCORD_PUBLIC_KEY")
        if public_key is not None and not _PUBLIC_KEY.match(public_key):
            raise ConfigError(
                "DISCORD_PUBLIC_KEY must be the 64 hexadecimal characters of the "
                "application's public key.",
                variable="DISCORD_PUBLIC_KEY",
            )
        bot_token = get("DISCORD_BOT_TOKEN")
        if bot_token is not None and not _token_shaped(bot_token):
            raise ConfigError(
                "DISCORD_BOT_TOKEN is not a bot token (Developer Portal -> Bot -> Token).",
                variable="DISCORD_BOT_TOKEN",
            )
        if public_key is None and bot_token is None:
            raise ConfigError(
                "Discord needs DISCORD_PUBLIC_KEY (the interactions endpoint) or "
                "DISCORD_BOT_TOKEN (the gateway), or both.",
                variable="DISCORD_PUBLIC_KEY",
            )
        api_url = read.url("DISCORD_API_URL", DEFAULT_API_URL).rstrip("/")
        return cls(
            message_content=read.flag("NEWSBOT_DISCORD_MESSAGE_CONTENT"),
            application_id=application_id,
            public_key=public_key.lower() if public_key else None,
            bot_token=bot_token,
            api_url=api_url,
            ingesters=Grant.parse(
                "NEWSBOT_DISCORD_INGEST_USERS",
                get("NEWSBOT_DISCORD_INGEST_USERS"),
                "NEWSBOT_DISCORD_INGEST_ROLES",
                get("NEWSBOT_DISCORD_INGEST_ROLES"),
            ),
            admins=Grant.parse(
                "NEWSBOT_DISCORD_ADMINS",
                get("NEWSBOT_DISCORD_ADMINS"),
                "NEWSBOT_DISCORD_ADMIN_ROLES",
                get("NEWSBOT_DISCORD_ADMIN_ROLES"),
            ),
        )
