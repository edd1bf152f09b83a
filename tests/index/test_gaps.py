"""What nobody could answer: kept, grouped by wording, newest first."""

from __future__ import annotations

import pytest

from newsbot.index import Engine
from newsbot.index.engine import MARKED_WRONG

EVERY_BACKEND = True  # each test that opens a library: on SQLite and on PostgreSQL


def _abstain(engine: Engine, question: str, **where: str) -> None:
    answer = engine.answer(question)
    assert answer.abstained, question
    engine.note_unanswered(answer, **where)


def test_gaps_are_grouped_by_wording_newest_first(engine: Engine) -> None:
    _abstain(engine, "Who won the Nobel Peace Prize?", surface="slack", channel="C1")
    _abstain(engine, "Which football club won the cup final?", surface="cli")
    _abstain(engine, "who won the nobel peace prize in 2024?", surface="discord")
    first, second = engine.gaps()
    assert (first.question, first.asked) == ("who won the nobel peace prize in 2024?", 2)
    assert first.wordings == ("Who won the Nobel Peace Prize?",)
    assert first.surfaces == ("discord", "slack")
    assert 1 <= len(first.closest) <= 3 and first.closest[0].headline
    assert (second.question, second.asked) == ("Which football club won the cup final?", 1)
    assert [g.question for g in engine.gaps(limit=1)] == [first.question]
    assert first.to_json()["asked"] == 2


def test_an_answer_marked_wrong_counts_in_its_gap(engine: Engine) -> None:
    answered = engine.answer("How many countries pledged to send troops?")
    assert not answered.abstained
    engine.note_unanswered(answered, surface="slack", why=MARKED_WRONG)
    (gap,) = engine.gaps()
    assert (gap.asked, gap.marked_wrong) == (1, 1)
    assert gap.closest[0].id == answered.quotes[0].article.id  # the quoted article
    with pytest.raises(ValueError, match="why"):
        engine.note_unanswered(answered, why="bored")


def test_a_forgotten_article_leaves_the_closest_list(engine: Engine) -> None:
    _abstain(engine, "Who won the Nobel Peace Prize?")
    (gap,) = engine.gaps()
    engine.forget(gap.closest[0].id)
    (again,) = engine.gaps()
    assert gap.closest[0].id not in [a.id for a in again.closest]


def test_nothing_unanswered_is_an_empty_list(engine: Engine) -> None:
    assert engine.gaps() == []
    with pytest.raises(ValueError):
        engine.gaps(limit=0)


def test_a_gap_nobody_asked_about_for_the_keeping_period_is_forgotten(engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    from newsbot.index.store import gaps

    _abstain(engine, "Who won the Nobel Peace Prize?")
    _abstain(engine, "Which football club won the cup final?")
    db = engine.store.sql
    assert gaps.prune(db) == 0  # both asked today
    later = datetime.now(UTC) + timedelta(days=gaps.KEEP_DAYS + 1)
    assert gaps.prune(db, now=later) == 2
    assert engine.gaps() == []
    assert db.scalar("SELECT count(*) FROM unanswered") == 0
    assert db.scalar("SELECT count(*) FROM gap_terms") == 0


def test_past_the_row_cap_the_gaps_asked_longest_ago_go_whole(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsbot.index.store import gaps

    monkeypatch.setattr(gaps, "MAX_ROWS", 3)
    _abstain(engine, "Who won the Nobel Peace Prize?")
    _abstain(engine, "who won the nobel peace prize in 2024?")  # the same gap: 2 rows
    _abstain(engine, "Which football club won the cup final?")
    _abstain(engine, "Which orchestra played the opening concert?")
    assert gaps.prune(engine.store.sql) == 1  # the Nobel gap, asked longest ago, with both rows
    assert [g.question for g in engine.gaps()] == [
        "Which orchestra played the opening concert?",
        "Which football club won the cup final?",
    ]
    assert [g.asked for g in engine.gaps()] == [1, 1]  # every count shown stays true


def test_recording_and_listing_read_what_they_need_not_every_gap(engine: Engine) -> None:
    """Many distinct gaps: listing reads the newest few; a question joins its own gap
    through the words it shares, however many gaps there are."""
    from newsbot.index import Answer, Confidence

    for n in range(600):
        question = f"Who founded company{n} and when did firm{n} open branch{n}?"
        engine.note_unanswered(Answer(question, (), Confidence.NONE, 0.0), surface="cli")
    engine.note_unanswered(
        Answer("Who founded company7 and when did firm7 open?", (), Confidence.NONE, 0.0)
    )
    newest = engine.gaps(limit=2)
    assert newest[0].question == "Who founded company7 and when did firm7 open?"
    assert newest[0].asked == 2
    assert newest[0].wordings == ("Who founded company7 and when did firm7 open branch7?",)
    assert newest[1].question == "Who founded company599 and when did firm599 open branch599?"
    assert len(engine.gaps(limit=1000)) == 600


def test_gaps_kept_before_the_grouping_table_are_grouped_when_it_comes(db_path) -> None:
    """A database from before gaps were grouped as they arrive: its questions are
    grouped by the migration, oldest first, as they came."""
    import sqlite3

    from newsbot.index.store import gaps

    with Engine(db_path) as engine:
        pass
    legacy = sqlite3.connect(db_path)
    legacy.executescript(
        "DROP TABLE gap_groups; DROP TABLE gap_terms; DROP INDEX unanswered_group;"
        "DELETE FROM _sqlite_migrations WHERE name = '008_gaps_grouped_as_they_arrive';"
        "ALTER TABLE unanswered DROP COLUMN group_id; PRAGMA user_version = 7;"
    )
    rows = [
        ("Who won the Nobel Peace Prize?", "2026-12-01T08:00:00+00:00", "abstained"),
        ("Which club won the cup final?", "2026-12-02T08:00:00+00:00", "abstained"),
        ("who won the nobel peace prize in 2024?", "2026-12-03T08:00:00+00:00", gaps.MARKED_WRONG),
    ]
    legacy.executemany(
        "INSERT INTO unanswered (question, asked_at, surface, channel, why, closest) "
        "VALUES (?, ?, 'slack', 'C1', ?, '[1]')",
        rows,
    )
    legacy.commit()
    legacy.close()
    with Engine(db_path) as engine:
        nobel, cup = engine.gaps()
    assert (nobel.question, nobel.asked, nobel.marked_wrong) == (rows[2][0], 2, 1)
    assert nobel.wordings == (rows[0][0],) and nobel.last_asked == rows[2][1]
    assert (cup.question, cup.asked) == (rows[1][0], 1)
