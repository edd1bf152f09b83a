"""Several newsbot processes on one database: readers never blocked, writers take
turns, and whatever SQLite holds is searchable, through kills at random points."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsbot.index import Engine
from tests.corpora import no_seeds_env, write_corpus


def _newsbot(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newsbot.bot", "--db", str(db), *args]


def _start_ingests(db: Path, env: dict[str, str], *corpora: Path) -> list[subprocess.Popen]:
    """One `newsbot ingest` process per corpus, all at once; stderr kept for the asserts."""
    return [
        subprocess.Popen(
            _newsbot(db, "ingest", str(corpus)),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for corpus in corpora
    ]


def _check_every_article(db: Path, expected: set[int]) -> None:
    """The store and the index agree, and every article is found by its own marker."""
    with Engine(db) as engine:
        engine.repair_index()
        assert engine.store.journal.pending() == []
        assert engine.retriever.num_docs == engine.store.count_passages()
        found: dict[int, int] = {}
        for article in engine.sources():
            n = int(article.headline.split()[2])
            assert n not in found, f"article {n} is stored twice"
            found[n] = article.id
        assert set(found) == expected
        for n, article_id in found.items():
            hits = engine.search(f"marker{n}tag", k=1).hits
            assert hits and hits[0].article.id == article_id, n


def test_reads_go_on_during_a_2000_article_ingest(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 2000)
    db = tmp_path / "read.db"
    env = no_seeds_env(tmp_path)
    seeded = tmp_path / "first"
    write_corpus(seeded, 1, start=5000)  # something to read from the start
    subprocess.run(_newsbot(db, "ingest", str(seeded)), env=env, check=True, capture_output=True)
    (ingest,) = _start_ingests(db, env, corpus)
    reads = []
    commands = [
        ("ask", "--json", "Which vessel docked on Monday?"),
        ("sources", "--json"),
        ("search", "--json", "harbour master marker5000tag"),
    ]
    while ingest.poll() is None and len(reads) < 30:
        command = commands[len(reads) % len(commands)]
        reads.append(
            subprocess.run(_newsbot(db, *command), env=env, capture_output=True, text=True)
        )
    assert ingest.wait(timeout=300) == 0, ingest.stderr.read() if ingest.stderr else ""
    assert len(reads) >= 3, "the ingest ended before any read could run beside it"
    record_property("reads_during_ingest", len(reads))
    for read in reads:
        assert read.returncode == 0, read.stderr
        json.loads(read.stdout)
    search = json.loads(reads[2].stdout)
    assert search["results"][0]["passage"].count("marker5000tag") == 1
    _check_every_article(db, set(range(2000)) | {5000})


def test_two_ingests_at_once_both_finish(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_corpus(first, 700)
    write_corpus(second, 700, start=1000)
    db = tmp_path / "two.db"
    env = no_seeds_env(tmp_path)
    procs = _start_ingests(db, env, first, second)
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert all("locked" not in err for _, err in results)
    _check_every_article(db, set(range(700)) | set(range(1000, 1700)))


def test_concurrent_writers_killed_at_random_points_lose_nothing(tmp_path: Path) -> None:
    """Two ingests (of overlapping corpora) killed at random points, 24 kills in all;
    after each round the store is consistent, and at the end every article is
    there once and findable."""
    first, second = tmp_path / "a", tmp_path / "b"
    write_corpus(first, 900)
    write_corpus(second, 600, start=900)
    for n in range(600, 900):  # in both folders, the same text: stored once
        shutil.copy(first / f"{n:04d}.txt", second / f"{n:04d}.txt")
    db = tmp_path / "kills.db"
    env = no_seeds_env(tmp_path)
    rng = random.Random(2026)
    kills = 0
    for _ in range(12):
        procs = _start_ingests(db, env, first, second)
        for proc in procs:
            time.sleep(rng.uniform(0.2, 1.2))
            proc.kill()
            kills += 1
        for proc in procs:
            proc.communicate()
        with Engine(db) as engine:  # what the next process to open it sees
            engine.repair_index()
            assert engine.store.journal.pending() == []
            assert engine.retriever.num_docs == engine.store.count_passages()
    assert kills >= 20
    for corpus in (first, second):
        done = subprocess.run(
            _newsbot(db, "ingest", str(corpus)), env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    _check_every_article(db, set(range(1500)))
