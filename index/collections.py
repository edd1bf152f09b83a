"""Collection names: what a newsroom's desks call their sets of articles.

An article belongs to any number of named collections ("ukraine", "local-news");
a question can be answered from some of them only, which the search index
filters on. A name is 1 to 40 lowercase letters, digits, "-" or "_", starting
with a letter or digit, so it reads the same in a slash command, a URL and a
shell. "all" is not a name: it means no filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsbot.index.errors import CollectionError

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
ALL = "all"


def collection_names(raw: str | Iterable[str]) -> tuple[str, ...]:
    """The names in `raw` ("ukraine, World" or a list of them), lowercased, each
    checked, duplicates dropped, in the order given. CollectionError names the
    first that is not a name."""
    pieces = raw.split(",") if isinstance(raw, str) else [p for r in raw for p in r.split(",")]
    names: dict[str, None] = {}
    for piece in pieces:
        name = piece.strip().lower()
        if not name:
            continue
        if name == ALL:
            raise CollectionError(
                '"all" means every article, so no collection can be called that.', name=name
            )
        if not _NAME.fullmatch(name):
            shown = name if len(name) <= 60 else name[:59] + "…"
            raise CollectionError(
                f"“{shown}” is not a collection name: use 1 to 40 lowercase letters, digits, "
                "- or _ (for example ukraine-desk).",
                name=name,
            )
        names[name] = None
    return tuple(names)
