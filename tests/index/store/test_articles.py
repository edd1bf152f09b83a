import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils.migrations import Migrations

from newsbot.index.errors import StoreError
from newsbot.index.ingest.pipeline import prepare
from newsbot.index.models import ArticleDraft
from newsbot.index.store import neardup
from newsbot.index.store.articles import Store, StoredAlready, open_store
from newsbot.index.store.schema import ENGINE
from newsbot.index.text.analysis import analyze

TEXT = (
    "The council voted on Tuesday to approve the new budget for the harbour, officials said. "
    "Mayor Ailsa Munro said the vote was close."
)


STEPS = [
    "001_articles_passages_journal",
    "002_minhash_and_terms",
    "003_speakers",
    "004_article_ids_never_reused",
    "005_collections",
    "006_unanswered",
    "007_feedback",
    "008_gaps_grouped_as_they_arrive",
]


def _applied(store: Store) -> list[str]:
    return [m.name for m in ENGINE.applied(store.sql.db)]


def test_a_new_database_gets_every_step_in_order(tmp_path: Path) -> None:
    store = open_store(tmp_path / "new.db")
    assert _applied(store) == STEPS
    assert store.sql.db.execute("PRAGMA user_version").fetchone()[0] == len(STEPS)
    store.close()
    again = open_store(tmp_path / "new.db")  # nothing pending: nothing applied twice
    assert _applied(again) == STEPS


def test_a_version_1_database_from_before_migrations_is_upgraded_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    store = open_store(path)
    # Make it look like a database written by schema version 1, before migration sets.
    store.sql.db.execute(f"DROP TABLE {Migrations.migrations_table}")
    store.sql.db.execute("DROP TABLE article_lsh")
    store.sql.db.execute("ALTER TABLE articles DROP COLUMN minhash")
    store.sql.db.execute("ALTER TABLE passages DROP COLUMN terms")
    store.sql.db.execute("ALTER TABLE passages DROP COLUMN speakers")
    store.sql.db.execute("PRAGMA user_version = 1")
    store.sql.db.conn.execute(
        "INSERT INTO articles (headline, content_hash, text, ingested_at) VALUES (?, ?, ?, ?)",
        ["Budget", "h", TEXT, "2025-01-01T00:00:00+00:00"],
    )
    store.sql.db.conn.execute(
        'INSERT INTO passages (article_id, ordinal, start, "end", sentences) '
        "VALUES (1, 0, 0, ?, ?)",
        [len(TEXT), f"[[0, {len(TEXT)}]]"],
    )
    store.close()

    upgraded = open_store(path)
    assert _applied(upgraded) == STEPS
    assert upgraded.sql.db.execute("PRAGMA user_version").fetchone()[0] == len(STEPS)
    near = upgraded.lsh.find(neardup.signature(TEXT))
    assert near is not None and near[0] == 1 and near[1] == 1.0
    ((passage, article),) = upgraded.get_passages([1]).values()
    assert passage.sentence_terms == (analyze(TEXT),)
    assert passage.speakers == ("Ailsa Munro",)  # attributed by the upgrade
    assert passage.text == TEXT
    assert (article.id, article.headline) == (1, "Budget")


def test_a_newer_legacy_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"DROP TABLE {Migrations.migrations_table}")
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(StoreError, match="Upgrade newsbot") as info:
        open_store(path)
    assert info.value.path == str(path)


def test_a_database_with_an_unknown_step_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = open_store(path)
    store.sql.db[Migrations.migrations_table].insert(
        {"migration_set": "newsbot", "name": "099_from_the_future", "applied_at": "later"}
    )
    store.close()
    with pytest.raises(StoreError, match="099_from_the_future"):
        open_store(path)


def test_a_failed_article_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "x.db")
    first = prepare(ArticleDraft(text="A\n\n" + TEXT, origin="a.txt"))
    added = store.add_article(first)
    # The same text again is found in the transaction that would store it.
    assert store.add_article(first) == StoredAlready(added.id)
    other = prepare(ArticleDraft(text="B\n\nSomething else entirely, said nobody.", origin="b"))

    def fails(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.lsh, "add", fails)  # after the article and its passages
    with pytest.raises(sqlite3.OperationalError):
        store.add_article(other)
    assert store.count_articles() == 1
    assert store.count_passages() == 1
    assert len(store.journal.pending()) == 1
    assert store.sql.db["article_lsh"].count == neardup.BANDS


