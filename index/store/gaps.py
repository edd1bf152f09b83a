"""What nobody could answer: abstentions and answers readers marked wrong, kept so an
editor can see which questions the articles do not cover.

Questions are grouped by wording as they arrive: a question whose content words
overlap a gap's by at least GROUP_OVERLAP (Jaccard, after analysis: "Who won the
cup?" and "who won the Cup final?") joins that gap, which shows its newest wording,
how often it was asked, the other wordings and the closest articles. Each gap is
one row (`gap_groups`, its terms indexed in `gap_terms`), so recording a question
reads only the gaps that share a word with it, and listing the gaps reads only the
newest ones: neither grows with how many questions were ever kept.

What is kept is bounded: a gap not asked for KEEP_DAYS is forgotten, and past
MAX_ROWS kept questions the gaps asked longest ago are forgotten first, whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from newsbot.index.store.sql import Connection, Row
from newsbot.index.text.analysis import analyze

GROUP_OVERLAP = 0.5
KEEP_DAYS = 90  # a gap nobody asked about for this long is forgotten
MAX_ROWS = 100_000  # kept questions at most; past it the gaps asked longest ago go
PRUNE_EVERY = 500  # records between two prunings
CANDIDATES = 50  # gaps sharing the most words with a question, the most it is compared to
PER_TERM = 200  # the newest gaps holding a word that a question is checked against
WORDINGS_KEPT = 5  # other wordings a gap shows
CLOSEST_KEPT = 3
MARKED_WRONG = "marked_wrong"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def terms_of(question: str) -> list[str]:
    """A question's content words (its text, lower-cased, when it has none)."""
    return sorted(set(analyze(question)) or {question.strip().lower()})


def record(
    sql: Connection,
    question: str,
    *,
    surface: str | None,
    channel: str | None,
    why: str,
    closest: Iterable[int],
) -> None:
    """Keep one question, in the gap its wording belongs to (a new one if none)."""
    with sql.transaction():
        # Replicas recording at once would each see no gap and make two for one wording.
        sql.lock_until_commit(["gaps"])
        _record(sql, question, surface, channel, why, list(closest), _now())


def _record(
    sql: Connection,
    question: str,
    surface: str | None,
    channel: str | None,
    why: str,
    closest: list[int],
    asked_at: str,
) -> None:
    terms = terms_of(question)
    group = _group_for(sql, set(terms))
    row_id = sql.insert(
        "INSERT INTO unanswered (question, asked_at, surface, channel, why, closest, "
        "group_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [question, asked_at, surface, channel, why, json.dumps(closest), group],
    )
    wrong = int(why == MARKED_WRONG)
    if group is None:
        group = sql.insert(
            "INSERT INTO gap_groups (question, terms, asked, marked_wrong, last_asked, "
            "last_row, wordings, closest, surfaces) VALUES (?, ?, 1, ?, ?, ?, '[]', ?, ?)",
            [
                question,
                json.dumps(terms),
                wrong,
                asked_at,
                row_id,
                json.dumps(closest[:CLOSEST_KEPT]),
                json.dumps([surface] if surface else []),
            ],
        )
        sql.execute("UPDATE unanswered SET group_id = ? WHERE id = ?", [group, row_id])
        new_terms = terms
    else:
        (old,) = sql.rows("SELECT * FROM gap_groups WHERE id = ?", [group])
        old_terms = set(json.loads(old["terms"]))
        new_terms = [t for t in terms if t not in old_terms]
        wordings = [old["question"], *json.loads(old["wordings"])]
        wordings = [w for w in dict.fromkeys(wordings) if w != question][:WORDINGS_KEPT]
        ids = list(dict.fromkeys([*closest, *json.loads(old["closest"])]))[:CLOSEST_KEPT]
        surfaces = sorted({*json.loads(old["surfaces"]), *([surface] if surface else [])})
        sql.execute(
            "UPDATE gap_groups SET question = ?, terms = ?, asked = asked + 1, "
            "marked_wrong = marked_wrong + ?, last_asked = ?, last_row = ?, wordings = ?, "
            "closest = ?, surfaces = ? WHERE id = ?",
            [
                question,
                json.dumps(sorted(old_terms.union(terms))),
                wrong,
                asked_at,
                row_id,
                json.dumps(wordings),
                json.dumps(ids),
                json.dumps(surfaces),
                group,
            ],
        )
    sql.executemany(
        "INSERT INTO gap_terms (term, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(term, group) for term in new_terms],
    )
    if row_id % PRUNE_EVERY == 0:
        prune(sql)


