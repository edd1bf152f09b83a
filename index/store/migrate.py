"""`newsbot migrate URL`: an SQLite library copied into PostgreSQL, for several machines.

Everything the library and the chat surfaces keep is copied, ids and all, so
`forget 6` and a 👍 on an answer shown yesterday mean the same after the move:
articles, passages (with their analysed terms and speakers), near-duplicate
buckets, collections, the gaps, answers shown and their votes, and the
channels' settings, conversation topics and answers kept for Share. Claims on
chat events are not: they are leases of a few seconds, meaningless to another
server. The whole copy is one PostgreSQL transaction: it lands whole or not
at all. Rows already there are left as they are (ON CONFLICT DO NOTHING), so
running it twice copies nothing the second time; an article id that names a
different text there is refused before anything is written. Each article
copied is appended to the change log, so replicas already following the
database index it. The counts are checked after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.index.errors import StoreError
from newsbot.index.store.articles import open_store
from newsbot.index.store.database import SqliteConnection, storage_errors
from newsbot.index.store.postgres import PostgresConnection, migrate
from newsbot.index.store.sql import Connection

BATCH = 1_000

Tables = tuple[tuple[str, tuple[str, ...]], ...]

# (table, columns) in the order foreign keys need; a table missing from the SQLite
# file is skipped.
ENGINE_TABLES: Tables = tuple(
    (table, tuple(columns.split()))
    for table, columns in (
        (
            "articles",
            "id headline outlet author published url origin content_hash text word_count "
            "passage_count ingested_at minhash",
        ),
        ("passages", "id article_id ordinal start end sentences terms speakers"),
        ("article_collections", "article_id name"),
        ("unanswered", "id question asked_at surface channel why closest group_id"),
        (
            "gap_groups",
            "id question terms asked marked_wrong last_asked last_row wordings closest surfaces",
        ),
        ("gap_terms", "term group_id"),
        ("shown", "id question quotes confidence evidence surface channel shown_at"),
        ("votes", "answer_id user vote voted_at"),
    )
)
# Tables whose ids come from a sequence in PostgreSQL: set past the copied ids.
_SEQUENCES = ("articles", "passages", "unanswered", "gap_groups")


@dataclass(frozen=True)
class TableSet:
    """Tables kept beside the library by someone else (the chat surfaces' state): its
    migration set's name and PostgreSQL steps, and the tables to copy."""

    migration_set: str
    steps: Sequence[tuple[str, str]]
    tables: Tables


@dataclass
class Migration:
    """What one run copied, and what it found there already, by table."""

    source: str
    target: str
    copied: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)  # rows in the source, by table
    skipped: tuple[str, ...] = ()  # tables the source does not have

    @property
    def total_copied(self) -> int:
        return sum(self.copied.values())


def migrate_library(source: Path, target: str, *, also: Sequence[TableSet] = ()) -> Migration:
    """Copy the SQLite library at `source` into the PostgreSQL database at `target`
    (made up to date first), with the tables of `also` (their PostgreSQL steps applied
    first). StoreError when the target holds other articles under the same ids, or
    when the counts do not agree afterwards."""
    if not source.is_file():
        raise StoreError(f"No database at {source}.", path=str(source))
    with storage_errors(source):
        return _migrate(source, target, also)


def _migrate(source: Path, target: str, also: Sequence[TableSet]) -> Migration:
    open_store(source).close()  # the SQLite file brought up to date, as every open does
    open_store(target).close()  # PostgreSQL's tables, likewise
    reading = SqliteConnection.open(source)
    writing = PostgresConnection(target)
    try:
        for extra in also:
            migrate(writing, extra.migration_set, extra.steps)
        result = Migration(str(source), writing.where)
        tables = [*ENGINE_TABLES, *(table for extra in also for table in extra.tables)]
        have = {name for name, _ in tables if _exists(reading, name)}
        result.skipped = tuple(name for name, _ in tables if name not in have)
        _refuse_other_articles(reading, writing)
        with writing.transaction():
            writing.lock_until_commit(["change_log"])
            for name, columns in tables:
                if name not in have:
                    continue
                result.present[name] = int(reading.scalar(f"SELECT count(*) FROM {name}"))
                result.copied[name] = _copy(reading, writing, name, columns)
            new = _new_article_ids(writing)  # copied just now: no change log row yet
            _copy_lsh(reading, writing, result, new)
            _copy_meta(reading, writing)
            _advance_sequences(reading, writing)
            _log_new_articles(writing, new)
        _check_counts(reading, writing, result)
        return result
    finally:
        reading.close()
        writing.close()


def _exists(sql: Connection, table: str) -> bool:
    return bool(
        sql.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    )


