"""Same fact, other outlets; and where their numbers differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.index import Engine
from newsbot.index.answer.corroboration import claim, differing_counts, same_fact
from newsbot.index.models import ArticleDraft


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("26 of Ukraine’s allies have formally committed", {"26": "allies"}),
        ("security forces from 26 Western countries", {"26": "countries"}),
        ("More than 23,000 people have been killed", {"23,000": "people"}),
        ("five million left homeless", {"five million": "left"}),
        ("On September 5, 2023, during an economic forum", {}),  # a date, not a count
        ("a 100% guarantee", {}),
    ],
)
def test_what_a_sentence_counts(text: str, counts: dict[str, str]) -> None:
    found = {written: thing for _, written, thing in claim(text).counts.values()}
    assert found == counts


def test_synonyms_count_the_same_thing_and_other_things_are_never_compared() -> None:
    pledge = claim("26 countries pledged to send troops to Ukraine after a ceasefire.")
    nations = claim("27 nations pledged to send troops to Ukraine after a ceasefire.")
    assert same_fact(pledge, nations)
    assert differing_counts(pledge, nations) == [("countries", "26", "27")]
    soldiers = claim("26 countries pledged to send 5,000 troops to Ukraine after a ceasefire.")
    assert differing_counts(pledge, soldiers) == []  # countries agree; troops only counted once


def test_different_facts_are_not_the_same_fact() -> None:
    pledge = claim("26 countries pledged to provide security guarantees to Ukraine.")
    host = claim("At least seven countries were prepared to host a meeting between the leaders.")
    assert not same_fact(pledge, host)  # both count countries: still no disagreement
    crash = claim("Two people were killed in a crash in Leeds on Monday.")
    fire = claim("Three people were killed in a fire in York on Monday.")
    assert not same_fact(crash, fire)  # they name different places


def test_the_26_countries_pledge_is_corroborated_by_the_other_seeds(engine: Engine) -> None:
    answer = engine.answer("How many countries pledged to send troops?")
    first = answer.quotes[0]
    assert "26 countries pledged" in first.text
    others = {c.article.id for c in first.corroborated_by}
    assert first.article.id not in others and len(others) >= 3
    for corroboration in first.corroborated_by:
        stored = engine.store.article_text(corroboration.article.id)
        assert stored[corroboration.start : corroboration.end] == corroboration.text
        assert "26" in corroboration.text
    assert first.disagreements == ()
    data = first.to_json()
    assert len(data["corroborated_by"]) == len(others) and data["disagreements"] == []


def test_sources_that_differ_on_a_number_are_shown(empty_engine: Engine, tmp_path: Path) -> None:
    stories = {
        "harbour-times": (
            "Ferry fire at Skerry Point",
            "Two people were killed in the ferry fire at Skerry Point harbour on Monday night. "
            "The harbour trust closed the pier while inspectors examined the hull.",
        ),
        "island-post": (
            "Skerry Point ferry blaze",
            "Three people were killed in the ferry fire at Skerry Point harbour on Monday. "
            "Fishermen said the smoke could be seen from the mainland for hours.",
        ),
        "coast-news": (
            "Pier shut after ferry fire",
            "Two people were killed in the ferry fire at Skerry Point harbour, officials said. "
            "Ferries to the mainland will run from the north jetty until further notice.",
        ),
    }
    for outlet, (headline, text) in stories.items():
        draft = ArticleDraft(text=text, origin=outlet, headline=headline, outlet=outlet)
        (outcome,) = empty_engine.ingest_many([draft])
        assert outcome.status.value == "added"
    answer = empty_engine.answer("How many people were killed in the ferry fire?")
    first = answer.quotes[0]
    (disagreement,) = first.disagreements
    assert disagreement.what == "people"
    values = {value: sorted(a.outlet for a in articles) for value, articles in disagreement.values}
    assert sorted(values) == ["Three", "Two"]
    assert len(values["Two"]) == 2 and values["Three"] == ["island-post"]
    data = disagreement.to_json()
    assert data["what"] == "people" and {v["value"] for v in data["values"]} == {"Two", "Three"}
