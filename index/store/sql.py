"""One small SQL interface over the two databases newsbot keeps its records in.

The store, the gaps and the feedback are written once, against `Connection`:
SQLite (a file, the default) and PostgreSQL (several machines) each implement
it. SQL is written with `?` placeholders and in the syntax both accept
(`INSERT ... ON CONFLICT DO NOTHING`, quoted `"end"` and `"user"`); the few
fragments that differ are the dialect's (`Dialect`). Rows are read by column
name. Each implementation turns its driver's errors about the database itself
(a damaged file, a full disk, a server that went away) into one StoreError line;
an error in the caller's SQL is raised as it is, being a bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Row = Mapping[str, Any]
Params = Sequence[object]


@dataclass(frozen=True)
class Dialect:
    """The SQL fragments that differ between the two databases."""

    name: str
    # string_agg(x, ',') in PostgreSQL, group_concat(x, ',') in SQLite.
    aggregate_text: str
    # Case-insensitive substring match: SQLite's LIKE ignores ASCII case; ILIKE all case.
    like: str
    # A column that orders rows as they were inserted (SQLite's rowid; a serial column).
    insertion_order: str
    # LIMIT's value for "every row" (SQLite wants a LIMIT before any OFFSET).
    no_limit: str

    def limit(self, limit: int | None) -> str:
        """A LIMIT clause's value: `limit` rows, or every row for None."""
        return self.no_limit if limit is None else str(int(limit))


SQLITE = Dialect(
    "sqlite", aggregate_text="group_concat", like="LIKE", insertion_order="rowid", no_limit="-1"
)
POSTGRESQL = Dialect(
    "postgresql", aggregate_text="string_agg", like="ILIKE", insertion_order="id", no_limit="ALL"
)


class Connection(Protocol):
    """What the store needs of a database connection. Not shared between threads
    without the owner's lock; `transaction` does not nest."""

    dialect: Dialect
    where: str  # the database, for messages (a path, or a URL without its password)

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query, each readable by column name."""
        ...

    def tuples(self, sql: str, params: Params = ()) -> tuple[list[str], Iterator[tuple]]:
        """A query's column names and its rows as plain tuples (the answer path's read)."""
        ...

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        ...

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        """Run one statement for each row of parameters; how many rows changed."""
        ...

    def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        """Run one INSERT; the new row's key (its column named by `key`)."""
        ...

    def insert_many(self, sql: str, rows: Sequence[Params], *, key: str = "id") -> list[int]:
        """Run one INSERT per row of parameters; the new rows' keys, in order."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """A transaction, committed at the end, rolled back on any exception."""
        ...

    def lock_until_commit(self, names: Iterable[str]) -> None:
        """Inside a transaction: what it does under these names, it does alone across
        every process and machine using the database until it ends (grouping a gap,
        storing an article whose text or URL another replica may be storing). SQLite's
        writer is alone anyway; PostgreSQL takes advisory locks."""
        ...

    def close(self) -> None: ...
