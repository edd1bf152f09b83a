"""Collections: articles filed by desk, questions answered from some desks only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import tantivy

from newsbot.index import CollectionError, Engine, NotFoundError, Status, collection_names
from newsbot.index.store.library import index_path_for
from tests.conftest import SEEDS

FERRY = (
    "Harbour ferry returns\n\nThe island ferry returned to service on Monday after repairs, "
    "the harbour council said. Twenty countries sent engineers to help with the repairs."
)
QUESTION = "How many countries pledged to send troops?"

EVERY_BACKEND = True  # each test that opens a library: on SQLite and on PostgreSQL


@pytest.fixture
def desks(empty_engine: Engine, tmp_path: Path) -> Engine:
    """The seeds in "ukraine", a ferry story in "local"."""
    outcomes = list(empty_engine.ingest_paths([SEEDS], collections="ukraine"))
    assert [o.status for o in outcomes] == [Status.ADDED] * 5
    ferry = tmp_path / "ferry.txt"
    ferry.write_text(FERRY, encoding="utf-8")
    (local,) = empty_engine.ingest_paths([ferry], collections=["local"])
    assert local.article_id == 6
    return empty_engine


@pytest.mark.parametrize(
    ("raw", "names"),
    [("Ukraine, world,,ukraine", ("ukraine", "world")), (["a,b", "c"], ("a", "b", "c"))],
)
def test_names_are_lowercased_checked_and_deduplicated(raw: object, names: tuple) -> None:
    assert collection_names(raw) == names  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["all", "x y", "-desk", "a" * 41, "ümlaut", "a/b"])
def test_a_malformed_name_is_one_clear_refusal(bad: str) -> None:
    with pytest.raises(CollectionError) as refused:
        collection_names(bad)
    assert refused.value.name == bad.lower()
    assert "collection" in str(refused.value)


def test_a_scoped_question_never_quotes_outside_its_collections(desks: Engine) -> None:
    everywhere = desks.answer(QUESTION)
    assert everywhere.quotes[0].article.id <= 5 and "26 countries" in everywhere.quotes[0].text
    local = desks.answer(QUESTION, collections=desks.scope("local"))
    quoted = {a.id for q in local.quotes for a in (q.article, *q.also_in)}
    assert quoted <= {6} and local.scope == ("local",)
    assert all(a.id == 6 for a in local.closest)
    ukraine = desks.answer(QUESTION, collections=desks.scope(["ukraine"]))
    assert all(q.article.id <= 5 for q in ukraine.quotes)
    assert not any(c.article.id == 6 for q in ukraine.quotes for c in q.corroborated_by)


def test_search_is_scoped_inside_retrieval_not_after_it(desks: Engine) -> None:
    hits = desks.search("countries", k=5, collections=desks.scope("local")).hits
    assert [h.article.id for h in hits] == [6]
    both = desks.search("countries", k=10, collections=desks.scope("local,ukraine")).hits
    assert {h.article.id for h in both} == {
        h.article.id for h in desks.search("countries", k=10).hits
    }
    assert desks.passages("countries", k=3, collections=frozenset()) == []


def test_an_answer_names_the_collections_when_several_are_in_scope(desks: Engine) -> None:
    one = desks.answer(QUESTION, collections=desks.scope("ukraine"))
    assert one.collections == {}
    several = desks.answer(QUESTION, collections=desks.scope("ukraine, local"))
    assert several.scope == ("local", "ukraine")
    assert several.collections[several.quotes[0].article.id] == ("ukraine",)
    assert several.to_json()["scope"] == ["local", "ukraine"]


def test_an_unknown_collection_is_refused_with_the_ones_that_exist(desks: Engine) -> None:
    with pytest.raises(CollectionError) as refused:
        desks.scope("world")
    assert str(refused.value) == (
        "No collection is called “world”. Collections: local (1), ukraine (5)."
    )
    assert desks.scope("all") is None and desks.scope(None) is None and desks.scope("") is None


def test_ingesting_a_stored_article_for_another_desk_files_it(desks: Engine) -> None:
    (again,) = desks.ingest_paths([SEEDS / "001_c61cae4f375ea2ee.txt"], collections="world")
    assert again.status is Status.DUPLICATE
    assert desks.collections() == {"local": 1, "ukraine": 5, "world": 1}
    world = desks.answer(QUESTION, collections=desks.scope("world"))
    assert {q.article.id for q in world.quotes} == {again.article_id}
    # Filing by id: new memberships counted, old ones not again.
    assert desks.collect([1, 2, 6], "world") == 2
    assert desks.collect([1, 2, 6], "world") == 0
    with pytest.raises(NotFoundError):
        desks.collect([2, 99], "world")
    assert desks.collections()["world"] == 3


def test_forgetting_an_article_takes_it_out_of_every_collection(desks: Engine) -> None:
    desks.collect([6], "world")
    desks.forget(6)
    assert desks.collections() == {"ukraine": 5}
    with pytest.raises(CollectionError):
        desks.scope("local")


def test_collections_survive_a_reindex(desks: Engine) -> None:
    desks.reindex()
    local = desks.search("countries", k=5, collections=desks.scope("local")).hits
    assert [h.article.id for h in local] == [6]


def test_an_index_from_before_collections_is_rebuilt_on_open(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Engine(db_path) as engine:
        list(engine.ingest_paths([SEEDS]))
    # The index as the previous newsbot made it: the same fields, no collections.
    old = tantivy.SchemaBuilder()
    for name in ("body", "title"):
        old.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in ("passage_id", "article_id"):
        old.add_unsigned_field(name, indexed=True, fast=True)
    path = index_path_for(db_path)
    for entry in path.iterdir():
        entry.unlink()
    tantivy.Index(old.build(), path=str(path), reuse=False)
    with caplog.at_level(logging.WARNING), Engine(db_path) as engine:
        assert engine.answer(QUESTION).quotes
        assert engine.collect([1], "ukraine") == 1
        assert engine.search("troops", collections=engine.scope("ukraine")).hits
    assert any("made by an older newsbot" in r.getMessage() for r in caplog.records)
