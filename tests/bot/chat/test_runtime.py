"""The runtime every surface in one process shares."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from newsbot.bot.chat.runtime import Asked, Question, Runtime
from newsbot.index import Engine, IngestLimits, Status
from newsbot.index.ingest import ingester
from tests.conftest import fill, seeded_engine
from tests.corpora import LIGHTHOUSE, die_after_the_sqlite_write
from tests.index.web_fixture import LOCAL_ONLY, WebFixture


def test_a_running_server_finds_what_a_dead_writer_left_without_writing_itself(
    db_path: Path,
) -> None:
    with seeded_engine(db_path) as engine:
        runtime = Runtime.open(engine)
        try:
            dead = die_after_the_sqlite_write(db_path, LIGHTHOUSE)
            runtime.start_upkeep(every=0.2)
            deadline = time.monotonic() + 20
            found: list[int] = []
            while time.monotonic() < deadline and not found:
                time.sleep(0.1)
                found = [h.article.id for h in engine.search("lighthouse").hits]
            assert found == [dead]
            assert engine.store.journal.pending() == []
        finally:
            runtime.close()


QUESTION = "How many countries pledged to send troops?"


def test_on_a_full_disk_chat_answers_and_warns_once_a_kind(
    small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Claims, kept answers, topics and gaps are writes answering does not need: on a
    full disk each is skipped with one warning line, however many questions come."""
    with seeded_engine(small_disk / "n.db") as engine:
        runtime = Runtime.open(engine)
        try:
            assert runtime.claim("event:before")  # the connections are open, as in serve
            fill(small_disk)
            with caplog.at_level(logging.WARNING, logger="newsbot"):
                assert runtime.claim("event:Ev1")  # not written, answered all the same
                for n in range(3):
                    where = ("C1", f"{n}.0")
                    asked = runtime.ask(
                        Question("slack", QUESTION, user="U1", channel="C1", conversation=where)
                    )
                    assert isinstance(asked, Asked) and asked.answer.quotes
                    assert asked.answer_id is None  # no buttons: the vote could not be kept
                    gap = runtime.ask(Question("slack", "Who won the Nobel Peace Prize?"))
                    assert isinstance(gap, Asked) and gap.answer.abstained
                runtime.finish("event:Ev1")
            warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            kinds = [w.split(" (")[0] for w in warnings]
            assert sorted(kinds) == [
                "could not keep answers for votes",
                "could not keep conversation topics",
                "could not keep event claims",
                "could not keep unanswered questions",
            ]
            assert all("full" in w for w in warnings)
        finally:
            runtime.close()


def test_chat_ingest_takes_the_engines_path_read_in_a_child(
    db_path: Path, web: WebFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page, its copy under another URL, a feed (one page at a time from chat) and
    bytes: each through Engine.ingest_urls / ingest_bytes, read in a child process."""
    read_in_children: list[str] = []
    real = ingester.prepare_isolated

    def spied(item: object, *, limits: IngestLimits) -> object:
        read_in_children.append(type(item).__name__)
        return real(item, limits=limits)  # type: ignore[arg-type]

    monkeypatch.setattr(ingester, "prepare_isolated", spied)
    seeded_engine(db_path).close()
    with Engine(db_path, fetch_policy=LOCAL_ONLY) as engine:
        runtime = Runtime.open(engine)
        try:
            added = runtime.ingest_url(f"{web.base}/article/ferry", collections=("local",))
            assert added.status is Status.ADDED and added.article_id == 6
            again = runtime.ingest_url(f"{web.base}/article/ferry-copy")
            assert again.status is Status.DUPLICATE and again.article_id == 6
            feed = runtime.ingest_url(f"{web.base}/feed.rss")
            assert feed.status is Status.FAILED and "application/rss+xml" in (feed.reason or "")
            pasted = runtime.ingest_bytes(LIGHTHOUSE.encode(), "pasted text")
            assert pasted.status is Status.ADDED and pasted.article_id == 7
        finally:
            runtime.close()
        assert engine.collections() == {"local": 1}
    # The feed was refused when fetched: its error passes through, read by no child.
    assert read_in_children == ["FetchedPage", "FetchedPage", "UnsupportedInputError", "RawFile"]
