"""BM25 as small pure functions (Robertson/Sparck Jones IDF, Lucene's variant).

The passage index (tantivy) computes the same formula internally; these are
used where we score inside a passage (sentences for quotes) and by tests that
check the index against a reference implementation.
"""

from __future__ import annotations

import math

K1 = 1.2
B = 0.75


def idf(num_docs: int, doc_freq: int) -> float:
    """Lucene's BM25 IDF: never negative, large for rare terms."""
    return math.log(1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def term_weight(tf: float, doc_len: float, avg_len: float, k1: float = K1, b: float = B) -> float:
    """The saturating term-frequency part of BM25, in [0, k1 + 1)."""
    if tf <= 0:
        return 0.0
    norm = k1 * (1.0 - b + b * (doc_len / avg_len if avg_len > 0 else 1.0))
    return tf * (k1 + 1.0) / (tf + norm)


def score(
    query_idf: dict[str, float],
    doc_tf: dict[str, int],
    doc_len: float,
    avg_len: float,
    k1: float = K1,
    b: float = B,
) -> float:
    """BM25 of one document for a bag of query terms with their IDF."""
    return sum(
        weight * term_weight(doc_tf.get(term, 0), doc_len, avg_len, k1, b)
        for term, weight in query_idf.items()
    )
