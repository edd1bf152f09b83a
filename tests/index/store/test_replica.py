"""Replicas of one PostgreSQL library: each its own index, kept in step by the change log."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsbot.index import Engine, Status, StoreError
from newsbot.index.models import ArticleDraft
from newsbot.index.store.postgres import PostgresConnection, redacted
from newsbot.index.store.read_copy import FILE as READ_COPY
from newsbot.index.store.replica import APPLIED_FILE
from tests.conftest import SEEDS
from tests.postgres import Cluster

ZEBRA = ArticleDraft(
    text="Zebra crossings to turn purple\n\nThe mayor of Springfield said on Monday that "
    "every zebra crossing in the city will be painted purple next spring.",
    origin="zebra.txt",
    outlet="Springfield Gazette",
)
QUESTION = "What colour will the zebra crossings be painted?"
LIBRARY = ArticleDraft(
    text="Library hours extended\n\nThe city library will stay open until nine every "
    "weekday from March, the council said on Tuesday.",
    origin="library.txt",
)


def _quotes(engine: Engine, question: str = QUESTION) -> list[str]:
    return [quote.text for quote in engine.answer(question).quotes]


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two replicas of one seeded library, each with its own index folder."""
    a = Engine(postgres_url, index_dir=tmp_path / "a")
    a.seed_if_empty(SEEDS)
    b = Engine(postgres_url, index_dir=tmp_path / "b")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_a_new_replica_builds_its_index_from_the_database(replicas: tuple[Engine, Engine]) -> None:
    a, b = replicas
    assert b.retriever.num_docs == a.retriever.num_docs == b.store.count_passages() > 0
    question = "How many countries pledged to send troops?"
    assert _quotes(b, question) == _quotes(a, question)
    assert "26" in _quotes(b, question)[0] or any("26" in q for q in _quotes(b, question))


def test_an_article_ingested_on_one_replica_is_quoted_by_a_following_one(
    replicas: tuple[Engine, Engine],
) -> None:
    a, b = replicas
    stop = threading.Event()
    follower = threading.Thread(target=b.follow_changes, args=(stop,), kwargs={"poll": 30})
    follower.start()
    try:
        assert not any("purple" in q for q in _quotes(b))
        started = time.monotonic()
        assert a.ingest(ZEBRA).status is Status.ADDED
        while not any("purple" in q for q in _quotes(b)):
            # Woken by NOTIFY: the 30 s poll never comes into it.
            assert time.monotonic() - started < 2, "replica B did not see the article in 2 s"
            time.sleep(0.01)
        assert b.replica_lag().rows == 0
    finally:
        stop.set()
        follower.join(timeout=10)
    assert not follower.is_alive()


def test_a_replica_that_was_down_catches_up_where_it_stopped(
    postgres_url: str, tmp_path: Path
) -> None:
    with Engine(postgres_url, index_dir=tmp_path / "a") as a:
        a.seed_if_empty(SEEDS)
        with Engine(postgres_url, index_dir=tmp_path / "b") as b:
            seen = json.loads(next((tmp_path / "b").glob(f"*/{APPLIED_FILE}")).read_text())
        added = a.ingest(ZEBRA)
        forgotten = a.forget(1)
    with Engine(postgres_url, index_dir=tmp_path / "b") as b:
        now = json.loads(next((tmp_path / "b").glob(f"*/{APPLIED_FILE}")).read_text())
        assert now["seq"] > seen["seq"]  # it applied the rows after its place
        assert any("purple" in q for q in _quotes(b))
        assert forgotten.id not in {hit.article.id for hit in b.search("Putin troops").hits}
        assert b.retriever.num_docs == b.store.count_passages()
        assert added.article_id in {article.id for article in b.sources()}


def test_lag_counts_the_rows_a_replica_has_not_applied(replicas: tuple[Engine, Engine]) -> None:
    a, b = replicas
    assert b.replica_lag().rows == 0
    a.ingest(ZEBRA)
    lag = b.replica_lag()
    assert lag.rows == 1 and 0 <= lag.seconds < 60
    b.repair_index()
    assert b.replica_lag().rows == 0
    assert any("purple" in q for q in _quotes(b))


