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
    ├── CollectionError(name=)   a malformed or unknown collection name
    ├── UnknownAnswerError(answer_id=)  a vote on an answer newsbot no longer keeps
    ├── StoreError(path=)        the database or index is unusable
    │   └── IndexDamagedError      the search index cannot be opened (`newsbot reindex`)
    │       └── IndexSchemaError     the index was made by an older newsbot (rebuilt on open)
    ├── EncoderError             the cross-encoder cannot be loaded (answer with encoder off)
    ├── ModelError               a fitted model's file is missing, malformed or mismatched
    └── ConfigError(variable=)   a setting is missing or malformed

Context travels as keyword attributes (as httpx's errors carry their request),
never inside the message: `IngestError("the input is empty.", origin="<stdin>")`
says "the input is empty." and a renderer puts the origin where it belongs.
"""

from __future__ import annotations

from functools import partial
from typing import Any


class NewsbotError(Exception):
    """Base class: anything newsbot refuses to do, with a reason a user can read.

    A subclass names its context in `context_keys`; each is a required keyword
    argument and becomes an attribute.
    """

    context_keys: tuple[str, ...] = ()

    def __init__(self, message: str, **context: Any) -> None:
        if set(context) != set(self.context_keys):
            raise TypeError(
                f"{type(self).__name__} takes the keyword arguments {self.context_keys}, "
                f"not {tuple(context)}"
            )
        super().__init__(message)
        self.message = message
        for key, value in context.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only context does not survive the default pickling, and ingest
        # errors travel back from worker processes.
        context = {key: getattr(self, key) for key in self.context_keys}
        return (partial(type(self), **context), (self.message,))


class IngestError(NewsbotError):
    """One item (a file, a page, pasted text) could not be ingested; nothing was stored.

    `origin` names the item as the user gave it: a path, a URL, `<stdin>`.
    """

    context_keys = ("origin",)
    origin: str


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

    context_keys = ("article_id",)
    article_id: int


class CollectionError(NewsbotError):
    """A collection name that is malformed, reserved, or names no collection."""

    context_keys = ("name",)
    name: str


class UnknownAnswerError(NewsbotError):
    """A vote on an answer newsbot does not keep (never shown, or older than it keeps)."""

    context_keys = ("answer_id",)
    answer_id: str


class StoreError(NewsbotError):
    """The database or the search index is unusable (newer schema, locked, damaged)."""

    context_keys = ("path",)
    path: str


class IndexDamagedError(StoreError):
    """The search index cannot be opened; SQLite still holds everything, and
    `newsbot reindex` moves the damaged folder aside and rebuilds it."""


class IndexSchemaError(IndexDamagedError):
    """The index was made by an older newsbot, with other fields: it must be rebuilt
    from the database (the library does it on open)."""


class ModelError(NewsbotError, ValueError):
    """A fitted model's file (the quote ranker, the answerability model) is missing,
    malformed, or fitted on other features than the engine computes. A ValueError
    too: a malformed model is a bad value, as it was before it joined the tree."""


class EncoderError(NewsbotError):
    """The cross-encoder cannot be loaded: its files, onnxruntime or tokenizers are
    missing or damaged. Answering without it (`AnswerSettings(encoder=False)`,
    NEWSBOT_ENCODER=off) needs none of them."""


class ConfigError(NewsbotError):
    """A setting is missing or malformed; the message names the variable."""

    context_keys = ("variable",)
    variable: str
