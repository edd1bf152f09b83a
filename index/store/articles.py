"""The system of record: articles and their passages, in SQLite or PostgreSQL.

Everything else (the BM25 index) is derived from these tables and can be
rebuilt from them. `Store` is written once over `sql.Connection`; `open_store`
picks the database from where it is (a file, or a postgresql:// URL). The
tables and their migrations are in `schema` (SQLite) and `postgres`; what the
index follows in `journal`; the near-duplicate buckets in `neardup`. Rows are
read by column name, one idiom for every table.

Whether an article is already stored (same text, same URL, nearly the same
text) is decided inside the transaction that would store it, under locks on
its hash, URL and near-duplicate buckets: two replicas storing one page at the
same moment store it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from newsbot.index.errors import NotFoundError
from newsbot.index.models import Article, PreparedArticle, Span, StoredPassage
from newsbot.index.store import neardup
from newsbot.index.store.database import SqliteConnection
from newsbot.index.store.journal import ChangeLog, IndexJournal, JournalOp
from newsbot.index.store.postgres import ENGINE_STEPS, PostgresConnection, is_url, migrate
from newsbot.index.store.schema import migrate_engine
from newsbot.index.store.sql import Connection
from newsbot.index.text.analysis import decode_terms, encode_terms

# Article's fields are its columns: one list for every query that builds one.
_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_ARTICLE_COLUMNS = ", ".join(_ARTICLE_FIELDS)
# The answer path's one read: passages with their articles' metadata. substr()
# counts characters on text, as Python's offsets do (1-based), in both databases,
# so only the passage's text leaves the database.
_PASSAGE_QUERY = (
    'SELECT p.id, p.article_id, p.start, p."end", p.sentences, p.terms, p.speakers, '
    'substr(a.text, p.start + 1, p."end" - p.start) AS text, '
    + ", ".join(f"a.{name} AS article_{name}" for name in _ARTICLE_FIELDS)
    + " FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})"
)


class AddedArticle(NamedTuple):
    id: int
    passage_ids: list[int]
    journal_seq: int  # the index journal row this write added


class StoredAlready(NamedTuple):
    """An article found stored when another was about to be: the same text or URL
    (`similarity` None), or nearly the same text."""

    article_id: int
    similarity: float | None = None


class IndexRow(NamedTuple):
    """What the BM25 index needs of one stored passage."""

    passage_id: int
    article_id: int
    headline: str
    terms: tuple[list[str], ...]
    collections: tuple[str, ...] = ()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# The passage columns get_passages builds from, by name (positions looked up once).
_PASSAGE_FIELDS = ("id", "article_id", "start", "end", "text", "sentences", "terms", "speakers")


def open_store(location: Path | str) -> Store:
    """The store at `location`: a postgresql:// URL, or an SQLite file (made if new).
    Either is brought up to date on open."""
    if is_url(str(location)):
        connection = PostgresConnection(str(location))
        try:
            migrate(connection, "newsbot", ENGINE_STEPS)
        except BaseException:
            connection.close()
            raise
        return Store(connection, ChangeLog(connection))
    sqlite = SqliteConnection.open(location)
    try:
        migrate_engine(sqlite.db, str(location))
    except BaseException:
        sqlite.close()
        raise
    return Store(sqlite, IndexJournal(sqlite))


class Store:
    """Articles and passages over one connection. Not thread-safe: one owner."""

    def __init__(self, sql: Connection, journal: IndexJournal | ChangeLog) -> None:
        self.sql = sql
        self.path = sql.where
        self.journal = journal
        self.lsh = neardup.LshTable(sql)

    def close(self) -> None:
        self.sql.close()

    # -- meta -------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        value = self.sql.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.sql.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    # -- articles ---------------------------------------------------------------

    def _one_id(self, sql: str, params: list[object]) -> int | None:
        value = self.sql.scalar(sql, params)
        return None if value is None else int(value)

    def find_by_hash(self, content_hash: str) -> int | None:
        return self._one_id("SELECT id FROM articles WHERE content_hash = ?", [content_hash])

    def find_by_url(self, url: str) -> int | None:
        return self._one_id("SELECT id FROM articles WHERE url = ?", [url])

    def stored_already(self, article: PreparedArticle) -> StoredAlready | None:
        """The stored article this one repeats (same text or URL) or nearly does."""
        # One query for both: the same text first, then the same URL.
        existing = self._one_id(
            "SELECT id FROM articles WHERE content_hash = ? OR url = ? "
            "ORDER BY content_hash = ? DESC, id LIMIT 1",
            [article.content_hash, article.url, article.content_hash],
        )
        if existing is not None:
            return StoredAlready(existing)
        if article.signature is not None:
            near = self.lsh.find(article.signature)
            if near is not None:
                return StoredAlready(*near)
        return None

    def add_article(
        self, article: PreparedArticle, collections: Iterable[str] = ()
    ) -> AddedArticle | StoredAlready:
        """Store an article, its passages, LSH buckets and collections whole, or not at
        all; journal it. An article stored already (by anyone, up to the moment of
        the write) is not stored again: what it repeats comes back instead."""
        with self.sql.transaction():
            keys = [f"hash:{article.content_hash}"]
            if article.url:
                keys.append(f"url:{article.url}")
            if article.signature is not None:
                keys.extend(f"lsh:{bucket}" for bucket in neardup.bands(article.signature))
            self.sql.lock_until_commit(keys)
            known = self.stored_already(article)
            if known is not None:
                return known
            row = {
                "headline": article.headline,
                "outlet": article.outlet,
                "author": article.author,
                "published": article.published,
                "url": article.url,
                "origin": article.origin,
                "content_hash": article.content_hash,
                "text": article.text,
                "word_count": len(article.text.split()),
                "passage_count": len(article.passages),
                "ingested_at": _now(),
                "minhash": (
                    None if article.signature is None else neardup.to_blob(article.signature)
                ),
            }
            columns = ", ".join(f'"{name}"' for name in row)
            marks = ", ".join("?" * len(row))
            article_id = self.sql.insert(
                f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values())
            )
            passage_ids = self.sql.insert_many(
                "INSERT INTO passages "
                '(article_id, ordinal, start, "end", sentences, terms, speakers) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        article_id,
                        ordinal,
                        p.start,
                        p.end,
                        json.dumps([[s.start, s.end] for s in p.sentences]),
                        encode_terms(terms),
                        json.dumps(speakers),
                    )
                    for ordinal, (p, terms, speakers) in enumerate(
                        zip(article.passages, article.sentence_terms, article.speakers, strict=True)
                    )
                ],
            )
            self.lsh.add(article_id, article.signature, stored=True)
            self._insert_collections([article_id], collections)
            seq = self.journal.record(article_id, JournalOp.ADD)
        return AddedArticle(article_id, passage_ids, seq)

    # -- collections --------------------------------------------------------------

    def _insert_collections(self, article_ids: Iterable[int], names: Iterable[str]) -> int:
        rows = [(article_id, name) for article_id in article_ids for name in names]
        return self.sql.executemany(
            "INSERT INTO article_collections (article_id, name) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            rows,
        )

    def add_to_collections(
        self, article_ids: Iterable[int], names: Iterable[str]
    ) -> tuple[int, list[int]]:
        """File stored articles into collections (names already checked). Returns how
        many memberships were new and the journal rows this added: the index must
        re-add the articles' passages with their new collections."""
        ids = sorted(set(article_ids))
        names = list(names)
        with self.sql.transaction():
            self.refuse_missing(ids)
            added = self._insert_collections(ids, names)
            seqs = [self.journal.record(a, JournalOp.ADD) for a in ids] if added else []
        return added, seqs

    def refuse_missing(self, article_ids: Iterable[int]) -> None:
        """NotFoundError for the first of `article_ids` that names no article (read
        500 at a time, so a desk of 27,000 articles is 54 queries, not 27,000)."""
        ids = sorted(set(article_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.sql.rows(
                f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            found = {row["id"] for row in rows}
            for article_id in chunk:
                if article_id not in found:
                    raise NotFoundError(
                        f"No article #{article_id}. Run `newsbot sources` to list them.",
                        article_id=article_id,
                    )

    def collection_counts(self) -> dict[str, int]:
        """Every collection that holds an article, with how many it holds, by name."""
        rows = self.sql.rows(
            "SELECT name, count(*) AS n FROM article_collections GROUP BY name ORDER BY name"
        )
        return {row["name"]: int(row["n"]) for row in rows}

    def has_collection(self, name: str) -> bool:
        """Whether any article is in collection `name` (one indexed lookup)."""
        return bool(
            self.sql.rows("SELECT 1 AS one FROM article_collections WHERE name = ? LIMIT 1", [name])
        )

    def collections_of(self, article_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """Each article's collections, by name (an article in none is left out)."""
        ids = sorted(set(article_ids))
        found: dict[int, list[str]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.sql.rows(
                "SELECT article_id, name FROM article_collections "
                f"WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY name",
                chunk,
            )
            for row in rows:
                found.setdefault(row["article_id"], []).append(row["name"])
        return {article_id: tuple(names) for article_id, names in found.items()}

    def delete_article(self, article_id: int) -> tuple[Article, int]:
        """Delete an article whole; returns it and the index journal row this added."""
        with self.sql.transaction():
            article = self.get_article(article_id)  # inside: another replica may delete it
            self.sql.execute("DELETE FROM article_collections WHERE article_id = ?", [article_id])
            self.sql.execute("DELETE FROM passages WHERE article_id = ?", [article_id])
            self.lsh.delete(article_id)
            if not self.sql.execute("DELETE FROM articles WHERE id = ?", [article_id]):
                raise NotFoundError(
                    f"No article #{article_id}. Run `newsbot sources` to list them.",
                    article_id=article_id,
                )
            seq = self.journal.record(article_id, JournalOp.DELETE)
        return article, seq

    def get_article(self, article_id: int) -> Article:
        found = self.get_articles([article_id])
        if article_id not in found:
            raise NotFoundError(
                f"No article #{article_id}. Run `newsbot sources` to list them.",
                article_id=article_id,
            )
        return found[article_id]

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.sql.rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", wanted
        )
        return {row["id"]: Article(**row) for row in rows}

    def list_articles(
        self, match: str | None = None, *, offset: int = 0, limit: int | None = None
    ) -> list[Article]:
        """The articles by id; with `match`, those whose headline or outlet holds it
        (case-insensitive: for ASCII letters in SQLite, for all in PostgreSQL).
        `offset` and `limit` read one page of them, in SQL, not the whole list."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError("offset and limit must not be negative")
        where, params = _matching(match, self.sql.dialect.like)
        rows = self.sql.rows(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles{where} ORDER BY id "
            f"LIMIT {self.sql.dialect.limit(limit)} OFFSET ?",
            [*params, offset],
        )
        return [Article(**row) for row in rows]

    def article_text(self, article_id: int) -> str:
        text = self.sql.scalar("SELECT text FROM articles WHERE id = ?", [article_id])
        if text is None:
            raise NotFoundError(f"No article #{article_id}.", article_id=article_id)
        return str(text)

    def count_articles(self, match: str | None = None) -> int:
        """How many articles there are; with `match`, how many `list_articles` lists."""
        where, params = _matching(match, self.sql.dialect.like)
        return int(self.sql.scalar(f"SELECT count(*) FROM articles{where}", params))

    def count_passages(self) -> int:
        return int(self.sql.scalar("SELECT count(*) FROM passages"))

    # -- passages ---------------------------------------------------------------

    def get_passages(self, ids: Iterable[int]) -> dict[int, tuple[StoredPassage, Article]]:
        """Passages by id, with their text, sentence spans, stored terms, and article."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        # Still read by column name, but each name is resolved once per query, not once
        # per row: this is the read every question makes (sqlite3.Row's lookups cost
        # a tenth of search()'s time).
        columns, cursor = self.sql.tuples(
            _PASSAGE_QUERY.format(marks=",".join("?" * len(wanted))), wanted
        )
        at = {column: i for i, column in enumerate(columns)}
        passage_columns = itemgetter(*(at[name] for name in _PASSAGE_FIELDS))
        article_columns = itemgetter(*(at[f"article_{name}"] for name in _ARTICLE_FIELDS))
        articles: dict[int, Article] = {}  # several passages often share one article
        found = {}
        for row in cursor:
            pid, article_id, start, end, text, sentences, terms, speakers = passage_columns(row)
            article = articles.get(article_id)
            if article is None:
                article = articles[article_id] = Article(*article_columns(row))
            spans = tuple(Span(a, b) for a, b in json.loads(sentences))
            passage = StoredPassage(
                pid,
                article_id,
                start,
                end,
                text,
                spans,
                decode_terms(terms),
                tuple(json.loads(speakers)) if speakers else (None,) * len(spans),
            )
            found[pid] = (passage, article)
        return found

    def iter_index_rows(self, article_ids: Iterable[int] | None = None) -> Iterator[IndexRow]:
        """Every stored passage (or those of some articles), to (re)build the index."""
        sql = (
            "SELECT p.id, p.article_id, a.headline, p.terms, "
            f"(SELECT {self.sql.dialect.aggregate_text}(c.name, ',') FROM article_collections c "
            "WHERE c.article_id = p.article_id) AS collections "
            "FROM passages p JOIN articles a ON a.id = p.article_id"
        )
        if article_ids is None:
            queries = [(sql + " ORDER BY p.id", [])]
        else:
            ids = sorted(set(article_ids))
            chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)]
            queries = [
                (sql + f" WHERE p.article_id IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in chunks
            ]
        for query, params in queries:
            for row in self.sql.rows(query, params):
                yield IndexRow(
                    row["id"],
                    row["article_id"],
                    row["headline"],
                    decode_terms(row["terms"]),
                    tuple(row["collections"].split(",")) if row["collections"] else (),
                )


def _matching(match: str | None, like: str) -> tuple[str, list[str]]:
    """The WHERE clause that keeps articles whose headline or outlet holds `match`,
    LIKE's own wildcards in it escaped, so "100%" means those five characters."""
    if not match:
        return "", []
    pattern = "%" + match.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return (
        f" WHERE headline {like} ? ESCAPE '\\' OR outlet {like} ? ESCAPE '\\'",
        [pattern, pattern],
    )
