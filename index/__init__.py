"""newsbot's engine: three stages behind one facade.

`text` (terms, sentences, speakers, dates) is shared by all; `store` keeps
SQLite and the BM25 index in step; `ingest` and `answer` sit on the store, and
`Engine` (engine.py) is the one object the surfaces call. It knows nothing of
Slack, Discord or the terminal: they call `Engine` and render what it returns.
What a surface needs is importable from here; the packages behind it are the
engine's own business.
"""

from newsbot.index.answer.query import MAX_QUERY_CHARS
from newsbot.index.collections import ALL as ALL_COLLECTIONS
from newsbot.index.collections import collection_names
from newsbot.index.engine import Engine, IngestBatch
from newsbot.index.errors import (
    BlockedURLError,
    CollectionError,
    ConfigError,
    EncoderError,
    FetchError,
    IndexDamagedError,
    IngestError,
    ModelError,
    NewsbotError,
    NotFoundError,
    QueryError,
    StoreError,
    TooLargeError,
    UnknownAnswerError,
)
from newsbot.index.ingest.fetch import FetchPolicy
from newsbot.index.ingest.files import MAX_BYTES, READABLE_SUFFIXES
from newsbot.index.ingest.isolated import IngestLimits
from newsbot.index.ingest.seeds import bundled_seeds_dir
from newsbot.index.models import (
    Answer,
    Article,
    Confidence,
    Disagreement,
    Feedback,
    Gap,
    IngestOutcome,
    Quote,
    SearchResults,
    Status,
)
from newsbot.index.settings import AnswerSettings
from newsbot.index.store.connections import apply_migrations, open_connection
from newsbot.index.store.heartbeat import WriterWait
from newsbot.index.store.library import LibraryCheck
from newsbot.index.store.migrate import Migration, TableSet, migrate_library
from newsbot.index.store.postgres import is_url as is_postgresql_url
from newsbot.index.store.replica import Lag
from newsbot.index.store.sql import Connection

__all__ = [
    "ALL_COLLECTIONS",
    "MAX_BYTES",
    "MAX_QUERY_CHARS",
    "READABLE_SUFFIXES",
    "Answer",
    "AnswerSettings",
    "Article",
    "BlockedURLError",
    "CollectionError",
    "Confidence",
    "ConfigError",
    "Connection",
    "Disagreement",
    "EncoderError",
    "Engine",
    "Feedback",
    "FetchError",
    "FetchPolicy",
    "Gap",
    "IndexDamagedError",
    "IngestBatch",
    "IngestError",
    "IngestLimits",
    "IngestOutcome",
    "Lag",
    "LibraryCheck",
    "Migration",
    "ModelError",
    "NewsbotError",
    "NotFoundError",
    "QueryError",
    "Quote",
    "SearchResults",
    "Status",
    "StoreError",
    "TableSet",
    "TooLargeError",
    "UnknownAnswerError",
    "WriterWait",
    "apply_migrations",
    "bundled_seeds_dir",
    "collection_names",
    "is_postgresql_url",
    "migrate_library",
    "open_connection",
]
