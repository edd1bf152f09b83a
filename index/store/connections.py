"""Opening a connection of one's own to newsbot's database, whichever it is.

The chat surfaces keep their state (claimed events, threads, channel settings)
in the engine's database, over a connection of their own, with their own
migration set: one set of SQLite steps (sqlite-utils' `Migrations`) and one
of PostgreSQL statements, applied by whichever database the location names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlite_utils.migrations import Migrations

from newsbot.index.store import database, postgres
from newsbot.index.store.sql import Connection


def open_connection(location: Path | str, *, reconnect: bool = True) -> Connection:
    """A new connection to the database at `location`: a postgresql:// URL, or an
    SQLite file. `reconnect=False`: a PostgreSQL session that is lost stays lost (one
    that holds a session lock must not be silently replaced)."""
    if postgres.is_url(str(location)):
        return postgres.PostgresConnection(str(location), reconnect=reconnect)
    return database.SqliteConnection.open(location)


def apply_migrations(
    sql: Connection, sqlite: Migrations, postgresql: Sequence[tuple[str, str]]
) -> None:
    """Bring one migration set up to date: `sqlite`'s steps on SQLite, `postgresql`'s
    (named statements) on PostgreSQL, recorded under the same set name."""
    if isinstance(sql, database.SqliteConnection):
        database.migrate(sql.db, sqlite, sql.where)
    elif isinstance(sql, postgres.PostgresConnection):
        postgres.migrate(sql, sqlite.name, postgresql)
    else:
        raise TypeError(f"no migrations for {type(sql).__name__}")
