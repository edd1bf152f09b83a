import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.index.engine import Engine, index_path_for
from newsbot.index.errors import NotFoundError, QueryError
from newsbot.index.ingest.pipeline import prepare
from newsbot.index.models import ArticleDraft, Confidence, Status
from newsbot.index.settings import AnswerSettings
from newsbot.index.store.journal import ChangeLog
from newsbot.index.text.analysis import analyze
from newsbot.index.text.passages import build_passages
from tests.conftest import SEEDS, Database, seeded_engine

EVERY_BACKEND = True  # each test that opens a library: on SQLite and on PostgreSQL


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
    assert [o.article_id for o in outcomes] == [1, 2, 3, 4, 5]
    assert (engine.store.count_articles(), engine.store.count_passages()) == before
    assert engine.retriever.num_docs == before[1]


def _changes_logged(engine: Engine) -> int:
    """SQLite: journal rows the index has not caught up with; PostgreSQL: the change
    log's newest row (rows are kept there)."""
    journal = engine.store.journal
    return journal.last() if isinstance(journal, ChangeLog) else len(journal.pending())


def test_bad_input_stores_nothing(engine: Engine) -> None:
    before = engine.store.count_articles()
    logged = _changes_logged(engine)
    outcome = engine.ingest(_draft("Menu\nClose\n\nTop"))
    assert outcome.status is Status.FAILED
    assert "no article text" in (outcome.reason or "")
    assert engine.store.count_articles() == before
    assert _changes_logged(engine) == (logged if engine.shared else 0)


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
    # Every seed reports Putin's warning: three quotes, from three articles.
    answer = engine.answer("Would Russia target Western troops deployed to Ukraine?", k=3)
    ids = [q.article.id for q in answer.quotes]
    assert len(ids) == 3
    assert len(set(ids)) == 3


def test_a_second_quote_of_one_article_waits_for_the_others(empty_engine: Engine) -> None:
    """Article A holds two sentences that answer, B and C one each, all about as good:
    the three quotes come from A, B and C, not twice from A."""
    texts = {
        "A": "The ferry strike closed the harbour on Monday, the council said. "
        "The ferry strike also closed the harbour cafe on Monday.",
        "B": "Officials said the ferry strike closed the harbour for a day on Monday.",
        "C": "On Monday a ferry strike closed the harbour, the port authority said.",
    }
    for name, text in texts.items():
        empty_engine.ingest(
            ArticleDraft(text=text, origin=f"test:{name}", headline=f"Report {name}")
        )
    answer = empty_engine.answer("Did the ferry strike close the harbour on Monday?", k=3)
    assert sorted(q.article.headline for q in answer.quotes) == ["Report A", "Report B", "Report C"]


def test_unanswerable_question_abstains_with_closest_headlines(engine: Engine) -> None:
    answer = engine.answer("Who won the 2024 Nobel Peace Prize?")
    assert answer.abstained
    assert answer.quotes == ()
    assert answer.confidence is Confidence.NONE
    # The closest articles are real, distinct seed articles, for the user to look at.
    assert 1 <= len(answer.closest) <= 3
    assert len({a.id for a in answer.closest}) == len(answer.closest)
    headlines = {a.headline for a in engine.sources()}
    assert all(a.headline in headlines for a in answer.closest)


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
    with seeded_engine(db_path) as e:
        for a in e.sources():
            e.forget(a.id)
    with Engine(db_path) as e:
        assert e.seed_if_empty(SEEDS) == []
        assert e.sources() == []


def test_opening_an_engine_has_no_side_effects(db_path: Path) -> None:
    with Engine(db_path) as e:
        assert e.sources() == []  # seeding is asked for, never implied
        outcomes = e.seed_if_empty(SEEDS)
        assert [o.status for o in outcomes] == [Status.ADDED] * 5
        assert e.seed_if_empty(SEEDS) == []


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


@pytest.mark.parametrize(
    "bad",
    [
        {"abstain_below": 1.5},
        {"abstain_below": -0.1},
        {"medium_confidence": 0.9, "high_confidence": 0.8},
        {"answer_passages": 0},
        {"passage_weight": -1.0},
        {"unseen_factor": 0.5},
    ],
)
def test_settings_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AnswerSettings(**bad)


def test_the_threshold_decides_abstention(db_path: Path) -> None:
    question = "How many countries pledged to send troops?"
    with seeded_engine(db_path) as e:
        answered = e.answer(question)
    assert not answered.abstained and answered.evidence < 1.0
    strict = AnswerSettings(abstain_below=1.0, medium_confidence=1.0, high_confidence=1.0)
    with Engine(db_path, settings=strict) as e:
        refused = e.answer(question)
    assert refused.abstained and refused.quotes == ()
    assert refused.evidence == pytest.approx(answered.evidence)


