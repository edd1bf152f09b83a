"""One Discord gateway across replicas: the replica holding a PostgreSQL lock leads."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

from newsbot.bot.discord.leader import Leader
from newsbot.index import open_connection


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _leaders(url: str, events: list[str], count: int = 2) -> list[Leader]:
    return [
        Leader(
            lambda: open_connection(url, reconnect=False),
            lambda n=n: events.append(f"lead {n}"),
            lambda n=n: events.append(f"step down {n}"),
            poll=0.1,
        )
        for n in range(count)
    ]


def test_one_replica_leads_and_another_takes_over_when_it_stops(postgres_url: str) -> None:
    events: list[str] = []
    leaders = _leaders(postgres_url, events, 3)
    for leader in leaders:
        leader.start()
    try:
        _until(lambda: any(leader.leading for leader in leaders))
        time.sleep(0.5)  # several polls: nobody else takes it
        (first,) = [leader for leader in leaders if leader.leading]
        assert len(events) == 1 and events[0].startswith("lead ")
        first.stop()  # its session ends, and its lock with it
        assert events[1] == events[0].replace("lead", "step down")
        _until(lambda: sum(leader.leading for leader in leaders) == 1)
        assert [e.split()[0] for e in events] == ["lead", "step", "lead"]
    finally:
        for leader in leaders:
            leader.stop()


def test_a_leader_whose_session_is_lost_steps_down_at_once(postgres_url: str) -> None:
    events: list[str] = []
    (leader,) = _leaders(postgres_url, events, 1)
    leader.start()
    try:
        _until(lambda: leader.leading)
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        # Its next check fails: it stops the gateway, then, the lock being free, leads again.
        _until(lambda: len(events) >= 3)
        assert events[:3] == ["lead 0", "step down 0", "lead 0"]
    finally:
        leader.stop()
    assert events[-1] == "step down 0"
