"""What nobody could answer: abstentions and answers readers marked wrong, kept so an
editor can see which questions the articles do not cover.

Questions are grouped by wording: two questions whose content words overlap by at
least GROUP_OVERLAP (Jaccard, after analysis: "Who won the cup?" and "who won the
Cup final?") are one gap, shown in its newest wording with how often it was asked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from newsbot.index.store.database import select
from newsbot.index.text.analysis import analyze

GROUP_OVERLAP = 0.5
READ_AT_MOST = 5000  # the newest rows grouped; older ones are history


@dataclass(frozen=True)
class GapRow:
    question: str
    asked_at: str
    surface: str | None
    channel: str | None
    why: str
    closest: tuple[int, ...]


def record(
    db: sqlite_utils.Database,
    question: str,
    *,
    surface: str | None,
    channel: str | None,
    why: str,
    closest: Iterable[int],
) -> None:
    db.conn.execute(
        "INSERT INTO unanswered (question, asked_at, surface, channel, why, closest) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            question,
            datetime.now(UTC).isoformat(timespec="seconds"),
            surface,
            channel,
            why,
            json.dumps(list(closest)),
        ],
    )
    db.conn.commit()


def recent(db: sqlite_utils.Database, limit: int = READ_AT_MOST) -> list[GapRow]:
    rows = select(
        db,
        "SELECT question, asked_at, surface, channel, why, closest FROM unanswered "
        "ORDER BY id DESC LIMIT ?",
        [limit],
    )
    return [
        GapRow(
            r["question"],
            r["asked_at"],
            r["surface"],
            r["channel"],
            r["why"],
            tuple(json.loads(r["closest"] or "[]")),
        )
        for r in rows
    ]


@dataclass
class Group:
    """Rows of one gap, newest first."""

    terms: set[str]
    rows: list[GapRow]


def grouped(rows: list[GapRow]) -> list[Group]:
    """Rows (newest first) in groups of similar wording, each group's newest first,
    the groups in order of their newest question."""
    groups: list[Group] = []
    for row in rows:
        terms = set(analyze(row.question)) or {row.question.strip().lower()}
        for group in groups:
            overlap = len(terms & group.terms) / len(terms | group.terms)
            if overlap >= GROUP_OVERLAP:
                group.rows.append(row)
                group.terms |= terms
                break
        else:
            groups.append(Group(terms, [row]))
    return groups
