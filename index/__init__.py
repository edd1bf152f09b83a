"""newsbot's engine: ingest, analysis, passages, SQLite store, BM25 ranking, quotes.

It knows nothing of Slack, Discord or the terminal: they call `Engine` and
render what it returns. What a surface needs is importable from here; the
modules behind it are the engine's own business.
"""

from newsbot.index.database import connect, migrate, transaction
from newsbot.index.engine import Engine, IngestBatch
from newsbot.index.errors import (
    BlockedURLError,
    ConfigError,
    FetchError,
    IngestError,
    NewsbotError,
    NotFoundError,
    QueryError,
    StoreError,
    TooLargeError,
)
from newsbot.index.fetch import FetchPolicy, fetch_article
from newsbot.index.ingest import MAX_BYTES, READABLE_SUFFIXES
from newsbot.index.models import (
    Answer,
    Article,
    ArticleDraft,
    Confidence,
    Corroboration,
    Disagreement,
    IngestOutcome,
    Quote,
    SearchHit,
    SearchResults,
    Status,
)
from newsbot.index.seeds import bundled_seeds_dir
from newsbot.index.settings import AnswerSettings

__all__ = [
    "MAX_BYTES",
    "READABLE_SUFFIXES",
    "Answer",
    "AnswerSettings",
    "Article",
    "ArticleDraft",
    "BlockedURLError",
    "Confidence",
    "ConfigError",
    "Corroboration",
    "Disagreement",
    "Engine",
    "FetchError",
    "FetchPolicy",
    "IngestBatch",
    "IngestError",
    "IngestOutcome",
    "NewsbotError",
    "NotFoundError",
    "QueryError",
    "Quote",
    "SearchHit",
    "SearchResults",
    "Status",
    "StoreError",
    "TooLargeError",
    "bundled_seeds_dir",
    "connect",
    "fetch_article",
    "migrate",
    "transaction",
]
