"""Typed errors of the engine. Each one's message is a full sentence a user can read."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base class: anything the engine refuses to do, with a reason a user can read."""


class IngestError(NewsbotError):
    """An article could not be ingested; nothing was stored."""


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


class QueryError(NewsbotError):
    """A question or search query that cannot be run (empty, too long)."""


class StoreError(NewsbotError):
    """The database or index is unusable (wrong schema version, locked...)."""


class NotFoundError(NewsbotError):
    """No article with that id."""
