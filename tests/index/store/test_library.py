"""The library keeps SQLite and the index in step; `reindex` mends any index."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot.index import Engine, IndexDamagedError, StoreError, WriterWait
from newsbot.index.models import ArticleDraft
from newsbot.index.store.library import index_path_for
from tests.conftest import seeded_engine
from tests.corpora import LIGHTHOUSE, die_after_the_sqlite_write


def _damage(index: Path, kind: str) -> None:
    if kind == "meta-garbage":
        (index / "meta.json").write_text("garbage\n")
    elif kind == "segments-emptied":
        for path in index.iterdir():
            if path.suffix in (".idx", ".term"):
                path.write_bytes(b"")
    elif kind == "a-file-not-a-folder":
        shutil.rmtree(index)
        index.write_text("x")
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["meta-garbage", "segments-emptied", "a-file-not-a-folder"])
def test_reindex_rebuilds_whatever_state_the_index_is_in(db_path: Path, kind: str) -> None:
    seeded_engine(db_path).close()
    index = index_path_for(db_path)
    _damage(index, kind)
    with pytest.raises(IndexDamagedError, match="Run `newsbot reindex`"):
        Engine(db_path)
    with Engine(db_path, replace_damaged_index=True) as engine:
        moved = engine.damaged_index
        assert moved is not None and moved.parent == index.parent
        assert moved.name.startswith(index.name + ".damaged-") and moved.exists()
        assert engine.reindex() == engine.store.count_passages() > 0
    with Engine(db_path) as engine:
        answer = engine.answer("How many countries pledged to send troops?")
        assert not answer.abstained and "26" in answer.quotes[0].text


def test_reindex_of_a_healthy_index_moves_nothing_and_clears_dead_writers_rows(
    db_path: Path,
) -> None:
    with seeded_engine(db_path) as engine:
        article = engine.sources()[0]
        # A writer that died after its SQLite write: a row left, the index untouched.
        with engine.store.sql.db.conn:
            engine.store.sql.db.execute(
                "INSERT INTO index_journal (article_id, op) VALUES (?, 'add')", [article.id]
            )
        assert engine.store.journal.pending()
    with Engine(db_path, replace_damaged_index=True) as engine:
        assert engine.damaged_index is None
        engine.reindex()
        assert engine.store.journal.pending() == []
        assert engine.retriever.num_docs == engine.store.count_passages()


def test_a_live_engine_replays_a_dead_writers_rows_when_it_next_takes_the_lock(
    db_path: Path,
) -> None:
    with seeded_engine(db_path) as engine:
        dead = die_after_the_sqlite_write(db_path, LIGHTHOUSE)
        assert engine.search("lighthouse keeper").hits == ()  # not in the index yet
        outcome = engine.ingest_bytes(b"The ferry sailed on time today, officials said.", "f.txt")
        assert outcome.article_id is not None
        hits = engine.search("lighthouse keeper").hits
        assert [h.article.id for h in hits] == [dead]
        assert engine.store.journal.pending() == []
        assert engine.retriever.num_docs == engine.store.count_passages()


def test_a_forget_replays_them_too(db_path: Path) -> None:
    with seeded_engine(db_path) as engine:
        dead = die_after_the_sqlite_write(db_path, LIGHTHOUSE)
        engine.forget(1)
        assert [h.article.id for h in engine.search("lighthouse keeper").hits] == [dead]
        assert engine.store.journal.pending() == []


_HOLDER = """
import sys, time
from newsbot.index import Engine
engine = Engine(sys.argv[1])
engine.library.hold_writer("a slow test holder")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))  # fetching slowly, say: alive, writing nothing
engine.close()
"""


def _holder(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_waiting_writer_waits_for_a_live_holder_however_slow(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded_engine(db_path).close()
    holder = _holder(db_path, 4.0)  # writes nothing for 4 s: longer than writer_wait
    told: list[WriterWait] = []
    started = time.monotonic()
    with (
        caplog.at_level(logging.INFO),
        Engine(db_path, writer_wait=1.5, on_wait=told.append) as engine,
    ):
        engine.forget(1)  # no StoreError: the holder was alive
        waited = time.monotonic() - started
    assert holder.wait(timeout=30) == 0
    assert waited > 2.5, waited
    assert told and told[0].alive and told[0].waited < 1.0
    assert told[0].describe() == f"newsbot process {holder.pid} (a slow test holder)"
    assert "(a normal hand-over)" in caplog.text and "died" not in caplog.text


def test_a_waiting_writer_gives_up_on_a_holder_that_stopped(db_path: Path) -> None:
    seeded_engine(db_path).close()
    holder = _holder(db_path, 30.0)
    os.kill(holder.pid, signal.SIGSTOP)  # frozen: the lock is held, the heartbeat stops
    try:
        started = time.monotonic()
        with Engine(db_path, writer_wait=1.5) as engine, pytest.raises(StoreError) as info:
            engine.forget(1)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(timeout=30)
    message = str(info.value)
    assert f"held by newsbot process {holder.pid} (a slow test holder)" in message
    assert "no sign of life for 1.5 s" in message and "looks stuck" in message
    # The beat goes stale after 3 s, then 1.5 s more without one.
    assert 1.4 < waited < 8.0, waited
    with Engine(db_path) as engine:  # the lock went with the process
        assert engine.forget(1).id == 1


def test_a_writer_clears_its_journal_before_it_hands_over(db_path: Path) -> None:
    """A writer that took the lock the moment it was released found the finished
    writer's journal rows, and replayed them as a dead writer's."""
    with seeded_engine(db_path) as engine:
        retriever = engine.library.retriever
        pending_at_release: list[int] = []
        release = retriever.release

        def spied() -> None:
            pending_at_release.append(len(engine.store.journal.pending()))
            release()

        retriever.release = spied  # type: ignore[method-assign]
        engine.ingest(ArticleDraft(text=LIGHTHOUSE, origin="lighthouse.txt"))
        engine.forget(1)
    assert pending_at_release == [0, 0]


def test_two_ingests_in_turn_log_a_normal_hand_over(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seeded_engine(db_path).close()
    first = subprocess.Popen(
        [sys.executable, "-c", _INGEST_TWICE, str(db_path)], stderr=subprocess.PIPE, text=True
    )
    with caplog.at_level(logging.INFO), Engine(db_path) as engine:
        for n in range(40):
            draft = ArticleDraft(text=f"Second writer story {n}: the tram ran late.", origin="b")
            engine.ingest(draft)
    _, first_log = first.communicate(timeout=60)
    assert first.returncode == 0, first_log
    for log_text in (caplog.text, first_log):
        assert "writer that died" not in log_text and "interrupted" not in log_text
    with Engine(db_path) as engine:
        assert engine.store.journal.pending() == []
        assert engine.count_articles() == 5 + 80


_INGEST_TWICE = """
import logging, sys
from newsbot.index import Engine
logging.basicConfig(level=logging.INFO)
from newsbot.index.models import ArticleDraft
with Engine(sys.argv[1]) as engine:
    for n in range(40):
        engine.ingest(ArticleDraft(text=f"First writer story {n}: the ferry sailed.", origin="a"))
"""
