"""Feedback: answers as shown in chat, and readers' 👍/👎 on them.

An answer shown in Slack or Discord is kept under a short id (the buttons carry
it, never the question): its question, its quotes as article ids and offsets
(the quoted text is in the article, character for character), its confidence,
and where it was shown. A vote is one row per answer and user: voting again
changes it. Votes are never shown to other users; `newsbot feedback` lists and
exports them for the people who run newsbot. An answer nobody voted on within
KEEP_UNVOTED_DAYS is forgotten (a vote on it after that is one clear line).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from newsbot.index.errors import UnknownAnswerError
from newsbot.index.models import Answer, Feedback
from newsbot.index.store.sql import Connection

UP, DOWN = 1, -1
# An answer nobody voted on is kept this long (its buttons stop working after it);
# one with a vote is kept with the vote.
KEEP_UNVOTED_DAYS = 30


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def keep(sql: Connection, answer: Answer, *, surface: str, channel: str | None) -> str:
    """Keep an answer as shown; the 22-character id its buttons carry."""
    answer_id = secrets.token_urlsafe(16)
    quotes = [{"article_id": q.article.id, "start": q.start, "end": q.end} for q in answer.quotes]
    cutoff = (datetime.now(UTC) - timedelta(days=KEEP_UNVOTED_DAYS)).isoformat(timespec="seconds")
    with sql.transaction():
        sql.execute(
            "DELETE FROM shown WHERE shown_at < ? AND id NOT IN (SELECT answer_id FROM votes)",
            [cutoff],
        )
        sql.execute(
            "INSERT INTO shown (id, question, quotes, confidence, evidence, surface, channel, "
            "shown_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                answer_id,
                answer.question,
                json.dumps(quotes),
                answer.confidence.value,
                answer.evidence,
                surface,
                channel,
                _now(),
            ],
        )
    return answer_id


def vote(sql: Connection, answer_id: str, user: str, value: int) -> Feedback:
    """Record (or change) `user`'s vote on a kept answer; the feedback as it now stands."""
    if value not in (UP, DOWN):
        raise ValueError("a vote is +1 or -1")
    with sql.transaction():
        if not sql.rows("SELECT 1 AS one FROM shown WHERE id = ?", [answer_id]):
            raise UnknownAnswerError(
                "That answer is no longer kept, so the vote was not recorded.",
                answer_id=answer_id,
            )
        sql.execute(
            'INSERT INTO votes (answer_id, "user", vote, voted_at) VALUES (?, ?, ?, ?) '
            'ON CONFLICT (answer_id, "user") DO UPDATE SET vote = excluded.vote, '
            "voted_at = excluded.voted_at",
            [answer_id, user, value, _now()],
        )
    (found,) = listed(sql, answer_id=answer_id, user=user)
    return found


def listed(
    sql: Connection,
    *,
    answer_id: str | None = None,
    user: str | None = None,
    limit: int | None = None,
) -> list[Feedback]:
    """Votes with their answers, newest first."""
    where, params = [], []
    if answer_id is not None:
        where.append("v.answer_id = ?")
        params.append(answer_id)
    if user is not None:
        where.append('v."user" = ?')
        params.append(user)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    dialect = sql.dialect
    rows = sql.rows(
        'SELECT v.answer_id, v."user", v.vote, v.voted_at, s.question, s.quotes, s.confidence, '
        f"s.evidence, s.surface, s.channel, s.shown_at FROM votes v JOIN shown s ON "
        f"s.id = v.answer_id{clause} ORDER BY v.voted_at DESC, v.{dialect.insertion_order} DESC "
        f"LIMIT {dialect.limit(limit)}",
        params,
    )
    return [
        Feedback(
            answer_id=r["answer_id"],
            user=r["user"],
            vote=int(r["vote"]),
            voted_at=r["voted_at"],
            question=r["question"],
            quotes=tuple((q["article_id"], q["start"], q["end"]) for q in json.loads(r["quotes"])),
            confidence=r["confidence"],
            evidence=float(r["evidence"] or 0.0),
            surface=r["surface"],
            channel=r["channel"],
            shown_at=r["shown_at"],
        )
        for r in rows
    ]
