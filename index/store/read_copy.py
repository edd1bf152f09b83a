"""A replica's read copy: the articles and passages it answers from, in a local SQLite file.

A replica's index says which passages match; their text, sentence spans and
articles are what a quote is made of. Read from PostgreSQL, every answer would
wait on a round trip, and none could be given while the database is away. The
read copy keeps the rows answering reads (articles, passages, collection
memberships) in an SQLite file inside the replica's index folder, with the
same schema as an SQLite library, so the same `Store` reads it. It is derived
like the index: written by the replica's catch-up from the change log, each
touched article's rows replaced by what the database holds now (applying a
row twice changes nothing), committed before the index, and rebuilt with it.
Nothing else writes it; nothing in it is the record of anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from newsbot.index.store.articles import IndexRow, Store, open_store
from newsbot.index.store.migrate import ENGINE_TABLES
from newsbot.index.store.sql import Connection

FILE = "read-copy.db"
CHUNK = 500  # articles read from the database per query

# The tables and columns `newsbot migrate` copies, those answers read; minhash is for
# duplicates, decided in PostgreSQL only.
_READ = ("articles", "passages", "article_collections")
_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (table, tuple(column for column in columns if column != "minhash"))
    for table, columns in ENGINE_TABLES
    if table in _READ
)


class ReadCopy:
    """The read copy in one index folder: `reads`, the Store answers read (its owner
    serialises it), and a connection of its own for the catch-up that writes it."""

    def __init__(self, folder: Path) -> None:
        path = Path(folder) / FILE
        self.path = path
        self.new = not path.exists()  # never built: its replica builds it
        self._writer = open_store(path)
        try:
            self.reads = open_store(path)
        except BaseException:
            self._writer.close()
            raise

    def close(self) -> None:
        self.reads.close()
        self._writer.close()

    def replace(self, source: Store, article_ids: Iterable[int]) -> None:
        """These articles' rows as `source` holds them now (gone where it has none)."""
        ids = sorted(set(article_ids))
        writing = self._writer.sql
        with writing.transaction():
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                _delete(writing, chunk)
                _copy(source.sql, writing, chunk)

    def rebuild(self, source: Store) -> int:
        """Every article `source` holds, and nothing else; how many passages."""
        writing = self._writer.sql
        ids = [int(row["id"]) for row in source.sql.rows("SELECT id FROM articles ORDER BY id")]
        with writing.transaction():
            for table, _ in reversed(_TABLES):
                writing.execute(f"DELETE FROM {table}")
            for start in range(0, len(ids), CHUNK):
                _copy(source.sql, writing, ids[start : start + CHUNK])
        return self.count_passages()

    def index_rows(self, article_ids: Iterable[int] | None) -> Iterator[IndexRow]:
        """What the index is built from, as the copy holds it (None: every passage), so
        the index and the copy agree: read by the catch-up, after `replace`."""
        return self._writer.iter_index_rows(article_ids)

    def count_passages(self) -> int:
        return self._writer.count_passages()


def _delete(writing: Connection, ids: Sequence[int]) -> None:
    marks = ",".join("?" * len(ids))
    for table, _ in reversed(_TABLES):  # memberships and passages before their articles
        column = "id" if table == "articles" else "article_id"
        writing.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", list(ids))


def _copy(reading: Connection, writing: Connection, ids: Sequence[int]) -> None:
    marks = ",".join("?" * len(ids))
    for table, columns in _TABLES:
        names = ", ".join(f'"{column}"' for column in columns)
        column = "id" if table == "articles" else "article_id"
        rows = reading.rows(f"SELECT {names} FROM {table} WHERE {column} IN ({marks})", list(ids))
        writing.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row[c] for c in columns) for row in rows],
        )