def _group_for(sql: Connection, terms: set[str]) -> int | None:
    """The gap a question with these terms joins: the one asked most recently whose
    words it overlaps enough, among the gaps sharing its words. Each word is looked up
    in the newest PER_TERM gaps that hold it (an index range, however many hold it),
    and only the CANDIDATES sharing the most (a rare word counting more than a common
    one) are compared: the work is bounded by the question's length, never by how
    many gaps are kept."""
    shared: dict[int, float] = {}
    for term in terms:
        holders = sql.rows(
            "SELECT group_id FROM gap_terms WHERE term = ? ORDER BY group_id DESC LIMIT ?",
            [term, PER_TERM],
        )
        for holder in holders:  # a rare word says more than a common one
            group = holder["group_id"]
            shared[group] = shared.get(group, 0.0) + 1.0 / len(holders)
    best = sorted(shared, key=lambda g: (-shared[g], -g))[:CANDIDATES]
    if not best:
        return None
    marks = ",".join("?" * len(best))
    rows = sql.rows(f"SELECT id, terms, last_row FROM gap_groups WHERE id IN ({marks})", best)
    fitting = [
        (row["last_row"], row["id"])
        for row in rows
        if _overlap(terms, set(json.loads(row["terms"]))) >= GROUP_OVERLAP
    ]
    return max(fitting)[1] if fitting else None


def _overlap(mine: set[str], theirs: set[str]) -> float:
    return len(mine & theirs) / len(mine | theirs)


def prune(sql: Connection, *, now: datetime | None = None) -> int:
    """Forget the gaps not asked for KEEP_DAYS, then, past MAX_ROWS kept questions,
    the gaps asked longest ago, whole (so every count shown stays true). Reads only
    what it removes, through the indexes. Returns how many gaps went."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)).isoformat(timespec="seconds")
    gone = [r["id"] for r in sql.rows("SELECT id FROM gap_groups WHERE last_asked < ?", [cutoff])]
    _forget(sql, gone)
    kept = int(sql.scalar("SELECT count(*) FROM unanswered"))
    oldest: list[int] = []
    while kept > MAX_ROWS:
        rows = sql.rows(
            "SELECT id, asked FROM gap_groups ORDER BY last_row LIMIT 500 OFFSET ?",
            [len(oldest)],
        )
        if not rows:
            break
        for row in rows:
            if kept <= MAX_ROWS:
                break
            oldest.append(row["id"])
            kept -= row["asked"]
    _forget(sql, oldest)
    return len(gone) + len(oldest)


def _forget(sql: Connection, groups: list[int]) -> None:
    for start in range(0, len(groups), 500):
        chunk = groups[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql.execute(f"DELETE FROM unanswered WHERE group_id IN ({marks})", chunk)
        sql.execute(f"DELETE FROM gap_terms WHERE group_id IN ({marks})", chunk)
        sql.execute(f"DELETE FROM gap_groups WHERE id IN ({marks})", chunk)


def newest(sql: Connection, limit: int) -> list[Row]:
    """The `limit` gaps asked most recently."""
    return sql.rows("SELECT * FROM gap_groups ORDER BY last_row DESC LIMIT ?", [limit])


def group_existing(sql: Connection) -> None:
    """Group the questions a database kept before gaps were grouped as they arrive
    (the migration that adds the groups): oldest first, as they came."""
    rows = sql.rows(
        "SELECT id, question, asked_at, surface, channel, why, closest FROM unanswered ORDER BY id"
    )
    sql.execute("DELETE FROM unanswered")
    for row in rows:
        _record(
            sql,
            row["question"],
            row["surface"],
            row["channel"],
            row["why"],
            list(json.loads(row["closest"] or "[]")),
            row["asked_at"],
        )
