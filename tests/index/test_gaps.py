"""What nobody could answer: kept, grouped by wording, newest first."""

from __future__ import annotations

import pytest

from newsbot.index import Engine
from newsbot.index.engine import MARKED_WRONG


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
