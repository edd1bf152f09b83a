"""The Slack state: claims that are leases until the reply is posted, and its migrations."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from newsbot.bot.chat.state import MIGRATIONS, ChatState
from newsbot.index import StoreError
from tests.conftest import Database
from tests.postgres import Cluster

EVERY_BACKEND = True  # each test that opens a database: on SQLite and on PostgreSQL


def test_a_claim_is_a_lease_until_it_is_finished(database: Database) -> None:
    state = ChatState(database.location, lease=0.3)
    body = json.dumps({"event_id": "Ev1"})
    assert state.claim("event:Ev1", body=body)
    assert not state.claim("event:Ev1")  # another delivery, while the first is at work
    assert state.unfinished(prefix="event:") == []  # the lease has not run out yet
    time.sleep(0.35)
    assert state.unfinished(prefix="event:") == [body]  # its owner died: a restart may answer it
    assert state.claim("event:Ev1")  # and a late delivery may take it over
    state.finish("event:Ev1")
    time.sleep(0.35)
    assert not state.claim("event:Ev1")  # answered: never again
    assert state.unfinished(prefix="event:") == []
    state.close()


def test_a_database_from_before_the_migrations_keeps_its_claims(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)  # the tables as the first Slack release made them
    conn.execute("CREATE TABLE slack_seen (key TEXT PRIMARY KEY, seen_at FLOAT)")
    conn.execute(
        "CREATE TABLE slack_threads (channel TEXT, thread_ts TEXT, question TEXT, "
        "answered_at FLOAT, PRIMARY KEY (channel, thread_ts))"
    )
    conn.execute("INSERT INTO slack_seen VALUES ('event:Old', ?)", [time.time() - 3600])
    conn.commit()
    conn.close()
    state = ChatState(path, lease=0.0)
    applied = [m.name for m in MIGRATIONS.applied(state.sql.db)]
    assert applied == [
        "001_seen_and_threads",
        "002_claims_finish_after_the_reply",
        "003_shown_answers",
        "004_channel_settings",
    ]
    assert not state.claim("event:Old")  # claimed before the upgrade: taken as answered
    assert state.unfinished(prefix="event:") == []
    state.close()


def test_a_shown_answer_is_kept_for_its_surface_until_it_is_too_old(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsbot.bot.chat.state as chat_state

    state = ChatState(database.location)
    message = {"text": "“Двадцать шесть стран” 😀", "blocks": [{"type": "section"}]}
    kept = "answer-id-the-engine-kept"
    state.keep_shown("slack", message, shown_id=kept)
    assert state.shown("slack", kept) == message  # any script, as it was
    assert state.shown("discord", kept) is None  # one surface's ids mean nothing to another
    assert state.shown("slack", "unknown") is None
    monkeypatch.setattr(chat_state, "SHOWN_TTL_SECONDS", -1)  # a week has passed
    assert state.shown("slack", kept) is None
    state.close()


def test_channel_settings_are_kept_per_surface_and_threads_follow_their_parent(
    database: Database,
) -> None:
    from newsbot.bot.chat.channels import AnswerMode, ChannelSettings

    state = ChatState(database.location)
    assert state.channel("slack", "C1") == ChannelSettings(None, AnswerMode.MENTIONS)
    state.set_channel("slack", "C1", by="UADMIN", scope="ukraine,world")
    state.set_channel("slack", "C1", by="UADMIN", mode=AnswerMode.QUESTIONS)
    assert state.channel("slack", "C1") == ChannelSettings("ukraine,world", AnswerMode.QUESTIONS)
    assert state.channel("discord", "C1") == ChannelSettings()  # another surface's C1
    state.link_channel("discord", "T9", "C7")
    state.set_channel("discord", "C7", by="A", scope="all")
    assert state.channel("discord", "T9").scope == "all"
    state.set_channel("slack", "C1", by="UADMIN", scope=None)  # back to the default
    state.close()
    again = ChatState(database.location)  # kept across a restart
    assert again.channel("slack", "C1") == ChannelSettings(None, AnswerMode.QUESTIONS)


def test_one_claim_wins_among_replicas_claiming_at_once(database: Database) -> None:
    """Eight connections (replicas, on PostgreSQL) claim one event at the same moment."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    states = [ChatState(database.location, lease=30) for _ in range(8)]
    barrier = threading.Barrier(len(states))

    def claim(state: ChatState, key: str) -> bool:
        barrier.wait()
        return state.claim(key, body="{}")

    try:
        for round_ in range(5):
            key = f"event:EvRace{round_}"
            with ThreadPoolExecutor(len(states)) as pool:
                won = list(pool.map(claim, states, [key] * len(states)))
            assert won.count(True) == 1, won
    finally:
        for state in states:
            state.close()


def test_with_postgresql_away_answering_reads_go_on(
    postgres_cluster: Cluster, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from newsbot.bot.chat.channels import AnswerMode, ChannelSettings

    state = ChatState(postgres_url)
    try:
        state.set_channel("slack", "C1", by="UADMIN", scope="ukraine", mode=AnswerMode.QUESTIONS)
        assert state.channel("slack", "C1").scope == "ukraine"
        state.remember_thread("C1", "1.0", "Who met in Paris?")
        postgres_cluster.pg_ctl("stop")
        try:
            # The settings as last read; a channel never read: the defaults.
            assert state.channel("slack", "C1") == ChannelSettings("ukraine", AnswerMode.QUESTIONS)
            assert state.channel("slack", "C2") == ChannelSettings()
            assert state.thread_question("C1", "1.0") is None  # read on its own meanwhile
            assert state.claim("event:EvAway")  # answered, unclaimed
            state.keep_shown("slack", {"text": "kept?"}, shown_id="s1")  # skipped, no raise
            with pytest.raises(StoreError, match="cannot be reached"):
                state.set_channel("slack", "C1", by="UADMIN", scope=None)  # the admin's to read
        finally:
            postgres_cluster.pg_ctl("start")
        assert state.thread_question("C1", "1.0") == "Who met in Paris?"
        assert state.channel("slack", "C1").scope == "ukraine"
    finally:
        state.close()
    lines = [r.getMessage() for r in caplog.records]
    assert any(
        line.startswith("could not read channel settings (answering goes on)") for line in lines
    )
    assert any(line.startswith("could not read conversation topics") for line in lines)
