"""PostgreSQL as newsbot's system of record, for newsbot on several machines.

`PostgresConnection` is `sql.Connection` over psycopg 3: autocommit outside
explicit transactions (no session sits idle inside one), `?` placeholders
turned into psycopg's, and a connection that went away opened again. A
connection idle for PING_AFTER_S is checked (one `SELECT 1`) before it is used,
so the first statement after a server restart runs on a new connection instead
of failing; no statement is ever sent twice. While the server cannot be reached
every call is one StoreError line that names the server (never its password)
and says what to do.

The schema is a list of named steps (`ENGINE_STEPS`), applied by `migrate`
in one transaction under an advisory lock, so replicas starting together
apply each step once; a database with a step this newsbot does not know was
made by a newer one, and is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsbot.index.errors import StoreError
from newsbot.index.store.sql import POSTGRESQL, Params, Row

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 5
PING_AFTER_S = 2.0  # a connection idle this long is checked before it is used


def is_url(location: str) -> bool:
    """Whether a `--db` value names a PostgreSQL server rather than an SQLite file."""
    return location.split("://", 1)[0].lower() in SCHEMES and "://" in location


def redacted(url: str) -> str:
    """The URL without its password: what messages and logs may show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (stable across processes)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@lru_cache(maxsize=512)
def _native(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _run(cursor: Any, sql: str, params: Params) -> None:
    # Without parameters psycopg sends the text as it is (several statements allowed,
    # a % left alone); with them, its placeholders.
    if params:
        cursor.execute(_native(sql), params)
    else:
        cursor.execute(sql)


def _driver() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(
            "A PostgreSQL database needs psycopg: pip install 'newsbot[postgresql]'.",
            path="postgresql",
        ) from exc
    return psycopg


def _advice(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "password" in lowered or "authentication" in lowered:
        return f"it refused newsbot's credentials; check the user and password in the URL ({text})"
    if "does not exist" in lowered and "database" in lowered:
        return f"no such database; create it with createdb ({text})"
    if "disk full" in lowered or "no space" in lowered:
        return f"its disk is full; free some space and try again ({text})"
    return (
        "it cannot be reached; check that PostgreSQL is running and the URL is right. "
        f"newsbot tries again at the next request ({text})"
    )


class PostgresConnection:
    """`sql.Connection` over one psycopg connection (the owner serialises its use)."""

    dialect = POSTGRESQL

    def __init__(self, url: str, *, reconnect: bool = True) -> None:
        """`reconnect`: open the connection again when it went away (else each call
        after that is a StoreError: a session holding a lock must not be replaced)."""
        self.url = url
        self.reconnect = reconnect
        self.where = redacted(url)
        self._psycopg = _driver()
        self._conn: Any = None
        self._in_transaction = False
        self._used = 0.0  # when the connection last answered (monotonic)
        self._connect()

    # -- the connection ---------------------------------------------------------

    def _connect(self) -> Any:
        """The connection, opened again if it went away (checked first when it has been
        idle: a server restart ends every session, and psycopg learns of it only by
        sending something)."""
        conn = self._conn
        now = time.monotonic()
        if conn is not None and not self.reconnect:
            if conn.closed or conn.broken:
                raise StoreError(
                    f"The PostgreSQL database at {self.where}: the session was lost.",
                    path=self.where,
                )
            return conn
        if conn is not None and not conn.closed and not conn.broken:
            if self._in_transaction or now - self._used < PING_AFTER_S:
                self._used = now
                return conn
            try:
                conn.execute("SELECT 1")
                self._used = now
                return conn
            except self._psycopg.Error:
                log.info("the connection to PostgreSQL at %s was lost; reconnecting", self.where)
                conn.close()
        with self._errors():
            self._conn = self._psycopg.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
        self._used = time.monotonic()
        return self._conn

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """The server's and the network's failures as one StoreError line; a caller's
        mistake (bad SQL, a value it cannot bind) as it is."""
        psycopg = self._psycopg
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise StoreError(
                f"The PostgreSQL database at {self.where}: {_advice(exc)}.", path=self.where
            ) from exc

    def _cursor(self) -> Any:
        return self._connect().cursor()

    # -- sql.Connection -----------------------------------------------------------

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        with self._errors():
            cursor = self._connect().cursor(row_factory=self._psycopg.rows.dict_row)
            _run(cursor, sql, params)
            return cursor.fetchall()

    def tuples(self, sql: str, params: Params = ()) -> tuple[list[str], Iterator[tuple]]:
        with self._errors():
            cursor = self._cursor()
            _run(cursor, sql, params)
            return [column.name for column in cursor.description], iter(cursor.fetchall())

    def scalar(self, sql: str, params: Params = ()) -> Any:
        with self._errors():
            cursor = self._cursor()
            _run(cursor, sql, params)
            row = cursor.fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params = ()) -> int:
        with self._errors():
            cursor = self._cursor()
            _run(cursor, sql, params)
            return max(cursor.rowcount, 0)

    def executemany(self, sql: str, rows: Sequence[Params]) -> int:
        if not rows:
            return 0
        with self._errors():
            cursor = self._cursor()
            cursor.executemany(_native(sql), rows)
            return max(cursor.rowcount, 0)

    def insert(self, sql: str, params: Params = (), *, key: str = "id") -> int:
        with self._errors():
            cursor = self._cursor()
            _run(cursor, f"{sql} RETURNING {key}", params)
            return int(cursor.fetchone()[0])

    def insert_many(self, sql: str, rows: Sequence[Params], *, key: str = "id") -> list[int]:
        if not rows:
            return []
        with self._errors():
            cursor = self._cursor()
            # Pipelined: one round trip for every row; one result each, in order.
            cursor.executemany(_native(f"{sql} RETURNING {key}"), rows, returning=True)
            ids = []
            while True:
                ids.append(int(cursor.fetchone()[0]))
                if not cursor.nextset():
                    return ids

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        with self._errors():
            conn = self._connect()
        self._in_transaction = True
        try:
            with self._errors(), conn.transaction():
                yield
        finally:
            self._in_transaction = False

    def lock_until_commit(self, names: Iterable[str]) -> None:
        """Advisory locks by name, held until the transaction ends; in one order (the
        keys sorted), so two transactions taking overlapping sets cannot deadlock."""
        if not self._in_transaction:
            raise RuntimeError("lock_until_commit needs a transaction")
        keys = sorted({lock_key(name) for name in names})
        if keys:
            # One round trip: the keys taken in the array's order (generate_series scans
            # in order, and the aggregate calls the lock function row by row).
            self.scalar(
                "SELECT count(pg_advisory_xact_lock((?::bigint[])[i])) "
                "FROM generate_series(1, ?) AS i",
                [keys, len(keys)],
            )

    def notified(self, timeout: float) -> bool:
        """Whether a notification on a channel this connection LISTENs to arrived
        within `timeout` seconds. Never reconnects: a new session would not be
        listening (the listener is made anew instead)."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            raise StoreError(
                f"The PostgreSQL database at {self.where}: the listening session was lost.",
                path=self.where,
            )
        with self._errors():
            found = any(True for _ in conn.notifies(timeout=timeout, stop_after=1))
        self._used = time.monotonic()
        return found

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


# -- migrations -------------------------------------------------------------------

MIGRATIONS_TABLE = "newsbot_migrations"

# The engine's tables: what SQLite's migration steps (schema.py) reach, as one step.
# Add a step at the end; never edit or reorder one that has shipped.
ENGINE_STEPS: tuple[tuple[str, str], ...] = (
    (
        "001_engine",
        """
        CREATE TABLE meta (key text PRIMARY KEY, value text);
        INSERT INTO meta (key, value) VALUES ('database_id', gen_random_uuid()::text);
        CREATE TABLE articles (
            id bigserial PRIMARY KEY,
            headline text NOT NULL, outlet text, author text, published text, url text,
            origin text, content_hash text NOT NULL UNIQUE, text text NOT NULL,
            word_count integer, passage_count integer, ingested_at text NOT NULL,
            minhash bytea);
        CREATE INDEX articles_url ON articles (url);
        CREATE TABLE passages (
            id bigserial PRIMARY KEY,
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            ordinal integer NOT NULL, start integer NOT NULL, "end" integer NOT NULL,
            sentences text NOT NULL, terms text, speakers text);
        CREATE INDEX passages_article ON passages (article_id);
        CREATE TABLE article_lsh (
            bucket bigint NOT NULL,
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE);
        CREATE INDEX article_lsh_bucket ON article_lsh (bucket);
        CREATE INDEX article_lsh_article ON article_lsh (article_id);
        CREATE TABLE article_collections (
            article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            name text NOT NULL, PRIMARY KEY (article_id, name));
        CREATE INDEX article_collections_name ON article_collections (name);
        CREATE TABLE change_log (
            seq bigserial PRIMARY KEY, article_id bigint NOT NULL, op text NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now());
        -- Replicas LISTEN for this; delivered when the inserting transaction commits.
        CREATE FUNCTION newsbot_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('newsbot_changes', ''); RETURN NULL; END $$;
        CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
            FOR EACH STATEMENT EXECUTE FUNCTION newsbot_changes_notify();
        CREATE TABLE unanswered (
            id bigserial PRIMARY KEY, question text NOT NULL, asked_at text NOT NULL,
            surface text, channel text, why text NOT NULL, closest text, group_id bigint);
        CREATE INDEX unanswered_asked_at ON unanswered (asked_at);
        CREATE INDEX unanswered_group ON unanswered (group_id);
        CREATE TABLE gap_groups (
            id bigserial PRIMARY KEY, question text NOT NULL, terms text NOT NULL,
            asked integer NOT NULL, marked_wrong integer NOT NULL, last_asked text NOT NULL,
            last_row bigint NOT NULL, wordings text NOT NULL, closest text NOT NULL,
            surfaces text NOT NULL);
        CREATE INDEX gap_groups_last_row ON gap_groups (last_row);
        CREATE INDEX gap_groups_last_asked ON gap_groups (last_asked);
        CREATE TABLE gap_terms (
            term text NOT NULL, group_id bigint NOT NULL, PRIMARY KEY (term, group_id));
        CREATE TABLE shown (
            id text PRIMARY KEY, question text NOT NULL, quotes text NOT NULL,
            confidence text NOT NULL, evidence double precision, surface text, channel text,
            shown_at text NOT NULL);
        CREATE INDEX shown_shown_at ON shown (shown_at);
        CREATE TABLE votes (
            id bigserial UNIQUE,
            answer_id text NOT NULL REFERENCES shown (id), "user" text NOT NULL,
            vote integer NOT NULL, voted_at text NOT NULL, PRIMARY KEY (answer_id, "user"));
        """,
    ),
)


def migrate(
    sql: PostgresConnection, migration_set: str, steps: Sequence[tuple[str, str]]
) -> list[str]:
    """Apply the steps of `migration_set` that this database lacks, in one transaction
    under an advisory lock (a replica starting at the same moment waits, then finds
    nothing to do). Returns the names applied. A step unknown here is refused."""
    known = [name for name, _ in steps]
    with sql.transaction():
        sql.lock_until_commit([f"migrate:{migration_set}"])
        sql.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (migration_set text NOT NULL, "
            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), "
            "PRIMARY KEY (migration_set, name))"
        )
        applied = [
            row["name"]
            for row in sql.rows(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? "
                "ORDER BY applied_at, name",
                [migration_set],
            )
        ]
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"The PostgreSQL database at {sql.where} has schema step {unknown[-1]!r} of "
                f"{migration_set!r}, from a newer newsbot. Upgrade newsbot.",
                path=sql.where,
            )
        done = []
        for name, statements in steps:
            if name in applied:
                continue
            sql.execute(statements)
            sql.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name) VALUES (?, ?)",
                [migration_set, name],
            )
            done.append(name)
    if done:
        log.info("PostgreSQL %s: applied schema steps %s", sql.where, ", ".join(done))
    return done
