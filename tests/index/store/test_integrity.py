"""A damaged database is noticed: on open when that is cheap, before the first write
otherwise, and in full by `Engine.check` (`newsbot check`)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from newsbot.index import Engine, StoreError
from newsbot.index.models import ArticleDraft
from newsbot.index.store import integrity, library
from tests.corpora import write_corpus


def _library(db_path: Path, tmp_path: Path) -> None:
    """About 200 articles: a file of some megabytes, mostly b-tree pages."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 200)
    with Engine(db_path) as engine:
        assert sum(1 for _ in engine.ingest_paths([corpus], workers=1)) == 200


def _damage(db_path: Path) -> None:
    """8 KB of random bytes written into the middle of the file (it was closed whole)."""
    size = db_path.stat().st_size
    with db_path.open("r+b") as file:
        file.seek(size // 2)
        file.write(random.Random(8).randbytes(8192))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_whole_database_passes_both_checks(db_path: Path, tmp_path: Path) -> None:
    _library(db_path, tmp_path)
    assert integrity.run_check(db_path).ok
    result = Engine.check(db_path)
    assert result.ok and result.advice is None
    assert result.database.kind == "integrity_check"
    assert result.passages == 200 and result.index_problems == ()  # one passage each


def test_a_damaged_database_is_refused_on_open_in_one_line(db_path: Path, tmp_path: Path) -> None:
    _library(db_path, tmp_path)
    _damage(db_path)
    before = _digest(db_path)
    with pytest.raises(StoreError) as info:
        Engine(db_path)
    message = str(info.value)
    assert "\n" not in message
    assert f"The database at {db_path} is damaged: SQLite's quick_check found" in message
    assert "Restore it from a backup" in message and "`newsbot check`" in message
    assert _digest(db_path) == before  # nothing was written into it


def test_a_large_damaged_database_is_checked_before_its_first_write(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _library(db_path, tmp_path)
    _damage(db_path)
    monkeypatch.setattr(library, "ON_OPEN_MAX_BYTES", 1024)  # "too large" to check on open
    before = _digest(db_path)
    with Engine(db_path) as engine:  # opens: reading may go on
        with pytest.raises(StoreError, match="is damaged: SQLite's quick_check"):
            engine.ingest(ArticleDraft(text="A new story about the ferry timetable.", origin="x"))
        with pytest.raises(StoreError, match="is damaged"):
            engine.forget(1)
    assert _digest(db_path) == before


def test_the_full_check_lists_the_damage_and_what_to_do(db_path: Path, tmp_path: Path) -> None:
    _library(db_path, tmp_path)
    _damage(db_path)
    result = Engine.check(db_path)
    assert not result.ok and not result.database.ok
    assert 0 < len(result.database.problems) <= integrity.MAX_PROBLEMS
    assert all("\n" not in problem for problem in result.database.problems)
    assert result.advice is not None and result.advice.startswith("Restore it from a backup")


def test_the_full_check_finds_an_index_that_disagrees(db_path: Path, tmp_path: Path) -> None:
    _library(db_path, tmp_path)
    with Engine(db_path) as engine, engine.library.lock:
        engine.store.sql.db.execute("DELETE FROM passages WHERE article_id = 1")
    result = Engine.check(db_path)
    assert result.database.ok and not result.ok
    (problem,) = result.index_problems
    assert problem.startswith("the index holds") and "the database" in problem
    assert result.advice == "Run `newsbot reindex`: it rebuilds the index from the database."


def test_checking_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No database at"):
        Engine.check(tmp_path / "nowhere.db")
