"""One page of the article list, as both chat surfaces read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.bot.chat.paging import MATCH_LIMIT, SourcesPage, clean_match, sources_page
from newsbot.index import Engine
from tests.corpora import write_corpus


@pytest.fixture
def library(tmp_path: Path, empty_engine: Engine) -> Engine:
    """40 articles, "Story number 0 about the harbour" to "... 39 ...", ids 1 to 40."""
    write_corpus(tmp_path / "stories", 40)
    outcomes = list(empty_engine.ingest_paths([tmp_path / "stories"]))
    assert [o.article_id for o in outcomes] == list(range(1, 41))
    return empty_engine


def test_pages_cover_every_article_once_in_id_order(library: Engine) -> None:
    seen: list[int] = []
    for number in (1, 2, 3):
        page = sources_page(library, None, number, size=15)
        assert (page.number, page.pages, page.total) == (number, 3, 40)
        assert page.first_index == (number - 1) * 15 + 1
        seen.extend(a.id for a in page.articles)
    assert seen == list(range(1, 41))
    last = sources_page(library, None, 3, size=15)
    assert len(last.articles) == 10 and last.has_previous and not last.has_next
    first = sources_page(library, None, 1, size=15)
    assert first.has_next and not first.has_previous


def test_a_page_past_either_end_reads_the_nearest_page(library: Engine) -> None:
    assert sources_page(library, None, 99, size=15).number == 3
    assert sources_page(library, None, -4, size=15).number == 1
    library.forget(40)  # pressing Next after articles were forgotten still lands somewhere
    assert [a.id for a in sources_page(library, None, 3, size=15).articles][-1] == 39


def test_the_filter_is_counted_and_paged_in_sql(library: Engine) -> None:
    page = sources_page(library, "number 1", 1, size=5)
    # "Story number 1 about" and "number 10" to "number 19": eleven headlines.
    assert (page.total, page.pages) == (11, 3)
    assert [a.id for a in page.articles] == [2, 11, 12, 13, 14]
    assert page.heading() == "11 articles matching “number 1” · page 1 of 3"
    nothing = sources_page(library, "zeppelin", 1)
    assert (nothing.total, nothing.pages, nothing.articles, nothing.first_index) == (0, 1, [], 0)
    assert nothing.heading() == "0 articles matching “zeppelin”"


def test_headings_count_in_words() -> None:
    one = SourcesPage([], 1, 1, 1)
    assert one.heading() == "1 article"
    many = SourcesPage([], 3, 139, 2069)
    assert many.heading() == "2,069 articles · page 3 of 139"


def test_a_filter_is_cleaned_and_cut() -> None:
    assert clean_match("  ukraine \n\t war ") == "ukraine war"
    assert clean_match(None) == ""
    assert clean_match("\ud800x") == "\ufffdx"  # a lone surrogate cannot reach SQLite
    assert len(clean_match("word " * 100)) <= MATCH_LIMIT


def test_a_page_holds_at_least_one_article(library: Engine) -> None:
    with pytest.raises(ValueError, match="at least one"):
        sources_page(library, None, 1, size=0)
