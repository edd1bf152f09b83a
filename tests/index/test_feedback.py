"""Readers' votes on answers as shown: kept, changeable, listed, and 👎 made a gap."""

from __future__ import annotations

import pytest

from newsbot.index import Engine, UnknownAnswerError

QUESTION = "How many countries pledged to send troops?"

EVERY_BACKEND = True  # each test that opens a library: on SQLite and on PostgreSQL


def test_a_vote_is_kept_with_the_answer_as_shown_and_can_be_changed(engine: Engine) -> None:
    answer = engine.answer(QUESTION)
    answer_id = engine.keep_answer(answer, surface="slack", channel="C1")
    assert len(answer_id) == 22
    up = engine.vote(answer_id, "U1", up=True)
    assert (up.vote, up.user, up.surface, up.channel, up.confidence) == (
        1,
        "U1",
        "slack",
        "C1",
        answer.confidence.value,
    )
    assert up.quotes == tuple((q.article.id, q.start, q.end) for q in answer.quotes)
    engine.vote(answer_id, "U2", up=True)
    changed = engine.vote(answer_id, "U1", up=False)  # the same user again: changed
    assert changed.vote == -1
    votes = engine.feedback()
    assert sorted((v.user, v.vote) for v in votes) == [("U1", -1), ("U2", 1)]
    assert votes[0].to_json()["quotes"][0]["article_id"] == answer.quotes[0].article.id
    assert len(engine.feedback(limit=1)) == 1


def test_a_thumbs_down_puts_the_question_among_the_gaps(engine: Engine) -> None:
    answer = engine.answer(QUESTION)
    engine.vote(engine.keep_answer(answer, surface="discord"), "U1", up=False)
    (gap,) = engine.gaps()
    assert (gap.question, gap.marked_wrong, gap.surfaces) == (QUESTION, 1, ("discord",))
    assert gap.closest[0].id == answer.quotes[0].article.id


def test_a_vote_on_an_answer_not_kept_is_one_clear_refusal(engine: Engine) -> None:
    with pytest.raises(UnknownAnswerError) as refused:
        engine.vote("no-such-answer", "U1", up=True)
    assert refused.value.answer_id == "no-such-answer"
    assert str(refused.value) == "That answer is no longer kept, so the vote was not recorded."
    assert engine.feedback() == []


def test_answers_nobody_voted_on_are_forgotten_after_a_while(engine: Engine) -> None:
    answer = engine.answer(QUESTION)
    old, voted = (engine.keep_answer(answer, surface="slack") for _ in range(2))
    engine.vote(voted, "U1", up=True)
    db = engine.library.store.sql
    db.execute("UPDATE shown SET shown_at = '2020-01-01T00:00:00+00:00'")
    engine.keep_answer(answer, surface="slack")  # keeping one prunes the old unvoted
    with pytest.raises(UnknownAnswerError):
        engine.vote(old, "U1", up=True)
    assert engine.vote(voted, "U1", up=False).vote == -1  # a voted answer stays
