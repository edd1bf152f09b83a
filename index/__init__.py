"""newsbot's engine: ingest, analysis, passages, SQLite store, BM25 ranking, quotes.

It knows nothing of Slack or the command line; they call `Engine`.
"""

from index.engine import Engine, default_db_path
from index.errors import NewsbotError
from index.models import Answer, Article, ArticleDraft, IngestOutcome, Quote, SearchResults

__all__ = [
    "Answer",
    "Article",
    "ArticleDraft",
    "Engine",
    "IngestOutcome",
    "NewsbotError",
    "Quote",
    "SearchResults",
    "default_db_path",
]
