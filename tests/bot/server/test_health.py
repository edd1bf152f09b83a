"""What /healthz says (end to end in test_serve.py and the Discord gateway tests)."""

from __future__ import annotations

import types

from newsbot.bot.server.health import CONNECTED, CONNECTING, DOWN, check, socket_mode_probe


def test_ok_only_while_every_connection_is_connected() -> None:
    assert check(5, {}).to_json() == {"ok": True, "articles": 5}
    states = {"discord_gateway": CONNECTED, "slack_socket_mode": CONNECTED}
    health = check(7, {name: (lambda s=state: s) for name, state in states.items()})
    assert health.ok and health.to_json()["connections"] == states
    for bad in (CONNECTING, DOWN):
        health = check(
            7, {"discord_gateway": lambda b=bad: b, "slack_socket_mode": lambda: CONNECTED}
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
