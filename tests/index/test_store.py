import sqlite3
from pathlib import Path

import pytest

from index import neardup
from index.analysis import analyze
from index.errors import StoreError
from index.passages import build_passages
from index.store import SCHEMA_VERSION, Store

TEXT = "The council voted on Tuesday to approve the new budget for the harbour, officials said."


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(path)
    # Make it look like a database written by schema version 1.
    store.db.execute("DROP TABLE article_lsh")
    store.db.execute("ALTER TABLE articles DROP COLUMN minhash")
    store.db.execute("ALTER TABLE passages DROP COLUMN terms")
    store.db.execute("PRAGMA user_version = 1")
    store.db.conn.execute(
        "INSERT INTO articles (headline, content_hash, text, ingested_at) VALUES (?, ?, ?, ?)",
        ["Budget", "h", TEXT, "2025-01-01T00:00:00+00:00"],
    )
    store.db.conn.execute(
        'INSERT INTO passages (article_id, ordinal, start, "end", sentences) '
        "VALUES (1, 0, 0, ?, ?)",
        [len(TEXT), f"[[0, {len(TEXT)}]]"],
    )
    store.close()

    upgraded = Store(path)
    assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert upgraded.get_meta("schema_version") == str(SCHEMA_VERSION)
    near = upgraded.find_near_duplicate(neardup.signature(TEXT))
    assert near is not None and near[0] == 1 and near[1] == 1.0
    (passage,) = upgraded.get_passages([1]).values()
    assert passage.sentence_terms == (analyze(TEXT),)


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="Upgrade newsbot"):
        Store(path)


def test_a_failed_article_write_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    store.add_article(headline="A", text=TEXT, content_hash="same", passages=build_passages(TEXT))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_article(  # the same content hash: the UNIQUE index refuses it
            headline="B",
            text=TEXT + " More.",
            content_hash="same",
            passages=build_passages(TEXT + " More."),
        )
    assert store.count_articles() == 1
    assert store.count_passages() == 1
    assert len(store.pending_journal()) == 1
