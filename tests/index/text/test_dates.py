"""Publication dates, "the latest", and answers from old sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from newsbot.index import Engine
from newsbot.index.ingest.files import draft_from_bytes
from newsbot.index.models import ArticleDraft
from newsbot.index.text.dates import asks_for_latest, dateline, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-05T10:00:00Z", date(2025, 9, 5)),
        ("5 September 2025", date(2025, 9, 5)),
        ("Sept. 5, 2023", date(2023, 9, 5)),
        ("Sept 5", None),  # no year: never guessed
        ("2023", None),
        ("31 February 2025", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Harbour reopens\nPublished: 5 September 2025\n\nBody.", "2025-09-05"),
        ("Harbour reopens\nFriday 5 September 2025 10:32 BST\nBody.", "2025-09-05"),
        ("Headline\nOn September 5, 2023, during an economic forum, he spoke.", None),
        ("Headline\nBody.\nMore.\nStill more.\n2025-09-05", None),  # too far down
    ],
)
def test_dateline(text: str, expected: str | None) -> None:
    assert dateline(text) == expected


def test_a_text_file_s_dateline_is_its_publication_date() -> None:
    draft = draft_from_bytes(b"Harbour reopens\nPublished: 5 September 2025\n\nThe pier...", "f")
    assert draft.published == "2025-09-05"
    assert draft_from_bytes(b"Harbour reopens\n\nThe pier reopened.", "g").published is None


def test_questions_that_ask_for_the_latest() -> None:
    assert asks_for_latest("What is the latest on the ceasefire?")
    assert asks_for_latest("Is the pier still closed?")
    assert not asks_for_latest("How many countries pledged troops?")


def _two_reports(engine: Engine) -> None:
    """The same news on two dates, its sentence word for word, the rest different."""
    reports = [
        ("Pier closed after storm", "2025-01-10", "The pier is closed to ferries after the "
         "storm, the harbour trust said on Monday. Volunteers cleared seaweed from the "
         "slipway and the cafe stayed open for walkers."),
        ("Storm damage keeps pier shut", "2025-03-02", "The pier is closed to ferries after "
         "the storm, the harbour trust said on Friday. Engineers from the county council "
         "will inspect the timbers before any decision on reopening."),
    ]  # fmt: skip
    for headline, published, text in reports:
        draft = ArticleDraft(text=text, origin=headline, headline=headline, published=published)
        (outcome,) = engine.ingest_many([draft])
        assert outcome.status.value == "added"


def test_the_latest_prefers_the_newer_of_two_equal_answers(db_path: Path) -> None:
    with Engine(db_path, today=lambda: date(2025, 3, 10)) as engine:
        _two_reports(engine)
        plain = engine.answer("Is the pier closed to ferries after the storm?")
        latest = engine.answer("Is the pier still closed to ferries after the storm?")
    assert plain.quotes[0].article.published == "2025-01-10"  # a tie: the first report
    assert latest.quotes[0].article.published == "2025-03-02"  # "still": the newer one
    assert latest.stale_days is None  # 8 days old


def test_an_answer_from_old_sources_says_how_old(db_path: Path) -> None:
    with Engine(db_path, today=lambda: date(2026, 11, 22)) as engine:
        _two_reports(engine)
        answer = engine.answer("Is the pier closed to ferries after the storm?")
    assert answer.stale_days == (date(2026, 11, 22) - date(2025, 3, 2)).days == 630
    assert answer.to_json()["stale_days"] == 630


def test_undated_sources_are_never_called_stale(engine: Engine) -> None:
    answer = engine.answer("How many countries pledged to send troops?")
    assert answer.stale_days is None  # the seeds carry no dates
