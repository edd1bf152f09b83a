"""Kill an ingest at random points; the next open must find SQLite and the index agreeing."""

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from index.engine import Engine

ARTICLES = 3000


def _write_corpus(directory: Path) -> None:
    directory.mkdir()
    for n in range(ARTICLES):
        (directory / f"{n:04d}.txt").write_text(
            f"Story number {n} about the harbour\n\n"
            f"The harbour master confirmed that vessel marker{n}tag docked on Monday. "
            f"Officials said cargo item {n} was unloaded without delay.\n\n"
            "Dock workers described the operation as routine and efficient.",
            encoding="utf-8",
        )


def _check_consistent(db: Path) -> int:
    with Engine(db, autoseed=False) as engine:
        assert engine.store.pending_journal() == []
        assert engine.retriever.num_docs == engine.store.count_passages()
        articles = engine.sources()
        for article in random.Random(0).sample(articles, min(15, len(articles))):
            n = int(article.headline.split()[2])
            hits = engine.search(f"marker{n}tag", k=1).hits
            assert hits and hits[0].article.id == article.id
        return len(articles)


def test_killed_ingests_leave_a_consistent_store(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    db = tmp_path / "kill.db"
    rng = random.Random(1234)
    command = [sys.executable, "-m", "bot", "--db", str(db), "ingest", str(corpus)]
    # No bundled seeds in this database: only the corpus is counted.
    (tmp_path / "no-seeds").mkdir()
    env = {**os.environ, "NEWSBOT_SEEDS": str(tmp_path / "no-seeds")}
    counts = []
    for _ in range(4):
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        time.sleep(rng.uniform(0.6, 1.6))
        proc.kill()
        proc.wait()
        counts.append(_check_consistent(db))
    assert counts == sorted(counts)  # progress is kept across kills
    assert 0 < counts[-1] < ARTICLES, counts  # the kills did land mid-ingest
    finished = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert finished.returncode == 0, finished.stderr
    assert _check_consistent(db) == ARTICLES
