"""Near-duplicate detection: MinHash signatures of word shingles, banded for LSH.

A syndicated wire story republished with a new headline and a changed
sentence has a different content hash but nearly the same shingles. With 64
hash functions in 16 bands of 4, two articles whose shingle sets overlap by
Jaccard 0.8 share a band with probability above 0.999, and pairs below 0.3
rarely do; candidates are then checked on the whole signature.

`LshTable` keeps the band buckets in the database (`article_lsh`; the signature
itself is `articles.minhash`), so a candidate is found with one indexed query.
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from newsbot.index.store.sql import Connection

NUM_HASHES = 64
BANDS = 16
ROWS = NUM_HASHES // BANDS
SHINGLE_WORDS = 5
NEAR_DUPLICATE = 0.8
_rng = np.random.default_rng(20251122)  # fixed: signatures must be stable across runs
# Multiply-shift hashing (Dietzfelbinger): h(x) = (a*x + b) mod 2**64 >> 32, a odd.
# It needs no modulo, so numpy does all NUM_HASHES hashes of every shingle at once.
_A = _rng.integers(1, 2**63, size=NUM_HASHES, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=NUM_HASHES, dtype=np.uint64)
_WORD = re.compile(r"\w+")
_SHINGLE_MIX = np.uint64(0x9E3779B97F4A7C15)


_WORD_HASHES: dict[str, int] = {}
_WORD_CACHE_LIMIT = 500_000


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        if len(_WORD_HASHES) >= _WORD_CACHE_LIMIT:
            _WORD_HASHES.clear()
        value = _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8"))
    return value


def _word_hashes(text: str) -> np.ndarray:
    words = _WORD.findall(text.lower())
    return np.fromiter(map(_word_hash, words), np.uint64, len(words))


def shingles(text: str) -> np.ndarray:
    """32-bit hashes of every run of SHINGLE_WORDS lower-cased words (unique, sorted)."""
    words = _word_hashes(text)
    if len(words) < SHINGLE_WORDS:
        return np.empty(0, dtype=np.uint64)
    count = len(words) - SHINGLE_WORDS + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around is the point of these hashes
        for offset in range(SHINGLE_WORDS):
            combined = combined * _SHINGLE_MIX + words[offset : offset + count]
    return np.unique(combined >> np.uint64(32))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (NUM_HASHES uint64), or None for texts too short to shingle."""
    values = shingles(text)
    if not len(values):
        return None
    with np.errstate(over="ignore"):
        hashed = (np.outer(_A, values) + _B[:, None]) >> np.uint64(32)
    return hashed.min(axis=1)


def bands(sig: np.ndarray) -> list[int]:
    """One 63-bit bucket key per band."""
    rows = sig.reshape(BANDS, ROWS)
    return [zlib.crc32(row.tobytes()) | (band << 32) for band, row in enumerate(rows)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.mean(a == b))


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype("<u8").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")


class LshTable:
    """The LSH buckets of stored articles, and the near-duplicate query over them.

    Writes join the caller's transaction: an article and its buckets are stored together.
    """

    def __init__(self, sql: Connection) -> None:
        self.sql = sql

    def add(self, article_id: int, sig: np.ndarray | None, *, stored: bool = False) -> None:
        """Store an article's signature (unless `stored`: its row was written with it) and
        its band buckets (nothing for a too-short text)."""
        if sig is None:
            return
        if not stored:
            self.sql.execute(
                "UPDATE articles SET minhash = ? WHERE id = ?", [to_blob(sig), article_id]
            )
        buckets = bands(sig)
        # One statement for every bucket: over PostgreSQL, one round trip an article.
        self.sql.execute(
            "INSERT INTO article_lsh (bucket, article_id) VALUES "
            + ", ".join("(?, ?)" for _ in buckets),
            [value for bucket in buckets for value in (bucket, article_id)],
        )

    def delete(self, article_id: int) -> None:
        self.sql.execute("DELETE FROM article_lsh WHERE article_id = ?", [article_id])

    def find(self, sig: np.ndarray) -> tuple[int, float] | None:
        """The most similar stored article at or above NEAR_DUPLICATE, and its similarity."""
        buckets = bands(sig)
        marks = ",".join("?" * len(buckets))
        rows = self.sql.rows(
            "SELECT id, minhash FROM articles WHERE id IN "
            f"(SELECT DISTINCT article_id FROM article_lsh WHERE bucket IN ({marks}))",
            buckets,
        )
        best: tuple[int, float] | None = None
        for row in rows:
            score = similarity(sig, from_blob(bytes(row["minhash"])))
            if score >= NEAR_DUPLICATE and (best is None or score > best[1]):
                best = (row["id"], score)
        return best
