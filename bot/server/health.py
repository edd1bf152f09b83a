"""What /healthz reports: the library's size, each long-lived connection a surface
holds (Slack's Socket Mode, Discord's gateway), and, for a replica of a PostgreSQL
library, how far its index is behind the change log.

A server whose only way in is a websocket is no use while that socket is down,
though its HTTP port answers: a load balancer or a supervisor must see it. Each
surface gives a probe per connection; /healthz is ok only while every one says
"connected" (or "standby": another replica holds it) and the library can be
read. A replica reads its own copy: with PostgreSQL away it still answers, so
it stays ok and reports the database's one line under "database".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from newsbot.index import Lag, StoreError

CONNECTED = "connected"
CONNECTING = "connecting"  # not yet connected once since the start
DOWN = "down"
STANDBY = "standby"  # another replica holds this connection (the Discord gateway): fine

Probe = Callable[[], str]  # one of the states above


@dataclass(frozen=True)
class Health:
    articles: int | None  # None: the database did not answer
    connections: Mapping[str, str]
    lag: Lag | None = None  # a PostgreSQL replica's
    database_error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether this server answers: its library read (a replica reads its own copy,
        so PostgreSQL away is reported, not failed) and every connection up."""
        return self.articles is not None and all(
            state in (CONNECTED, STANDBY) for state in self.connections.values()
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "articles": self.articles}
        if self.database_error is not None:
            body["database"] = self.database_error
        if self.connections:
            body["connections"] = dict(self.connections)
        if self.lag is not None:
            body["replica"] = {
                "behind": self.lag.rows,
                "seconds_behind": round(self.lag.seconds, 3),
            }
        return body


def check(runtime: Any, probes: Mapping[str, Probe]) -> Health:
    """The runtime's library and its connections, as they are now."""
    connections = {name: probe() for name, probe in sorted(probes.items())}
    try:
        articles = runtime.count_articles()
    except StoreError as exc:  # the library cannot be read: a 503, never a traceback
        return Health(None, connections, database_error=str(exc))
    try:
        return Health(articles, connections, runtime.replica_lag())
    except StoreError as exc:  # PostgreSQL away: this replica still answers; say so
        return Health(articles, connections, database_error=str(exc))


def socket_mode_probe(handler: Any) -> Probe:
    """Slack's Socket Mode client: connected, or down (it reconnects by itself)."""
    return lambda: CONNECTED if handler.client.is_connected() else DOWN
