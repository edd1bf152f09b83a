"""Fixtures shared by the engine's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.index.web_fixture import WebFixture


@pytest.fixture(scope="module")
def web() -> Iterator[WebFixture]:
    """The local web server that fetch and bulk-ingest tests read from."""
    server = WebFixture().start()
    yield server
    server.stop()