# -- consistency between SQLite and the index ----------------------------------


def test_write_interrupted_before_the_index_is_replayed(db_path: Path) -> None:
    with Engine(db_path) as e:
        text = "Zeppelin lands\n\nThe zeppelin landed in Oslo on Monday, the airport said."
        # The SQLite half of an ingest, as if the process died right after it.
        e.store.add_article(prepare(_draft(text, "crash.txt")))
        assert e.retriever.num_docs == 0
    with Engine(db_path) as e:
        assert e.repair_index() == 1
        assert e.store.journal.pending() == []
        assert e.repair_index() == 0
        assert "Oslo" in e.answer("Where did the zeppelin land?").quotes[0].text


def test_lost_index_is_rebuilt_at_open(db_path: Path) -> None:
    with seeded_engine(db_path) as e:
        passages = e.store.count_passages()
    shutil.rmtree(index_path_for(db_path))  # the index directory is lost between runs
    with Engine(db_path) as e:
        assert e.repair_index() == 1
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


def test_what_did_x_say_prefers_x_s_own_words(engine: Engine) -> None:
    answer = engine.answer("What did Peskov say about security guarantees?")
    assert [q.speaker for q in answer.quotes] == ["Dmitry Peskov"] * 3
    # Without asking for his words, a sentence that only mentions him is no better.
    plain = engine.answer("What are the security guarantees?")
    assert plain.quotes[0].speaker != "Dmitry Peskov"


def test_who_said_names_the_speaker(engine: Engine) -> None:
    answer = engine.answer("Who said the decisions taken in Paris were the first concrete steps?")
    first = answer.quotes[0]
    assert first.text == "Zelensky called the decisions taken in Paris the first concrete steps."
    assert first.speaker == "Volodymyr Zelensky"
    assert first.to_json()["speaker"] == "Volodymyr Zelensky"


def test_quotes_nobody_speaks_have_no_speaker(engine: Engine) -> None:
    answer = engine.answer("What do the guarantees include?")
    first = answer.quotes[0]
    assert first.text == (
        "The guarantees include strengthening the Ukrainian army and setting up a "
        "peacekeeping force."
    )
    assert first.speaker is None and first.to_json()["speaker"] is None


def test_a_quote_of_two_speakers_names_neither(engine: Engine) -> None:
    answer = engine.answer("Did Merz and Meloni agree to send troops?")
    (both,) = [q for q in answer.quotes if q.text.startswith("European leaders")]
    assert "Friedrich Merz urging caution" in both.text
    assert "Giorgia Meloni also stated" in both.text
    assert both.speaker is None


def test_models_that_read_the_encoder_are_refused_without_it(
    engine: Engine, database: Database
) -> None:
    """A model fitted on the cross-encoder's scores cannot answer without the encoder."""
    from newsbot.index.answer.answerability import shipped_model
    from newsbot.index.answer.answerer import Answerer
    from newsbot.index.answer.fitted import ModelError
    from newsbot.index.answer.ranking import shipped_ranker

    parts = (engine.store, engine.retriever)
    lexical = AnswerSettings(encoder=False)
    with pytest.raises(ModelError, match="the model read the cross-encoder's scores"):
        Answerer(
            *parts, settings=lexical, model=shipped_model(encoder=True), ranker=shipped_ranker()
        )
    with pytest.raises(ModelError, match="the model and ranker read"):
        Answerer(
            *parts,
            settings=lexical,
            model=shipped_model(encoder=True),
            ranker=shipped_ranker(encoder=True),
        )
    with pytest.raises(ModelError, match="the ranker read"):
        database.open(settings=lexical, ranker=shipped_ranker(encoder=True))


def test_tools_compare_systems_over_one_library(engine: Engine) -> None:
    """`with_system`: the same database and index answered by another system; the
    engine's own models untouched, the library shared and still the engine's."""
    question = "How many countries pledged to send troops?"
    shipped = engine.answer(question)
    systems = {name: engine.with_system(name) for name in ("first-stage", "lexical", "encoder")}
    assert systems["encoder"].answer(question) == shipped
    assert systems["lexical"].settings.encoder is False
    assert systems["lexical"].answer(question).quotes
    assert not systems["first-stage"].ranker.uses_encoder
    assert engine.ranker.uses_encoder  # the engine itself answers as before
    # One library: what one writes, the others read; closing a system closes nothing.
    engine.forget(2)
    assert all(2 not in {q.article.id for q in s.answer(question).quotes} for s in systems.values())
    systems["lexical"].close()
    assert engine.count_articles() == 4
    with pytest.raises(ValueError, match="system must be one of"):
        engine.with_system("llm")