def _rows(sql: SqliteConnection, query: str) -> Iterator[list[tuple]]:
    """A query's rows in batches (a large library is never read whole into memory)."""
    cursor = sql.db.conn.execute(query)
    while batch := cursor.fetchmany(BATCH):
        yield [tuple(row) for row in batch]


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


def _copy(
    reading: SqliteConnection, writing: Connection, table: str, columns: Sequence[str]
) -> int:
    names = _quoted(columns)
    marks = ", ".join("?" * len(columns))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    copied = 0
    for batch in _rows(reading, f"SELECT {names} FROM {table}"):
        copied += writing.executemany(insert, batch)
    return copied


def _copy_lsh(
    reading: SqliteConnection, writing: Connection, result: Migration, new: list[int]
) -> None:
    """The near-duplicate buckets of the articles this run copied, `new` (they have no
    key of their own: an article already there has its buckets already)."""
    result.present["article_lsh"] = int(reading.scalar("SELECT count(*) FROM article_lsh"))
    copied = 0
    for start in range(0, len(new), BATCH):
        chunk = new[start : start + BATCH]
        marks = ",".join("?" * len(chunk))
        rows = reading.rows(
            f"SELECT bucket, article_id FROM article_lsh WHERE article_id IN ({marks})", chunk
        )
        copied += writing.executemany(
            "INSERT INTO article_lsh (bucket, article_id) VALUES (?, ?)",
            [(row["bucket"], row["article_id"]) for row in rows],
        )
    result.copied["article_lsh"] = copied


def _new_article_ids(writing: Connection) -> list[int]:
    """Articles copied by this transaction: in PostgreSQL, without a change log row."""
    rows = writing.rows(
        "SELECT a.id FROM articles a WHERE NOT EXISTS "
        "(SELECT 1 FROM change_log c WHERE c.article_id = a.id) ORDER BY a.id"
    )
    return [int(row["id"]) for row in rows]


def _copy_meta(reading: SqliteConnection, writing: Connection) -> None:
    """The library's notes (seeded, and the like), but not PostgreSQL's own identity."""
    rows = reading.rows("SELECT key, value FROM meta WHERE key != 'database_id'")
    writing.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(row["key"], row["value"]) for row in rows],
    )


def _advance_sequences(reading: SqliteConnection, writing: Connection) -> None:
    """Past every copied id, and past any id SQLite handed out and forgot: AUTOINCREMENT
    never reuses one, and neither must PostgreSQL."""
    handed: dict[str, int] = {}
    if _exists(reading, "sqlite_sequence"):
        for row in reading.rows("SELECT name, seq FROM sqlite_sequence"):
            handed[row["name"]] = int(row["seq"])
    for table in _SEQUENCES:
        sequence = f"{table}_id_seq"  # bigserial's own name for it
        highest = max(
            int(writing.scalar(f"SELECT coalesce(max(id), 0) FROM {table}")),
            handed.get(table, 0),
            int(writing.scalar(f"SELECT last_value FROM {sequence}")),
        )
        writing.execute("SELECT setval(?, ?)", [sequence, highest])


def _log_new_articles(writing: Connection, new: list[int]) -> None:
    """One change log row per article this run copied, `new` (the change log lock is
    held): a replica following the database indexes them."""
    writing.executemany(  # its trigger notifies the replicas at commit
        "INSERT INTO change_log (article_id, op) VALUES (?, 'add')", [(i,) for i in new]
    )


def _refuse_other_articles(reading: SqliteConnection, writing: Connection) -> None:
    """An article id in both with different texts: two different libraries. Nothing is
    written; the operator picks an empty database (or the right one)."""
    for batch in _rows(reading, "SELECT id, content_hash FROM articles ORDER BY id"):
        ids = [row[0] for row in batch]
        marks = ",".join("?" * len(ids))
        there = {
            int(row["id"]): row["content_hash"]
            for row in writing.rows(
                f"SELECT id, content_hash FROM articles WHERE id IN ({marks})", ids
            )
        }
        for article_id, content_hash in batch:
            if article_id in there and there[article_id] != content_hash:
                raise StoreError(
                    f"The PostgreSQL database at {writing.where} already holds a different "
                    f"article #{article_id}: it is another library. Migrate into an empty "
                    "database (createdb), or name the one this library was copied to.",
                    path=writing.where,
                )


def _check_counts(reading: SqliteConnection, writing: Connection, result: Migration) -> None:
    """After the commit: every table holds at least the source's rows (the ids of the
    articles were checked before: the same id is the same text)."""
    short = []
    for name, count in result.present.items():
        there = int(writing.scalar(f"SELECT count(*) FROM {name}"))
        if there < count:
            short.append(f"{name}: {there:,} of {count:,}")
    if short:
        raise StoreError(
            f"The copy into {writing.where} is short ({'; '.join(short)}); nothing in "
            f"{reading.where} was changed.",
            path=writing.where,
        )
