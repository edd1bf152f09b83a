"""A question's function words are never highlighted, in whatever language it is asked."""

from __future__ import annotations

import pytest

from newsbot.index.engine import Engine
from newsbot.index.text.analysis import fold
from newsbot.index.text.languages import LANGUAGES, function_words

RUSSIAN = (
    "Войска для Украины\n\nДвадцать шесть стран пообещали отправить войска в Украину после "
    "прекращения огня, заявил президент Франции на встрече в Париже. Россия отвергла это "
    "предложение и назвала иностранные войска законными целями."
)


def test_every_snowball_language_but_english_has_a_list() -> None:
    from nltk.stem.snowball import SnowballStemmer

    covered = set(SnowballStemmer.languages) - {"english", "porter"}
    assert covered == set(LANGUAGES)


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Сколько стран пообещали отправить войска в Украину?", "в"),
        ("Combien de pays ont promis des troupes?", "des"),
        ("Wie viele Länder haben Truppen für die Ukraine zugesagt?", "für"),
        ("¿Cuántos países de la OTAN prometieron enviar tropas a Ucrania?", "la"),
    ],
)
def test_a_question_in_another_language_has_its_function_words(question: str, word: str) -> None:
    assert fold(word) in function_words(question)


@pytest.mark.parametrize(
    "question",
    [
        "How many countries pledged to send troops?",
        "Who won the war in Ukraine?",  # "war" and "die" are German function words
        "Did the die hard fans in Paris see de Gaulle's house?",
        "",
        "2026?",
    ],
)
def test_an_english_question_adds_none(question: str) -> None:
    assert function_words(question) == frozenset()


def test_russian_function_words_are_not_shown_as_matches(engine: Engine) -> None:
    engine.ingest_bytes(RUSSIAN.encode(), "ru.txt")
    answer = engine.answer("Сколько стран пообещали отправить войска в Украину и для чего?")
    assert not answer.abstained
    quote = next(q for q in answer.quotes if "Двадцать шесть" in q.text)
    shown = {quote.text[start:end] for start, end in quote.highlights}
    assert {"в", "и", "для"}.isdisjoint(shown)
    assert {"стран", "войска"} <= shown  # the words that carry meaning still are
