"""Fixtures: a fake Discord (REST and gateway) and the real interactions endpoint
(waitress) on free local ports, with interactions signed by a test Ed25519 key."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.cli.environment import engine_environment
from newsbot.bot.discord.app import DiscordApp
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.discord.server import INTERACTIONS_PATH
from newsbot.bot.server.http import ServerConfig, create_server, http_app
from newsbot.index import Engine
from tests.bot.discord.fake_discord import (
    APPLICATION_ID,
    PUBLIC_KEY,
    FakeDiscord,
    sign,
)

INGESTER = "100000000000000001"
ADMIN = "100000000000000002"
OTHER = "100000000000000003"
EDITOR_ROLE = "200000000000000001"
GUILD = "600000000000000001"
CHANNEL = "700000000000000001"

_ids = itertools.count(900000000000000000)


@pytest.fixture
def discord_env(monkeypatch: pytest.MonkeyPatch, fake_discord: FakeDiscord) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", PUBLIC_KEY)
    monkeypatch.setenv("DISCORD_API_URL", fake_discord.api_url)
    monkeypatch.setenv("NEWSBOT_DISCORD_INGEST_USERS", INGESTER)
    monkeypatch.setenv("NEWSBOT_DISCORD_INGEST_ROLES", EDITOR_ROLE)
    monkeypatch.setenv("NEWSBOT_DISCORD_ADMINS", ADMIN)
    monkeypatch.setenv("NEWSBOT_ALLOW_PRIVATE_URLS", "1")


def interaction(
    kind: int,
    data: dict[str, Any] | None = None,
    *,
    user: str = OTHER,
    roles: list[str] | None = None,
    in_guild: bool = True,
) -> dict[str, Any]:
    """An interaction payload shaped like Discord's."""
    payload: dict[str, Any] = {
        "id": str(next(_ids)),
        "application_id": APPLICATION_ID,
        "type": kind,
        "token": f"tok{next(_ids)}",
        "version": 1,
        "channel_id": CHANNEL,
    }
    who = {"id": user, "username": "reader", "discriminator": "0", "global_name": "Reader"}
    if in_guild:
        payload["guild_id"] = GUILD
        payload["member"] = {"user": who, "roles": roles or [], "permissions": "8"}
    else:
        payload["user"] = who
    if data is not None:
        payload["data"] = data
    return payload


def slash(name: str, options: list[dict[str, Any]] | None = None, **kwargs: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "1", "name": name, "type": 1, "options": options or []}
    if "resolved" in kwargs:
        data["resolved"] = kwargs.pop("resolved")
    return interaction(2, data, **kwargs)


def option(name: str, value: Any, kind: int = 3) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


@dataclass
class DiscordBot:
    url: str
    fake: FakeDiscord
    app: DiscordApp
    runtime: Runtime
    server: Any
    stopping: threading.Event

    def post(
        self,
        payload: dict[str, Any] | bytes,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ts = timestamp if timestamp is not None else str(int(time.time()))
        all_headers = {
            "Content-Type": "application/json",
            "X-Signature-Timestamp": ts,
            "X-Signature-Ed25519": signature if signature is not None else sign(body, ts),
            **(headers or {}),
        }
        return httpx.post(self.url + INTERACTIONS_PATH, content=body, headers=all_headers)

    def settle(self) -> None:
        """Wait until every answer and ingest this bot started has been sent."""
        assert self.app.interactions.wait_idle(timeout=60)
        assert self.runtime.ingest_queue.wait_idle(timeout=60)
        assert self.app.interactions.wait_idle(timeout=60)  # an ingest's edit is done

    def stop(self) -> None:
        self.stopping.set()
        self.server.close()
        self.app.close()
        self.runtime.close()


def start_discord(engine: Engine, fake: FakeDiscord, **kwargs: Any) -> DiscordBot:
    runtime = Runtime.open(engine, claim_lease=kwargs.pop("claim_lease", 30.0))
    app = DiscordApp(runtime, DiscordConfig.from_env(), **kwargs)
    server = create_server(
        http_app(app.routes(), runtime, app.connections()),
        ServerConfig(host="127.0.0.1", port=0, threads=4),
    )
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not stopping.is_set():  # closing the sockets is how waitress stops
                raise

    threading.Thread(target=run, daemon=True).start()
    app.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    return DiscordBot(url, fake, app, runtime, server, stopping)


@pytest.fixture
def discord_bot(
    discord_env: None, fake_discord: FakeDiscord, db_path: Path
) -> Iterator[DiscordBot]:
    engine, _ = engine_environment(db_path=db_path).open_engine()
    with engine:
        running = start_discord(engine, fake_discord)
        yield running
        running.stop()
