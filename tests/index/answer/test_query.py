"""How a question's words meet an article's: irregular forms, the translation table."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.index import Engine, QueryError
from newsbot.index.answer.query import (
    MAX_QUERY_CHARS,
    irregular_forms,
    parse_query,
    translation_table,
)
from newsbot.index.models import ArticleDraft


@pytest.mark.parametrize(
    ("word", "form"),
    [("fight", "fought"), ("go", "went"), ("child", "children"), ("speak", "spoke")],
)
def test_irregular_forms_join_both_ways(word: str, form: str) -> None:
    forms = irregular_forms()
    assert form in forms[word] and word in forms[form]


def test_irregular_forms_do_not_chain_from_one_word_to_another() -> None:
    """ "leaves" is a form of "leaf", "left" one of "leave": "leaf" must not find "left"."""
    assert "left" not in irregular_forms().get("leaf", frozenset())
    assert "leaf" not in irregular_forms().get("left", frozenset())


def test_a_question_word_brings_its_forms_at_full_weight() -> None:
    query = parse_query("Who fought in the battle?")
    assert query.groups["fought"] == {"fought", "fight"}
    assert query.weighted["fight"] == query.weighted["fought"] == 1.0


def test_translations_are_for_scoring_sentences_not_for_retrieval() -> None:
    assert {"death", "kill"} <= translation_table()["die"]
    query = parse_query("How many people died in the fire?")
    assert "death" in query.translated["die"]
    assert "death" not in query.weighted


def test_the_translation_table_holds_no_numbers_and_never_a_word_for_itself() -> None:
    for term, found in translation_table().items():
        assert not term[:1].isdigit() and term not in found
        assert not any(t[:1].isdigit() for t in found)


def test_an_irregular_form_in_the_article_answers(empty_engine: Engine) -> None:
    empty_engine.ingest(
        ArticleDraft(
            text="Rebels fought government troops near the airport for three days.",
            origin="test:1",
            headline="Clashes near the airport",
        )
    )
    answer = empty_engine.answer("Where did the rebels fight government troops?")
    assert not answer.abstained
    assert answer.quotes[0].text.startswith("Rebels fought")
    assert "fight" in answer.quotes[0].matched_terms


def test_a_translation_picks_the_sentence_that_answers(tmp_path: Path) -> None:
    """Both sentences share "fire" and "factory"; only the second says how many died."""
    text = (
        "The fire at the factory started in the paint store on Tuesday night. "
        "The death toll from the factory fire rose to twelve on Wednesday."
    )
    with Engine(tmp_path / "t.db") as engine:
        engine.ingest(ArticleDraft(text=text, origin="test:fire", headline="Factory fire"))
        answer = engine.answer("How many people died in the factory fire?", k=1)
    assert answer.quotes[0].text.startswith("The death toll")


@pytest.mark.parametrize("question", ["", "   ", "x" * (MAX_QUERY_CHARS + 1)])
def test_bad_questions_are_refused(question: str) -> None:
    with pytest.raises(QueryError):
        parse_query(question)