def test_the_same_page_ingested_on_two_replicas_at_once_is_stored_once(
    postgres_url: str, tmp_path: Path
) -> None:
    engines = [Engine(postgres_url, index_dir=tmp_path / str(n)) for n in range(4)]
    try:
        barrier = threading.Barrier(len(engines))

        def ingest(engine: Engine) -> Status:
            barrier.wait()
            return engine.ingest(ZEBRA).status

        with ThreadPoolExecutor(len(engines)) as pool:
            statuses = list(pool.map(ingest, engines))
        assert sorted(statuses) == sorted([Status.ADDED] + [Status.DUPLICATE] * 3)
        assert engines[0].store.count_articles() == 1
        for engine in engines:
            engine.repair_index()
            assert any("purple" in q for q in _quotes(engine))
    finally:
        for engine in engines:
            engine.close()


def test_near_duplicates_from_two_replicas_at_once_are_stored_once(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two versions of one wire story (a sentence changed): one is kept, the other is
    a near-duplicate of it, whichever replica stores first."""
    sentences = [
        f"Sentence {n} of the wire story says the council met and voted on item {n}."
        for n in range(40)
    ]
    changed = [*sentences[:-1], "A late addition says the vote was close."]
    drafts = [
        ArticleDraft(text="Council votes\n\n" + " ".join(sentences), origin="first"),
        ArticleDraft(text="Council votes\n\n" + " ".join(changed), origin="second"),
    ]
    engines = [Engine(postgres_url, index_dir=tmp_path / str(n)) for n in range(2)]
    try:
        barrier = threading.Barrier(2)

        def ingest(pair: tuple[Engine, ArticleDraft]) -> Status:
            barrier.wait()
            return pair[0].ingest(pair[1]).status

        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(ingest, zip(engines, drafts, strict=True)))
        assert sorted(statuses) == sorted([Status.ADDED, Status.NEAR_DUPLICATE])
        assert engines[0].store.count_articles() == 1
    finally:
        for engine in engines:
            engine.close()


def test_reindex_rebuilds_a_replica_from_the_database(replicas: tuple[Engine, Engine]) -> None:
    _, b = replicas
    passages = b.store.count_passages()
    b.retriever.acquire_writer(wait=0)
    b.retriever.delete_all()
    b.retriever.commit()
    assert b.retriever.num_docs == 0
    assert b.reindex() == passages
    assert b.retriever.num_docs == passages


def test_an_index_that_disagrees_at_the_same_place_is_rebuilt(
    replicas: tuple[Engine, Engine],
) -> None:
    _, b = replicas
    b.retriever.acquire_writer(wait=0)
    b.retriever.delete_article(1)
    b.retriever.commit()
    assert b.retriever.num_docs < b.store.count_passages()
    assert b.repair_index() == 1
    assert b.retriever.num_docs == b.store.count_passages()


def test_a_removed_place_note_rebuilds_the_index(postgres_url: str, tmp_path: Path) -> None:
    with Engine(postgres_url, index_dir=tmp_path / "a") as a:
        a.seed_if_empty(SEEDS)
        passages = a.store.count_passages()
    (note,) = (tmp_path / "a").glob(f"*/{APPLIED_FILE}")
    note.write_text("{not json", encoding="utf-8")
    with Engine(postgres_url, index_dir=tmp_path / "a") as a:
        assert a.retriever.num_docs == passages
        assert json.loads(note.read_text())["seq"] == a.store.journal.last()


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    from tests.postgres import _free_port

    url = f"postgresql://newsbot:s3cret@127.0.0.1:{_free_port()}/newsbot"
    with pytest.raises(StoreError) as refused:
        Engine(url, index_dir=tmp_path / "i")
    message = str(refused.value)
    assert "s3cret" not in message and "newsbot:***@127.0.0.1" in message
    assert "cannot be reached; check that PostgreSQL is running" in message
    assert "\n" not in message
    assert refused.value.path == redacted(url)


def test_a_database_from_a_newer_newsbot_is_refused(postgres_url: str, tmp_path: Path) -> None:
    Engine(postgres_url, index_dir=tmp_path / "a").close()
    sql = PostgresConnection(postgres_url)
    sql.execute(
        "INSERT INTO newsbot_migrations (migration_set, name) VALUES ('newsbot', '099_future')"
    )
    sql.close()
    with pytest.raises(StoreError, match=r"099_future.*from a newer newsbot"):
        Engine(postgres_url, index_dir=tmp_path / "a")


def test_replicas_opening_a_new_database_together_migrate_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    barrier = threading.Barrier(4)

    def open_one(n: int) -> int:
        barrier.wait()
        with Engine(postgres_url, index_dir=tmp_path / str(n)) as engine:
            return engine.store.count_articles()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(open_one, range(4))) == [0, 0, 0, 0]
    sql = PostgresConnection(postgres_url)
    assert sql.scalar("SELECT count(*) FROM newsbot_migrations") == 1
    sql.close()


def test_a_postgresql_library_needs_an_index_folder(postgres_url: str) -> None:
    with pytest.raises(ValueError, match="index_dir"):
        Engine(postgres_url)


def test_catching_up_lets_merges_finish(postgres_url: str, tmp_path: Path) -> None:
    """Each write turn commits the index: the merges those commits start must finish, or
    every catch-up leaves a segment behind (at 100k passages the index grew eightfold,
    and each commit took 60 ms more)."""
    with Engine(postgres_url, index_dir=tmp_path / "a") as engine:
        for n in range(40):
            story = f"Harbour note {n}\n\nThe harbour master logged vessel number {n} today."
            assert engine.ingest(ArticleDraft(text=story, origin=f"n{n}")).status is Status.ADDED
        meta = json.loads((engine.retriever.path / "meta.json").read_text())
        assert engine.retriever.num_docs == 40
        assert len(meta["segments"]) < 20, len(meta["segments"])


def test_answers_go_on_from_the_read_copy_while_postgresql_is_away(
    postgres_cluster: Cluster, postgres_url: str, tmp_path: Path
) -> None:
    with Engine(postgres_url, index_dir=tmp_path / "a") as engine:
        engine.seed_if_empty(SEEDS)
        assert engine.ingest(ZEBRA).status is Status.ADDED
        before = engine.answer(QUESTION)
        postgres_cluster.pg_ctl("stop")
        try:
            away = engine.answer(QUESTION)
            assert away == before and "purple" in away.quotes[0].text
            assert away.quotes[0].article.outlet == "Springfield Gazette"
            hits = engine.search("zebra crossing purple")
            assert hits.hits[0].article.headline == "Zebra crossings to turn purple"
            assert engine.count_articles() == 6
            assert [a.headline for a in engine.sources("zebra")] == [ZEBRA.text.split("\n")[0]]
            # What needs the database says so in one line.
            with pytest.raises(StoreError) as refused:
                engine.ingest(LIBRARY)
            assert "cannot be reached" in str(refused.value) and "\n" not in str(refused.value)
        finally:
            postgres_cluster.pg_ctl("start")
        story = ArticleDraft(
            text="Back again\n\nThe ferry to Ogdenville sails at noon.", origin="f"
        )
        assert engine.ingest(story).status is Status.ADDED
        assert "noon" in _quotes(engine, "When does the ferry to Ogdenville sail?")[0]


def test_the_read_copy_holds_what_the_database_holds(replicas: tuple[Engine, Engine]) -> None:
    a, b = replicas
    assert a.ingest(ZEBRA, collections=("local",)).status is Status.ADDED
    b.library.catch_up()
    assert b.library.reads.count_passages() == b.store.count_passages()
    assert b.collections() == a.store.collection_counts() == {"local": 1}
    a.forget(6)
    b.library.catch_up()
    assert b.count_articles() == a.store.count_articles() == 5
    assert b.collections() == {}
    assert not any("purple" in q for q in _quotes(b))


def test_a_read_copy_out_of_step_is_rebuilt(replicas: tuple[Engine, Engine]) -> None:
    _, b = replicas
    passages = b.store.count_passages()
    b.library.reads.sql.execute("DELETE FROM passages WHERE article_id = 1")
    assert b.library.reads.count_passages() < passages
    assert b.repair_index() == 1
    assert b.library.reads.count_passages() == passages == b.retriever.num_docs


def test_a_replica_without_a_read_copy_builds_one(postgres_url: str, tmp_path: Path) -> None:
    # An index folder from before the read copy: its index is rebuilt with a new copy.
    with Engine(postgres_url, index_dir=tmp_path / "a") as a:
        a.seed_if_empty(SEEDS)
        passages = a.store.count_passages()
    (copy,) = (tmp_path / "a").glob(f"*/{READ_COPY}")
    copy.unlink()
    with Engine(postgres_url, index_dir=tmp_path / "a") as a:
        assert a.library.reads.count_passages() == passages == a.retriever.num_docs
        assert _quotes(a, "How many countries pledged to send troops?")
