"""What /healthz says (end to end in test_serve.py and the Discord gateway tests)."""

from __future__ import annotations

import types

from newsbot.bot.server.health import CONNECTED, CONNECTING, DOWN, check, socket_mode_probe
from newsbot.index import Lag, StoreError


class _Runtime:
    """What /healthz asks of the runtime: the article count and the replica's lag."""

    def __init__(self, articles: int, lag: Lag | None = None, down: str | None = None) -> None:
        self.articles, self.lag, self.down = articles, lag, down

    def count_articles(self) -> int:
        if self.down:
            raise StoreError(self.down, path="postgresql://db/newsbot")
        return self.articles

    def replica_lag(self) -> Lag | None:
        return self.lag


def test_ok_only_while_every_connection_is_connected() -> None:
    assert check(_Runtime(5), {}).to_json() == {"ok": True, "articles": 5}
    states = {"discord_gateway": CONNECTED, "slack_socket_mode": CONNECTED}
    health = check(_Runtime(7), {name: (lambda s=state: s) for name, state in states.items()})
    assert health.ok and health.to_json()["connections"] == states
    for bad in (CONNECTING, DOWN):
        health = check(
            _Runtime(7),
            {"discord_gateway": lambda b=bad: b, "slack_socket_mode": lambda: CONNECTED},
        )
        assert not health.ok
        assert health.to_json() == {
            "ok": False,
            "articles": 7,
            "connections": {"discord_gateway": bad, "slack_socket_mode": CONNECTED},
        }


def test_socket_mode_is_read_from_its_client() -> None:
    connected = [True]
    handler = types.SimpleNamespace(client=types.SimpleNamespace(is_connected=lambda: connected[0]))
    probe = socket_mode_probe(handler)
    assert probe() == CONNECTED
    connected[0] = False
    assert probe() == DOWN


def test_a_replica_reports_its_lag_and_an_unreachable_database() -> None:
    lagging = check(_Runtime(9, Lag(rows=3, seconds=1.23456)), {})
    assert lagging.to_json() == {
        "ok": True,
        "articles": 9,
        "replica": {"behind": 3, "seconds_behind": 1.235},
    }
    away = check(_Runtime(9, down="The PostgreSQL database at db: it cannot be reached."), {})
    assert not away.ok
    assert away.to_json() == {
        "ok": False,
        "articles": None,
        "database": "The PostgreSQL database at db: it cannot be reached.",
    }
