"""The Discord surface assembled: REST client, interactions, and the gateway."""

from __future__ import annotations

import threading

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.discord.gateway import Gateway
from newsbot.bot.discord.interactions import ANSWER_DEADLINE, Interactions
from newsbot.bot.discord.leader import POLL_S, Leader
from newsbot.bot.discord.rest import DiscordAPI
from newsbot.bot.discord.server import INTERACTIONS_PATH, interactions_app
from newsbot.bot.server.health import STANDBY, Probe
from newsbot.bot.server.http import WSGIApp


class DiscordApp:
    """What `newsbot serve` runs for Discord: the interactions endpoint when
    DISCORD_PUBLIC_KEY is set, the gateway when DISCORD_BOT_TOKEN is. Over
    PostgreSQL only the replica holding the gateway lock connects (`leader`); the
    others stand by, and the interactions endpoint works on every replica."""

    def __init__(
        self,
        runtime: Runtime,
        config: DiscordConfig,
        *,
        answer_deadline: float = ANSWER_DEADLINE,
        leader_poll: float = POLL_S,
    ) -> None:
        self.config = config
        self.runtime = runtime
        self.api = DiscordAPI.from_config(config)
        self.interactions = Interactions(runtime, config, self.api, answer_deadline=answer_deadline)
        self._lock = threading.Lock()
        self.leader: Leader | None = None
        self.gateway: Gateway | None = None
        if config.serves_gateway and runtime.engine.shared:
            self.leader = Leader(
                lambda: runtime.engine.open_connection(reconnect=False),
                self._lead,
                self._step_down,
                poll=leader_poll,
            )
        elif config.serves_gateway:
            self.gateway = self._new_gateway()

    def _new_gateway(self) -> Gateway:
        return Gateway(self.runtime, self.config, self.api, self.interactions)

    def _lead(self) -> None:
        with self._lock:
            self.gateway = self._new_gateway()
            self.gateway.start()

    def _step_down(self) -> None:
        with self._lock:
            gateway, self.gateway = self.gateway, None
        if gateway is not None:
            gateway.stop()

    def _gateway_state(self) -> str:
        gateway = self.gateway
        if gateway is None:
            return STANDBY  # another replica holds the gateway
        return gateway.connection()

    def routes(self) -> dict[str, WSGIApp]:
        if self.config.public_key is None:
            return {}
        return {INTERACTIONS_PATH: interactions_app(self.interactions, self.config.public_key)}

    def connections(self) -> dict[str, Probe]:
        """The gateway's connection, for /healthz (none without a gateway; "standby" on a
        replica that does not hold it)."""
        if self.leader is not None:
            return {"discord_gateway": self._gateway_state}
        return {} if self.gateway is None else {"discord_gateway": self.gateway.connection}

    def start(self) -> None:
        if self.leader is not None:
            self.leader.start()
        elif self.gateway is not None:
            self.gateway.start()

    def close(self) -> None:
        """Stop the gateway, let answers in progress finish, then close."""
        if self.leader is not None:
            self.leader.stop()  # steps down: stops the gateway it runs
        elif self.gateway is not None:
            self.gateway.stop()
        self.interactions.close()
        self.api.close()
