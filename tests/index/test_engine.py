import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.analysis import analyze
from index.engine import Engine, index_path_for
from index.errors import NotFoundError, QueryError
from index.models import ArticleDraft, Status
from index.passages import build_passages
from tests.conftest import SEEDS


def _draft(text: str, origin: str = "test", **meta: str) -> ArticleDraft:
    return ArticleDraft(text=text, origin=origin, **meta)


def test_seeds_are_indexed_with_their_manifest(engine: Engine) -> None:
    articles = engine.sources()
    assert len(articles) == 5
    first = articles[0]
    assert first.headline.startswith("Trump's Ceasefire Initiative Faces Setback")
    assert first.outlet == "The Asia Business Daily"
    assert all(a.url is None and a.published is None for a in articles)


def test_reingest_is_idempotent(engine: Engine) -> None:
    before = (engine.store.count_articles(), engine.store.count_passages())
    outcomes = list(engine.ingest_paths([SEEDS]))
    assert [o.status for o in outcomes] == [Status.DUPLICATE] * 5
    assert outcomes[0].describe() == "already indexed as #1"
    assert (engine.store.count_articles(), engine.store.count_passages()) == before
    assert engine.retriever.num_docs == before[1]


def test_bad_input_stores_nothing(engine: Engine) -> None:
    before = engine.store.count_articles()
    outcome = engine.ingest(_draft("Menu\nClose\n\nTop"))
    assert outcome.status is Status.FAILED
    assert "no article text" in (outcome.reason or "")
    assert engine.store.count_articles() == before
    assert engine.store.pending_journal() == []


def test_answer_quotes_are_verbatim_with_sources(engine: Engine) -> None:
    answer = engine.answer("How many countries pledged to send troops?")
    assert not answer.abstained
    assert any("26" in q.text for q in answer.quotes)
    for quote in answer.quotes:
        assert engine.store.article_text(quote.article.id)[quote.start : quote.end] == quote.text
        assert quote.article.headline
        assert quote.matched_terms
        for start, end in quote.highlights:
            assert quote.text[start:end].strip()


def test_quotes_prefer_different_articles(engine: Engine) -> None:
    answer = engine.answer("Would Russia target peacekeepers sent to Ukraine?", k=3)
    ids = [q.article.id for q in answer.quotes]
    assert len(ids) == len(set(ids))


def test_unanswerable_question_abstains_with_closest_headlines(engine: Engine) -> None:
    answer = engine.answer("Who won the 2024 Nobel Peace Prize?")
    assert answer.abstained
    assert answer.quotes == ()
    assert answer.confidence.value == "none"


def test_near_identical_quotes_are_merged(empty_engine: Engine) -> None:
    shared = "The minister said the bridge would reopen on Friday after repairs."
    empty_engine.ingest(_draft(f"Bridge news\n\n{shared} Traffic was heavy.", "a.txt"))
    empty_engine.ingest(_draft(f"Wire copy\n\n{shared} Drivers were relieved.", "b.txt"))
    answer = empty_engine.answer("When will the bridge reopen?")
    assert len(answer.quotes) == 1
    assert [a.origin for a in answer.quotes[0].also_in] == ["b.txt"]


def test_search_ranks_distinct_articles(engine: Engine) -> None:
    results = engine.search("Danish Refugee Council mine clearance", k=3)
    ids = [h.article.id for h in results.hits]
    assert ids[0] == 1 and len(ids) == len(set(ids))
    assert "Danish Refugee Council" in results.hits[0].passage


def test_forget_removes_article_everywhere(engine: Engine) -> None:
    engine.forget(1)
    assert [a.id for a in engine.sources()] == [2, 3, 4, 5]
    assert engine.retriever.num_docs == engine.store.count_passages()
    assert all(h.article.id != 1 for h in engine.search("Danish Refugee Council").hits)
    with pytest.raises(NotFoundError):
        engine.forget(1)


def test_forgotten_seeds_are_not_reseeded(db_path: Path) -> None:
    with Engine(db_path, seeds_dir=SEEDS) as e:
        for a in e.sources():
            e.forget(a.id)
    with Engine(db_path, seeds_dir=SEEDS) as e:
        assert e.sources() == []


@pytest.mark.parametrize(
    "question",
    ["", "   ", "the of and?", "x" * 1001],
)
def test_bad_questions_are_refused(engine: Engine, question: str) -> None:
    with pytest.raises(QueryError):
        engine.answer(question)


def test_k_must_be_positive(engine: Engine) -> None:
    with pytest.raises(QueryError):
        engine.answer("troops", k=0)
    with pytest.raises(QueryError):
        engine.search("troops", k=0)


def test_threshold_is_validated(db_path: Path) -> None:
    with pytest.raises(ValueError):
        Engine(db_path, abstain_below=1.5)


# -- consistency between SQLite and the index ----------------------------------


def test_write_interrupted_before_the_index_is_replayed(db_path: Path) -> None:
    with Engine(db_path, autoseed=False) as e:
        text = "The zeppelin landed in Oslo on Monday, the airport said."
        # The SQLite half of an ingest, as if the process died right after it.
        e.store.add_article(
            headline="Zeppelin lands",
            text=text,
            content_hash="h1",
            passages=build_passages(text),
            origin="crash.txt",
        )
        assert e.retriever.num_docs == 0
    with Engine(db_path, autoseed=False) as e:
        assert e.repaired == 1
        assert e.store.pending_journal() == []
        assert "Oslo" in e.answer("Where did the zeppelin land?").quotes[0].text


def test_lost_index_is_rebuilt_at_open(db_path: Path) -> None:
    with Engine(db_path, seeds_dir=SEEDS) as e:
        passages = e.store.count_passages()
    shutil.rmtree(index_path_for(db_path))  # the index directory is lost between runs
    with Engine(db_path, seeds_dir=SEEDS) as e:
        assert e.retriever.num_docs == passages
        assert not e.answer("How many countries pledged to send troops?").abstained


def test_reindex_rebuilds_from_sqlite(engine: Engine) -> None:
    assert engine.reindex() == engine.store.count_passages()
    assert engine.retriever.num_docs == engine.store.count_passages()


# -- the verbatim property -------------------------------------------------------

_SEED_WORDS = sorted(
    {
        w
        for p in SEEDS.glob("*.txt")
        for w in re.findall(r"[A-Za-z]{4,}", p.read_text("utf-8"))
        if analyze(w)  # stopwords alone make no question
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(_SEED_WORDS), min_size=1, max_size=6), st.integers(1, 5))
def test_every_quote_is_the_article_text_between_its_offsets(
    engine: Engine, words: list[str], k: int
) -> None:
    answer = engine.answer(" ".join(words) + "?", k=k)
    assert len(answer.quotes) <= k
    for quote in answer.quotes:
        text = engine.store.article_text(quote.article.id)
        assert text[quote.start : quote.end] == quote.text
        # Whole sentences: the quote starts at a sentence start and ends at a sentence end.
        passage_starts = {s.start for p in build_passages(text) for s in p.sentences}
        passage_ends = {s.end for p in build_passages(text) for s in p.sentences}
        assert quote.start in passage_starts and quote.end in passage_ends
