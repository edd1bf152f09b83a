"""SQLite, the system of record: articles, passages, and the index journal.

Everything else (the BM25 index) is derived from these tables and can be
rebuilt from them. Writes that the index must follow also append to
`index_journal` in the same transaction, so a crash between the SQLite write
and the index write is repaired by replaying the journal at the next start.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sqlite_utils

from index import neardup
from index.analysis import analyze
from index.errors import NotFoundError, StoreError
from index.models import Article
from index.passages import PassageSpan
from index.sentences import Span

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class StoredPassage:
    """A passage read back for ranking: its text, sentences and article."""

    id: int
    article_id: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    sentence_terms: tuple[list[str], ...]  # each sentence's analysed terms, stored at ingest


class AddedArticle(NamedTuple):
    id: int
    passage_ids: list[int]


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    article_id: int
    op: str  # "add" or "delete"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The SQLite database, opened through sqlite-utils, schema checked on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        try:
            # Shared across threads by the Slack server, which serialises access with a lock.
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the database at {self.path}: {exc}.") from exc
        # Autocommit mode: transactions are the explicit BEGIN ... COMMIT below.
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def close(self) -> None:
        self.db.conn.close()

    # -- schema -----------------------------------------------------------------

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The database at {self.path} has schema version {version}; this newsbot "
                f"knows up to {SCHEMA_VERSION}. Upgrade newsbot."
            )
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            if version < 1:
                self._create_v1()
            if version < 2:
                self._upgrade_to_v2()
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _create_v1(self) -> None:
        """Version 1: articles, passages, the index journal."""
        self.db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        self.db["articles"].create(
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
        self.db["articles"].create_index(["content_hash"], unique=True, if_not_exists=True)
        self.db["articles"].create_index(["url"], if_not_exists=True)
        self.db["passages"].create(
            {
                "id": int,
                "article_id": int,
                "ordinal": int,
                "start": int,
                "end": int,
                "sentences": str,
            },
            pk="id",
            foreign_keys=[("article_id", "articles", "id")],
            not_null={"article_id", "ordinal", "start", "end", "sentences"},
            if_not_exists=True,
        )
        self.db["passages"].create_index(["article_id"], if_not_exists=True)
        self.db["index_journal"].create(
            {"seq": int, "article_id": int, "op": str}, pk="seq", if_not_exists=True
        )

    def _upgrade_to_v2(self) -> None:
        """Version 2: MinHash signatures and LSH buckets, for near-duplicate detection,
        and each passage's analysed terms (per sentence), so neither quoting nor
        reindexing analyses text again."""
        self.db["articles"].add_column("minhash", bytes)
        self.db["passages"].add_column("terms", str)
        rows = self.db.execute(
            "SELECT p.id, a.text, p.sentences "
            "FROM passages p JOIN articles a ON a.id = p.article_id"
        ).fetchall()
        for passage_id, text, spans in rows:
            terms = encode_terms([analyze(text[a:b]) for a, b in json.loads(spans)])
            self.db.execute("UPDATE passages SET terms = ? WHERE id = ?", [terms, passage_id])
        self.db["article_lsh"].create(
            {"bucket": int, "article_id": int},
            foreign_keys=[("article_id", "articles", "id")],
            if_not_exists=True,
        )
        self.db["article_lsh"].create_index(["bucket"], if_not_exists=True)
        self.db["article_lsh"].create_index(["article_id"], if_not_exists=True)
        rows = self.db.execute("SELECT id, text FROM articles").fetchall()
        for article_id, text in rows:  # existing articles get their signatures now
            self._store_signature(article_id, neardup.signature(text))

    def transaction(self) -> _Transaction:
        return _Transaction(self.db.conn)

    # -- meta -------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    # -- articles ---------------------------------------------------------------

    def find_by_hash(self, content_hash: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash = ?", [content_hash]
        ).fetchone()
        return row[0] if row else None

    def find_by_url(self, url: str) -> int | None:
        row = self.db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def add_article(
        self,
        *,
        headline: str,
        text: str,
        content_hash: str,
        passages: list[PassageSpan],
        sentence_terms: list[list[list[str]]] | None = None,
        outlet: str | None = None,
        author: str | None = None,
        published: str | None = None,
        url: str | None = None,
        origin: str | None = None,
        signature: np.ndarray | None = None,
    ) -> AddedArticle:
        """Store an article and its passages whole, or not at all; journal it."""
        if sentence_terms is None:  # callers that did not analyse: do it here
            sentence_terms = [
                [analyze(text[s.start : s.end]) for s in p.sentences] for p in passages
            ]
        with self.transaction():
            added = self._insert_article(
                sentence_terms=sentence_terms,
                headline=headline,
                text=text,
                content_hash=content_hash,
                passages=passages,
                outlet=outlet,
                author=author,
                published=published,
                url=url,
                origin=origin,
                minhash=None if signature is None else neardup.to_blob(signature),
            )
            if signature is not None:
                self._store_buckets(added.id, signature)
        return added

    def _store_signature(self, article_id: int, signature: np.ndarray | None) -> None:
        if signature is None:
            return
        self.db.execute(
            "UPDATE articles SET minhash = ? WHERE id = ?", [neardup.to_blob(signature), article_id]
        )
        self._store_buckets(article_id, signature)

    def _store_buckets(self, article_id: int, signature: np.ndarray) -> None:
        self.db.conn.executemany(
            "INSERT INTO article_lsh (bucket, article_id) VALUES (?, ?)",
            [(bucket, article_id) for bucket in neardup.bands(signature)],
        )

    def find_near_duplicate(self, signature: np.ndarray) -> tuple[int, float] | None:
        """The most similar stored article at or above neardup.NEAR_DUPLICATE, if any."""
        buckets = neardup.bands(signature)
        marks = ",".join("?" * len(buckets))
        rows = self.db.execute(
            "SELECT id, minhash FROM articles WHERE id IN "
            f"(SELECT DISTINCT article_id FROM article_lsh WHERE bucket IN ({marks}))",
            buckets,
        ).fetchall()
        best: tuple[int, float] | None = None
        for article_id, blob in rows:
            score = neardup.similarity(signature, neardup.from_blob(blob))
            if score >= neardup.NEAR_DUPLICATE and (best is None or score > best[1]):
                best = (article_id, score)
        return best

    def _insert_article(
        self,
        *,
        passages: list[PassageSpan],
        sentence_terms: list[list[list[str]]],
        **fields: object,
    ) -> AddedArticle:
        # Plain SQL on the hot path: sqlite-utils' insert() re-reads the table's
        # schema on every call, which dominated bulk ingest. The schema itself is
        # still created and migrated through sqlite-utils above.
        text = str(fields["text"])
        row = {
            **fields,
            "word_count": len(text.split()),
            "passage_count": len(passages),
            "ingested_at": _now(),
        }
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" * len(row))
        cursor = self.db.conn.execute(
            f"INSERT INTO articles ({columns}) VALUES ({marks})", list(row.values())
        )
        article_id = int(cursor.lastrowid or 0)
        passage_ids = []
        for ordinal, (p, terms) in enumerate(zip(passages, sentence_terms, strict=True)):
            spans = json.dumps([[s.start, s.end] for s in p.sentences])
            cursor = self.db.conn.execute(
                'INSERT INTO passages (article_id, ordinal, start, "end", sentences, terms) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                (article_id, ordinal, p.start, p.end, spans, encode_terms(terms)),
            )
            passage_ids.append(int(cursor.lastrowid or 0))
        self.db.conn.execute(
            "INSERT INTO index_journal (article_id, op) VALUES (?, 'add')", [article_id]
        )
        return AddedArticle(article_id, passage_ids)

    def delete_article(self, article_id: int) -> Article:
        article = self.get_article(article_id)
        with self.transaction():
            self.db.execute("DELETE FROM passages WHERE article_id = ?", [article_id])
            self.db.execute("DELETE FROM article_lsh WHERE article_id = ?", [article_id])
            self.db.execute("DELETE FROM articles WHERE id = ?", [article_id])
            self.db["index_journal"].insert({"article_id": article_id, "op": "delete"})
        return article

    def get_article(self, article_id: int) -> Article:
        found = self.get_articles([article_id])
        if article_id not in found:
            raise NotFoundError(f"No article #{article_id}. Run `newsbot sources` to list them.")
        return found[article_id]

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.db.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", wanted
        ).fetchall()
        return {row[0]: _article(row) for row in rows}

    def list_articles(self) -> list[Article]:
        rows = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY id").fetchall()
        return [_article(row) for row in rows]

    def article_text(self, article_id: int) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            raise NotFoundError(f"No article #{article_id}.")
        return str(row[0])

    def count_articles(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def count_passages(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    # -- passages ---------------------------------------------------------------

    def get_passages(self, ids: Iterable[int]) -> dict[int, StoredPassage]:
        return {pid: p for pid, (p, _) in self.get_passages_with_articles(ids).items()}

    def get_passages_with_articles(
        self, ids: Iterable[int]
    ) -> dict[int, tuple[StoredPassage, Article]]:
        """Passages and their articles' metadata in one query (the answer path)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        columns = ", ".join(f"a.{c.strip()}" for c in _ARTICLE_COLUMNS.split(","))
        # substr() counts characters on TEXT, as Python's offsets do (1-based).
        rows = self.db.execute(
            "SELECT p.id, p.article_id, p.start, p.end, p.sentences, "
            'substr(a.text, p.start + 1, p."end" - p.start), p.terms, '
            f"{columns} FROM passages p JOIN articles a ON a.id = p.article_id "
            f"WHERE p.id IN ({marks})",
            wanted,
        ).fetchall()
        return {row[0]: (_passage(row[:7]), _article(row[7:])) for row in rows}

    def iter_index_rows(
        self, article_ids: Iterable[int] | None = None
    ) -> Iterator[tuple[int, int, str, str]]:
        """(passage id, article id, headline, encoded passage terms) to rebuild the index."""
        sql = (
            "SELECT p.id, p.article_id, a.headline, p.terms "
            "FROM passages p JOIN articles a ON a.id = p.article_id"
        )
        if article_ids is None:
            yield from self.db.execute(sql + " ORDER BY p.id")
            return
        ids = sorted(set(article_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(sql + f" WHERE p.article_id IN ({marks})", chunk)

    # -- journal ----------------------------------------------------------------

    def pending_journal(self) -> list[JournalEntry]:
        rows = self.db.execute("SELECT seq, article_id, op FROM index_journal ORDER BY seq")
        return [JournalEntry(*row) for row in rows]

    def clear_journal(self, up_to_seq: int) -> None:
        self.db.execute("DELETE FROM index_journal WHERE seq <= ?", [up_to_seq])


_ARTICLE_COLUMNS = (
    "id, headline, outlet, url, published, origin, author, ingested_at, passage_count"
)


def _article(row: tuple) -> Article:
    return Article(*row)


def encode_terms(sentence_terms: list[list[str]]) -> str:
    """Terms joined by spaces, sentences by newlines (terms never hold either)."""
    return "\n".join(" ".join(terms) for terms in sentence_terms)


def decode_terms(encoded: str) -> tuple[list[str], ...]:
    return tuple(line.split() for line in encoded.split("\n"))


def _passage(row: tuple) -> StoredPassage:
    sentences = tuple(Span(s, e) for s, e in json.loads(row[4]))
    return StoredPassage(row[0], row[1], row[2], row[3], row[5], sentences, decode_terms(row[6]))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception. Nests by counting."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        if self.conn.in_transaction:
            self.nested = True
            return
        self.nested = False
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.nested:
            return
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