def test_opening_waits_for_a_writer_on_a_new_database(tmp_path: Path) -> None:
    """Two processes opening a new database at once: switching it to WAL needs a
    moment alone with the file, so the second one waits instead of failing."""
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # a writer mid-transaction: a RESERVED lock
    holder.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    store = open_store(path)
    assert store.sql.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    holder.close()


def _as_made_by_the_release_before_autoincrement(path: Path) -> None:
    """Turn a new database back into one made by the release before step 004: the
    articles table without AUTOINCREMENT (and no collections), three steps applied,
    user_version 3."""
    conn = sqlite3.connect(path, isolation_level=None)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'").fetchone()
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    conn.execute("DROP TABLE article_collections")  # step 005's, later still
    conn.execute(sql.replace(" AUTOINCREMENT", "").replace('"articles"', '"plain"', 1))
    conn.execute("INSERT INTO plain SELECT * FROM articles")
    conn.execute("DROP TABLE articles")
    conn.execute("ALTER TABLE plain RENAME TO articles")
    conn.execute('CREATE UNIQUE INDEX "idx_articles_content_hash" ON "articles" ("content_hash")')
    conn.execute('CREATE INDEX "idx_articles_url" ON "articles" ("url")')
    for step in STEPS[3:]:
        conn.execute(f"DELETE FROM {Migrations.migrations_table} WHERE name = ?", [step])
    conn.execute("PRAGMA user_version = 3")
    conn.execute("COMMIT")
    conn.close()


def _add(store: Store, text: str) -> int:
    return store.add_article(prepare(ArticleDraft(text=text, origin="t.txt"))).id


def test_article_ids_are_never_reused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "ids.db")
    first = _add(store, TEXT)
    newest = _add(store, TEXT.replace("budget", "bridge repairs"))
    store.delete_article(newest)
    again = _add(store, TEXT.replace("budget", "ferry timetable"))
    assert (first, newest, again) == (1, 2, 3)  # 2 stays retired: `forget 2` finds nothing


def test_a_database_from_before_autoincrement_keeps_its_ids_and_stops_reusing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    store = open_store(path)
    ids = [_add(store, TEXT.replace("budget", word)) for word in ("budget", "bridge", "ferry")]
    store.delete_article(ids[1])
    store.close()
    _as_made_by_the_release_before_autoincrement(path)
    assert (
        "AUTOINCREMENT"
        not in sqlite3.connect(path)
        .execute("SELECT sql FROM sqlite_master WHERE name = 'articles'")
        .fetchone()[0]
    )

    upgraded = open_store(path)
    assert _applied(upgraded) == STEPS
    assert [a.id for a in upgraded.list_articles()] == [1, 3]
    ((passage, article),) = [
        v for v in upgraded.get_passages(range(1, 20)).values() if v[1].id == 3
    ]
    assert article.headline and "ferry" in passage.text
    upgraded.delete_article(3)
    assert _add(upgraded, TEXT.replace("budget", "tram")) == 4  # 3 is not handed out again
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are on again after migrating
        upgraded.sql.db.execute("DELETE FROM articles WHERE id = 1")


def test_a_page_of_articles_is_read_in_sql_with_the_filter_counted(tmp_path: Path) -> None:
    store = open_store(tmp_path / "pages.db")
    for word in ("budget", "bridge repairs", "ferry timetable", "100% rise", "school_roof"):
        _add(store, f"Harbour {word} approved\n\n" + TEXT.replace("budget", word))
    assert [a.id for a in store.list_articles(offset=1, limit=2)] == [2, 3]
    assert [a.id for a in store.list_articles(offset=4)] == [5]
    assert store.list_articles(offset=9, limit=5) == []
    assert (store.count_articles(), store.count_articles("HARBOUR")) == (5, 5)
    # LIKE's wildcards in a filter are the characters they are.
    assert [a.id for a in store.list_articles("100%")] == [4]
    assert store.count_articles("_roof") == 1 and store.count_articles("%") == 1
    with pytest.raises(ValueError, match="negative"):
        store.list_articles(offset=-1)
