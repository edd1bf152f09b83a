"""The Discord surface assembled: REST client, interactions, and the gateway."""

from __future__ import annotations

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.discord.gateway import Gateway
from newsbot.bot.discord.interactions import ANSWER_DEADLINE, Interactions
from newsbot.bot.discord.rest import DiscordAPI
from newsbot.bot.discord.server import INTERACTIONS_PATH, interactions_app
from newsbot.bot.server.health import Probe
from newsbot.bot.server.http import WSGIApp


class DiscordApp:
    """What `newsbot serve` runs for Discord: the interactions endpoint when
    DISCORD_PUBLIC_KEY is set, the gateway when DISCORD_BOT_TOKEN is."""

    def __init__(
        self, runtime: Runtime, config: DiscordConfig, *, answer_deadline: float = ANSWER_DEADLINE
    ) -> None:
        self.config = config
        self.api = DiscordAPI.from_config(config)
        self.interactions = Interactions(runtime, config, self.api, answer_deadline=answer_deadline)
        self.gateway = (
            Gateway(runtime, config, self.api, self.interactions) if config.serves_gateway else None
        )

    def routes(self) -> dict[str, WSGIApp]:
        if self.config.public_key is None:
            return {}
        return {INTERACTIONS_PATH: interactions_app(self.interactions, self.config.public_key)}

    def connections(self) -> dict[str, Probe]:
        """The gateway's connection, for /healthz (none without a gateway)."""
        return {} if self.gateway is None else {"discord_gateway": self.gateway.connection}

    def start(self) -> None:
        if self.gateway is not None:
            self.gateway.start()

    def close(self) -> None:
        """Stop the gateway, let answers in progress finish, then close."""
        if self.gateway is not None:
            self.gateway.stop()
        self.interactions.close()
        self.api.close()
