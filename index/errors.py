"""Every error newsbot raises on purpose, documented in one place.

    NewsbotError                 anything newsbot refuses to do; str() is one readable sentence
    ├── IngestError(origin=)     one item could not be added; nothing was stored
    │   ├── EmptyArticleError      no article text once cleaned
    │   ├── BinaryInputError       binary bytes, not text
    │   ├── EncodingError          not valid UTF-8
    │   ├── TooLargeError          over the size limit
    │   ├── UnsupportedInputError  a PDF, an image, a content type that is no article
    │   └── FetchError             a URL could not be fetched or read
    │       └── BlockedURLError      a URL newsbot refuses to fetch (scheme, address...)
    ├── QueryError               a question or query that cannot be run
    ├── NotFoundError(article_id=)  no article with that id
    ├── StoreError(path=)        the database or index is unusable
    └── ConfigError(variable=)   a setting is missing or malformed

Context travels as keyword attributes (as httpx's errors carry their request),
never inside the message: `IngestError("the input is empty.", origin="<stdin>")`
says "the input is empty." and a renderer puts the origin where it belongs.
"""

from __future__ import annotations

from functools import partial
from typing import Any


class NewsbotError(Exception):
    """Base class: anything newsbot refuses to do, with a reason a user can read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _context(self) -> dict[str, Any]:
        return {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only context does not survive the default pickling, and ingest
        # errors travel back from worker processes.
        return (partial(type(self), **self._context()), (self.message,))


class IngestError(NewsbotError):
    """One item (a file, a page, pasted text) could not be ingested; nothing was stored.

    `origin` names the item as the user gave it: a path, a URL, `<stdin>`.
    """

    def __init__(self, message: str, *, origin: str) -> None:
        super().__init__(message)
        self.origin = origin

    def _context(self) -> dict[str, Any]:
        return {"origin": self.origin}


class EmptyArticleError(IngestError):
    """The input held no article text once cleaned."""


class BinaryInputError(IngestError):
    """The input looks like a binary file, not text."""


class EncodingError(IngestError):
    """The input is not valid UTF-8."""


class TooLargeError(IngestError):
    """The input is bigger than the configured limit."""


class UnsupportedInputError(IngestError):
    """The input is of a kind newsbot cannot read (a PDF, an image...)."""


class FetchError(IngestError):
    """A URL could not be fetched or read as an article."""


class BlockedURLError(FetchError):
    """A URL that newsbot refuses to fetch (scheme, credentials, or a non-public address)."""


class QueryError(NewsbotError):
    """A question or search query that cannot be run (empty, too long, no words)."""


class NotFoundError(NewsbotError):
    """No article with that id."""

    def __init__(self, message: str, *, article_id: int) -> None:
        super().__init__(message)
        self.article_id = article_id

    def _context(self) -> dict[str, Any]:
        return {"article_id": self.article_id}


class StoreError(NewsbotError):
    """The database or the search index is unusable (newer schema, locked, damaged)."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path

    def _context(self) -> dict[str, Any]:
        return {"path": self.path}


class ConfigError(NewsbotError):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(message)
        self.variable = variable

    def _context(self) -> dict[str, Any]:
        return {"variable": self.variable}
