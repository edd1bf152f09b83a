"""The library keeps SQLite and the index in step; `reindex` mends any index."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot.index import Engine, IndexDamagedError, StoreError
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
        with engine.store.db.conn:
            engine.store.db.execute(
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
from newsbot.index.models import ArticleDraft
from newsbot.index.ingest.pipeline import prepare
engine = Engine(sys.argv[1])
engine.hold_writer()
print("holding", flush=True)
for n in range(int(sys.argv[3])):
    time.sleep(0.3)
    if sys.argv[2] == "progressing":  # a bulk ingest: one SQLite commit after another
        draft = ArticleDraft(text=f"Story {n}: the ferry number {n} sailed today.", origin="x")
        engine.store.add_article(prepare(draft))
engine.close()
"""


def _holder(db_path: Path, how: str, rounds: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db_path), how, str(rounds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_waiting_writer_waits_while_the_holder_makes_progress(db_path: Path) -> None:
    seeded_engine(db_path).close()
    holder = _holder(db_path, "progressing", 14)  # about 4 s, longer than writer_wait
    told: list[float] = []
    started = time.monotonic()
    with Engine(db_path, writer_wait=1.5, on_wait=told.append) as engine:
        engine.hold_writer()  # no StoreError: the holder was busy, not stuck
        waited = time.monotonic() - started
        engine.release_writer()
    assert holder.wait(timeout=30) == 0
    assert waited > 2.0, waited
    assert told and told[0] < 1.0


def test_a_waiting_writer_gives_up_on_a_holder_that_is_stuck(db_path: Path) -> None:
    seeded_engine(db_path).close()
    holder = _holder(db_path, "stuck", 20)  # holds the lock about 6 s, writing nothing
    started = time.monotonic()
    with Engine(db_path, writer_wait=1.5) as engine, pytest.raises(StoreError) as info:
        engine.hold_writer()
    waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert "made no progress for 1.5 s" in str(info.value) and "looks stuck" in str(info.value)
    assert 1.4 < waited < 5.0, waited
