"""`newsbot migrate`: an SQLite library, its gaps, votes and chat state, into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.bot.chat.channels import AnswerMode
from newsbot.bot.chat.state import COPIED, ChatState
from newsbot.bot.cli import cli
from newsbot.index import Engine, StoreError, migrate_library
from newsbot.index.models import ArticleDraft
from newsbot.index.store.postgres import PostgresConnection
from tests.conftest import seeded_engine

TROOPS = "How many countries pledged to send troops?"


@pytest.fixture
def library(db_path: Path) -> Path:
    """A library that has lived a little: collections, a forgotten article, a gap, a
    vote, a channel's settings."""
    with seeded_engine(db_path) as engine:
        engine.collect([1, 2], "ukraine")
        engine.forget(5)  # the newest: its id must never be handed out again
        engine.note_unanswered(engine.answer("Who won the cup final?"), surface="slack")
        shown = engine.keep_answer(engine.answer(TROOPS), surface="slack", channel="C1")
        engine.vote(shown, "U1", up=True)
    state = ChatState(db_path)
    state.set_channel("slack", "C1", by="UADMIN", scope="ukraine", mode=AnswerMode.QUESTIONS)
    state.remember_thread("C1", "1700000000.000100", TROOPS)
    state.close()
    return db_path


def test_everything_is_copied_with_its_ids_and_answers_the_same(
    library: Path, postgres_url: str, tmp_path: Path
) -> None:
    result = migrate_library(library, postgres_url, also=[COPIED])
    assert result.copied["articles"] == result.present["articles"] == 4
    assert result.copied["votes"] == 1 and result.copied["unanswered"] == 1
    assert result.copied["channel_settings"] == 1 and result.copied["slack_threads"] == 1
    assert result.skipped == ()
    with Engine(library) as before, Engine(postgres_url, index_dir=tmp_path / "r") as after:
        assert [a.id for a in after.sources()] == [a.id for a in before.sources()] == [1, 2, 3, 4]
        assert after.collections() == before.collections() == {"ukraine": 2}
        quotes = [(q.article.id, q.start, q.end) for q in after.answer(TROOPS).quotes]
        assert quotes == [(q.article.id, q.start, q.end) for q in before.answer(TROOPS).quotes]
        assert [g.question for g in after.gaps()] == ["Who won the cup final?"]
        assert [(f.user, f.vote) for f in after.feedback()] == [("U1", 1)]
        # Ids go on past the highest SQLite handed out (#5, forgotten there).
        story = "Harbour news\n\nThe harbour master said the ferry will sail again on Monday."
        added = after.ingest(ArticleDraft(text=story, origin="harbour.txt"))
        assert added.article_id == 6
    state = ChatState(postgres_url)
    assert state.channel("slack", "C1").scope == "ukraine"
    assert state.thread_question("C1", "1700000000.000100") == TROOPS
    state.close()


def test_running_it_twice_copies_nothing_the_second_time(library: Path, postgres_url: str) -> None:
    migrate_library(library, postgres_url, also=[COPIED])
    again = migrate_library(library, postgres_url, also=[COPIED])
    assert again.total_copied == 0
    assert again.present["articles"] == 4
    sql = PostgresConnection(postgres_url)
    assert sql.scalar("SELECT count(*) FROM articles") == 4
    assert sql.scalar("SELECT count(*) FROM change_log") == 4  # each article logged once
    sql.close()


def test_a_database_holding_another_library_is_refused_untouched(
    library: Path, postgres_url: str, tmp_path: Path
) -> None:
    story = "Harbour news\n\nThe harbour master said the ferry will sail again on Monday."
    with Engine(postgres_url, index_dir=tmp_path / "r") as other:
        assert other.ingest(ArticleDraft(text=story, origin="x")).article_id == 1
    with pytest.raises(StoreError, match="already holds a different article #1"):
        migrate_library(library, postgres_url, also=[COPIED])
    sql = PostgresConnection(postgres_url)
    assert sql.scalar("SELECT count(*) FROM articles") == 1
    sql.close()


def test_the_command_line_says_what_it_copied(library: Path, postgres_url: str) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", str(library), "migrate", postgres_url])
    assert done.exit_code == 0, done.output
    assert "  articles: 4 copied of 4\n" in done.output
    assert "counts checked" in done.output
    again = runner.invoke(cli, ["--db", str(library), "migrate", postgres_url])
    assert "  articles: 0 copied of 4, 4 there already\n" in again.output
    assert "nothing to copy: everything was there already" in again.output


def test_the_command_line_refuses_what_is_not_a_postgresql_url(library: Path) -> None:
    done = CliRunner().invoke(cli, ["--db", str(library), "migrate", "other.db"])
    assert done.exit_code == 2
    assert "postgresql://user:password@host/db" in done.output
