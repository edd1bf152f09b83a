"""The project's question sets over the bundled seeds, answered by both systems: the
encoder's (the default) and the lexical one (NEWSBOT_ENCODER=off).

tests/data/seed_questions.json and tests/data/paraphrase_questions.json (written for
issue 22 before any encoder existed). An answerable question must be answered with
one of its expected strings among the first three quotes; an unanswerable one must
be refused. A miss that is known is a strict xfail for the system that misses it
(`known_miss`: system -> why), so a fix shows up as a failure to update the set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from newsbot.index import AnswerSettings, Confidence, Engine
from tests.conftest import ROOT, SEEDS

SYSTEMS = ("encoder", "lexical")
SETS = {
    name: json.loads((ROOT / "tests" / "data" / f"{name}.json").read_text("utf-8"))
    for name in ("seed_questions", "paraphrase_questions")
}


def _cases(kind: str, *, misses_fail: bool = True) -> list:
    """One case per (set, system, question); a known miss is a strict xfail unless
    the test holds the misses too (`misses_fail=False`)."""
    cases = []
    for name, questions in SETS.items():
        for item in questions[kind]:
            for system in SYSTEMS:
                why = item.get("known_miss", {}).get(system)
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why and misses_fail else []
                cases.append(
                    pytest.param(system, item, id=f"{name}-{system}-{item['q'][:40]}", marks=marks)
                )
    return cases


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """One engine over the seeds per system, shared by the module (asking is read-only)."""
    opened = {}
    for system in SYSTEMS:
        db = tmp_path_factory.mktemp(system) / "seeds.db"
        engine = Engine(db, settings=AnswerSettings(encoder=system == "encoder"))
        engine.seed_if_empty(SEEDS)
        opened[system] = engine
    yield opened
    for engine in opened.values():
        engine.close()


def _verbatim(engine: Engine, answer_quotes: list) -> None:
    for quote in answer_quotes:
        text = engine.store.article_text(quote.article.id)
        assert text[quote.start : quote.end] == quote.text


@pytest.mark.parametrize(("system", "item"), _cases("answerable"))
def test_answerable_questions_get_the_right_quote_among_three(
    engines: dict[str, Engine], system: str, item: dict
) -> None:
    engine = engines[system]
    answer = engine.answer(item["q"], k=3)
    _verbatim(engine, answer.quotes)
    assert not answer.abstained, item["q"]
    quotes = [q.text.casefold() for q in answer.quotes]
    assert any(e.casefold() in q for e in item["expect"] for q in quotes), (item["q"], quotes)


@pytest.mark.parametrize(("system", "item"), _cases("unanswerable"))
def test_unanswerable_questions_are_refused(
    engines: dict[str, Engine], system: str, item: dict
) -> None:
    engine = engines[system]
    answer = engine.answer(item["q"], k=3)
    _verbatim(engine, answer.quotes)
    assert answer.abstained, (item["q"], [q.text for q in answer.quotes])


def test_the_two_systems_are_different_models(engines: dict[str, Engine]) -> None:
    assert engines["encoder"].answerer.encoder is not None
    assert engines["encoder"].answerer.ranker.uses_encoder
    assert engines["encoder"].answerer.model.uses_encoder
    assert engines["lexical"].answerer.encoder is None
    assert not engines["lexical"].answerer.ranker.uses_encoder
    assert not engines["lexical"].answerer.model.uses_encoder


@pytest.mark.parametrize(("system", "item"), _cases("unanswerable", misses_fail=False))
def test_no_unanswerable_question_is_answered_with_confidence(
    engines: dict[str, Engine], system: str, item: dict
) -> None:
    """Refused, or at worst labelled "low": the known misses included."""
    answer = engines[system].answer(item["q"], k=3)
    assert answer.confidence in (Confidence.NONE, Confidence.LOW), item["q"]
