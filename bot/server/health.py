"""What /healthz reports: the library's size, and each long-lived connection a
surface holds (Slack's Socket Mode, Discord's gateway).

A server whose only way in is a websocket is no use while that socket is down,
though its HTTP port answers: a load balancer or a supervisor must see it. Each
surface gives a probe per connection; /healthz is ok only while every one says
"connected".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CONNECTED = "connected"
CONNECTING = "connecting"  # not yet connected once since the start
DOWN = "down"

Probe = Callable[[], str]  # one of the three states above


@dataclass(frozen=True)
class Health:
    articles: int
    connections: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return all(state == CONNECTED for state in self.connections.values())

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "articles": self.articles}
        if self.connections:
            body["connections"] = dict(self.connections)
        return body


def check(articles: int, probes: Mapping[str, Probe]) -> Health:
    return Health(articles, {name: probe() for name, probe in sorted(probes.items())})


def socket_mode_probe(handler: Any) -> Probe:
    """Slack's Socket Mode client: connected, or down (it reconnects by itself)."""
    return lambda: CONNECTED if handler.client.is_connected() else DOWN
