"""The engine's tables and their migrations, as ordered, named steps.

sqlite-utils' `Migrations` records each applied step in `_sqlite_migrations`,
so a database is brought up to date step by step, whatever version it was
made by. Add a step at the end; never edit or reorder one that has shipped.

Databases made before this mechanism carry their version in
`PRAGMA user_version` (1 or 2); `adopt_legacy_version` records those steps as
applied. `user_version` keeps counting the engine's steps, so an older newsbot,
which checks it, refuses a database that a newer one has changed.
"""

from __future__ import annotations

import json

import sqlite_utils
from sqlite_utils.migrations import Migrations

from newsbot.index.errors import StoreError
from newsbot.index.store import gaps, neardup
from newsbot.index.store.database import (
    SqliteConnection,
    applied_step_names,
    migrate,
    select,
    step_names,
    transaction,
)
from newsbot.index.text.analysis import analyze, encode_terms
from newsbot.index.text.speakers import speakers_by_passage

ENGINE = Migrations("newsbot")


@ENGINE(name="001_articles_passages_journal")
def _articles_passages_journal(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db["articles"].create(
        {
            "id": int,
            "headline": str,
            "outlet": str,
            "author": str,
            "published": str,
            "url": str,
            "origin": str,
            "content_hash": str,
            "text": str,
            "word_count": int,
            "passage_count": int,
            "ingested_at": str,
        },
        pk="id",
        not_null={"headline", "content_hash", "text", "ingested_at"},
        if_not_exists=True,
    )
    db["articles"].create_index(["content_hash"], unique=True, if_not_exists=True)
    db["articles"].create_index(["url"], if_not_exists=True)
    db["passages"].create(
        {"id": int, "article_id": int, "ordinal": int, "start": int, "end": int, "sentences": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"article_id", "ordinal", "start", "end", "sentences"},
        if_not_exists=True,
    )
    db["passages"].create_index(["article_id"], if_not_exists=True)
    db["index_journal"].create(
        {"seq": int, "article_id": int, "op": str}, pk="seq", if_not_exists=True
    )


@ENGINE(name="002_minhash_and_terms")
def _minhash_and_terms(db: sqlite_utils.Database) -> None:
    """MinHash signatures and LSH buckets, for near-duplicate detection, and each
    passage's analysed terms (per sentence), so neither quoting nor reindexing
    analyses text again. Existing rows are backfilled."""
    db["articles"].add_column("minhash", bytes)
    db["passages"].add_column("terms", str)
    rows = select(
        db,
        "SELECT p.id, a.text, p.sentences FROM passages p JOIN articles a ON a.id = p.article_id",
    )
    for row in list(rows):
        terms = encode_terms([analyze(row["text"][a:b]) for a, b in json.loads(row["sentences"])])
        db.execute("UPDATE passages SET terms = ? WHERE id = ?", [terms, row["id"]])
    db["article_lsh"].create(
        {"bucket": int, "article_id": int},
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["article_lsh"].create_index(["bucket"], if_not_exists=True)
    db["article_lsh"].create_index(["article_id"], if_not_exists=True)
    lsh = neardup.LshTable(SqliteConnection(db, _file(db)))
    for row in list(select(db, "SELECT id, text FROM articles")):
        lsh.add(row["id"], neardup.signature(row["text"]))


@ENGINE(name="003_speakers")
def _speakers(db: sqlite_utils.Database) -> None:
    """Who speaks in each sentence (index/text/speakers.py), per passage as a JSON list
    aligned with `sentences`. Existing articles are attributed now."""
    db["passages"].add_column("speakers", str)
    for article in list(select(db, "SELECT id, text FROM articles")):
        rows = list(
            select(
                db,
                "SELECT id, sentences FROM passages WHERE article_id = ? ORDER BY ordinal",
                [article["id"]],
            )
        )
        spans = [[(a, b) for a, b in json.loads(row["sentences"])] for row in rows]
        for row, speakers in zip(rows, speakers_by_passage(article["text"], spans), strict=True):
            db.execute(
                "UPDATE passages SET speakers = ? WHERE id = ?", [json.dumps(speakers), row["id"]]
            )


@ENGINE(name="004_article_ids_never_reused")
def _article_ids_never_reused(db: sqlite_utils.Database) -> None:
    """Article ids from AUTOINCREMENT: forgetting the newest article no longer frees its
    id for the next one, so a retried `forget 6` or a stale link never names another
    article. SQLite takes AUTOINCREMENT only when a table is created, so the table is
    rebuilt with its ids (foreign keys are off while migrating; checked before commit).
    The counter starts at the largest id stored: an id forgotten before this step, if
    it was the newest, was already free."""
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'").fetchone()
    if "AUTOINCREMENT" in sql:
        return  # a database adopted from before migration sets, made by this code
    rebuilt = sql.replace('"id" INTEGER PRIMARY KEY,', '"id" INTEGER PRIMARY KEY AUTOINCREMENT,', 1)
    if rebuilt == sql:
        raise StoreError(
            "The articles table does not have the shape this step expects.", path=_file(db)
        )
    db.execute(rebuilt.replace('CREATE TABLE "articles"', 'CREATE TABLE "articles_rebuilt"', 1))
    db.execute("INSERT INTO articles_rebuilt SELECT * FROM articles")
    db.execute("DROP TABLE articles")
    db.execute("ALTER TABLE articles_rebuilt RENAME TO articles")
    db["articles"].create_index(["content_hash"], unique=True, if_not_exists=True)
    db["articles"].create_index(["url"], if_not_exists=True)
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(
            f"Rebuilding the articles table would orphan rows: {broken[:3]}.", path=_file(db)
        )


@ENGINE(name="005_collections")
def _collections(db: sqlite_utils.Database) -> None:
    """Named collections ("ukraine", "local"): an article belongs to any number of them,
    and a channel's questions can be answered from some only. Forgetting an article
    removes it from every one (ON DELETE CASCADE, and the store deletes them too)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS article_collections ("
        "article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE, "
        "name TEXT NOT NULL, PRIMARY KEY (article_id, name))"
    )
    db.execute("CREATE INDEX IF NOT EXISTS article_collections_name ON article_collections (name)")


@ENGINE(name="006_unanswered")
def _unanswered(db: sqlite_utils.Database) -> None:
    """Questions nobody could answer: each abstention (and each answer a reader marked
    wrong), with where it was asked and the closest articles, for an editor to read."""
    db["unanswered"].create(
        {
            "id": int,
            "question": str,
            "asked_at": str,
            "surface": str,
            "channel": str,
            "why": str,
            "closest": str,
        },
        pk="id",
        not_null={"question", "asked_at", "why"},
        if_not_exists=True,
    )
    db["unanswered"].create_index(["asked_at"], if_not_exists=True)


@ENGINE(name="007_feedback")
def _feedback(db: sqlite_utils.Database) -> None:
    """Answers as shown in chat (question, quotes by article and offsets, confidence,
    where), under a short id the 👍/👎 buttons carry, and each reader's vote on one:
    one row per answer and user, so a changed vote replaces the first."""
    db["shown"].create(
        {
            "id": str,
            "question": str,
            "quotes": str,
            "confidence": str,
            "evidence": float,
            "surface": str,
            "channel": str,
            "shown_at": str,
        },
        pk="id",
        not_null={"question", "quotes", "confidence", "shown_at"},
        if_not_exists=True,
    )
    db["shown"].create_index(["shown_at"], if_not_exists=True)
    db["votes"].create(
        {"answer_id": str, "user": str, "vote": int, "voted_at": str},
        pk=("answer_id", "user"),
        foreign_keys=[("answer_id", "shown", "id")],
        not_null={"vote", "voted_at"},
        if_not_exists=True,
    )


@ENGINE(name="008_gaps_grouped_as_they_arrive")
def _gaps_grouped(db: sqlite_utils.Database) -> None:
    """Gaps kept grouped as questions arrive (store/gaps.py): one row a gap, its words
    indexed, so neither recording a question nor listing the gaps reads every question
    ever kept. The questions already kept are grouped here, oldest first."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS gap_groups (id INTEGER PRIMARY KEY, question TEXT NOT NULL, "
        "terms TEXT NOT NULL, asked INTEGER NOT NULL, marked_wrong INTEGER NOT NULL, "
        "last_asked TEXT NOT NULL, last_row INTEGER NOT NULL, wordings TEXT NOT NULL, "
        "closest TEXT NOT NULL, surfaces TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS gap_groups_last_row ON gap_groups (last_row)")
    db.execute("CREATE INDEX IF NOT EXISTS gap_groups_last_asked ON gap_groups (last_asked)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS gap_terms (term TEXT NOT NULL, group_id INTEGER NOT NULL, "
        "PRIMARY KEY (term, group_id)) WITHOUT ROWID"
    )
    if "group_id" not in db["unanswered"].columns_dict:
        db["unanswered"].add_column("group_id", int)
    db.execute("CREATE INDEX IF NOT EXISTS unanswered_group ON unanswered (group_id)")
    gaps.group_existing(SqliteConnection(db, _file(db)))


def _file(db: sqlite_utils.Database) -> str:
    """The database's file, for an error's context."""
    return str(db.execute("PRAGMA database_list").fetchone()[2])


def migrate_engine(db: sqlite_utils.Database, path: str) -> None:
    """Bring the engine's tables up to date (or refuse a newer database).

    On an up-to-date database this only reads: opening never takes the write lock.
    """
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version and not applied_step_names(db, ENGINE):
        with transaction(db):
            _adopt_legacy_version(db, version, path)
    # A step that rebuilds a table (004) needs foreign keys off, and SQLite changes
    # that setting only outside a transaction; each step checks its keys itself.
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        migrate(db, ENGINE, path)
    finally:
        db.execute("PRAGMA foreign_keys=ON")
    applied = len(applied_step_names(db, ENGINE))
    if version != applied:
        db.execute(f"PRAGMA user_version = {applied}")


def _adopt_legacy_version(db: sqlite_utils.Database, version: int, path: str) -> None:
    """Record the steps a pre-migrations database already has (its user_version)."""
    if applied_step_names(db, ENGINE):
        return  # another process adopted it while this one waited for the lock
    steps = step_names(ENGINE)
    if version > len(steps):
        raise StoreError(
            f"The database at {path} has schema version {version}; this newsbot knows up "
            f"to {len(steps)}. Upgrade newsbot.",
            path=path,
        )
    ENGINE.ensure_migrations_table(db)
    for name in steps[:version]:
        db[Migrations.migrations_table].insert(
            {"migration_set": ENGINE.name, "name": name, "applied_at": "before migrations"}
        )
