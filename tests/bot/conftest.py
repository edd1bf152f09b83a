"""Fixtures shared by the surfaces' tests: the fake platforms and a local web server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.discord.fake_discord import FakeDiscord
from tests.bot.slack.fake_slack import FakeSlack
from tests.corpora import BBC_ARCHIVE, bbc_library
from tests.index.web_fixture import WebFixture


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_discord() -> Iterator[FakeDiscord]:
    fake = FakeDiscord().start()
    yield fake
    fake.stop()


@pytest.fixture
def web() -> Iterator[WebFixture]:
    """Web pages for URL ingest, on 127.0.0.1."""
    server = WebFixture().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bbc_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The BBC News corpus ingested once per run (read-only for the tests that use it)."""
    db_path = bbc_library(tmp_path_factory.mktemp("bbc"))
    if db_path is None:
        pytest.skip(f"the BBC News corpus is not at {BBC_ARCHIVE}")
    return db_path
