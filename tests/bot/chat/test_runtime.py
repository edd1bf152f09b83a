"""The runtime every surface in one process shares."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from newsbot.bot.chat.runtime import Asked, Question, Runtime
from tests.conftest import fill, seeded_engine
from tests.corpora import LIGHTHOUSE, die_after_the_sqlite_write


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
