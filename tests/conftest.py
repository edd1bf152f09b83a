"""Shared fixtures. Every test gets a clean environment and its own data directory."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsbot.index import Engine
from tests import postgres

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BACKENDS = ("sqlite", "postgresql")
# Read once, before any test's clean environment: .ci/run sets it (PostgreSQL tests
# must not skip there), a developer's shell may name a server (tests/postgres.py).
REQUIRE_POSTGRES = os.environ.get("NEWSBOT_REQUIRE_POSTGRES") == "1"
TEST_POSTGRES = os.environ.get("NEWSBOT_TEST_POSTGRES")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets EVERY_BACKEND = True runs each of its tests that opens a
    library (through the `database` fixture, or `engine` and `empty_engine`) once
    on SQLite and once on PostgreSQL."""
    if "database" in metafunc.fixturenames and getattr(metafunc.module, "EVERY_BACKEND", False):
        metafunc.parametrize("database", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def _postgres() -> Iterator[tuple[postgres.Server, postgres.Cluster | None]]:
    try:
        server, cluster = postgres.start_server(TEST_POSTGRES)
    except postgres.Unavailable as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"NEWSBOT_REQUIRE_POSTGRES=1, but PostgreSQL cannot start: {exc}")
        pytest.skip(f"these tests need PostgreSQL ({exc}); {postgres.INSTALL}")
    yield server, cluster
    if cluster is not None:
        cluster.stop()


@pytest.fixture
def postgres_server(_postgres: tuple[postgres.Server, postgres.Cluster | None]) -> postgres.Server:
    """A real PostgreSQL server for the session (tests/postgres.py)."""
    return _postgres[0]


@pytest.fixture
def postgres_cluster(
    _postgres: tuple[postgres.Server, postgres.Cluster | None],
) -> postgres.Cluster:
    """The session's throwaway cluster, for a test that stops and starts the server
    (a server named by NEWSBOT_TEST_POSTGRES is not this session's to stop)."""
    cluster = _postgres[1]
    if cluster is None:
        if REQUIRE_POSTGRES:
            pytest.fail(
                "stopping PostgreSQL needs the tests' own cluster, not NEWSBOT_TEST_POSTGRES"
            )
        pytest.skip("NEWSBOT_TEST_POSTGRES names a server these tests may not stop")
    return cluster


@pytest.fixture
def postgres_url(postgres_server: postgres.Server) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own."""
    with postgres_server.database() as url:
        yield url


@dataclass(frozen=True)
class Database:
    """Where a test's library lives: an SQLite file, or a PostgreSQL database and this
    replica's index folder. `open()` makes an engine over it, as a test asks."""

    backend: str
    location: Path | str
    index_dir: Path | None = None

    def open(self, **kwargs: Any) -> Engine:
        return Engine(self.location, index_dir=self.index_dir, **kwargs)

    def seeded(self, **kwargs: Any) -> Engine:
        """An engine over the bundled seeds, opened as the CLI opens it."""
        engine = self.open(**kwargs)
        engine.repair_index()
        engine.seed_if_empty(SEEDS)
        return engine


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """SQLite unless the module asks for every backend (EVERY_BACKEND)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        (tmp_path / "data").mkdir(exist_ok=True)
        return Database(backend, tmp_path / "data" / "newsbot.db")
    url = request.getfixturevalue("postgres_url")
    return Database(backend, url, tmp_path / "replica")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NEWSBOT_/SLACK_/DISCORD_ variable leaks in from the developer's shell or .env."""
    for name in list(os.environ):
        if name.startswith(("NEWSBOT_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsbot.db"


def seeded_engine(db_path: Path) -> Engine:
    """An engine over the bundled seeds, opened as the CLI opens it: repaired, then seeded."""
    engine = Engine(db_path)
    engine.repair_index()
    engine.seed_if_empty(SEEDS)
    return engine


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    """An engine over the bundled seeds."""
    with database.seeded() as e:
        yield e


@pytest.fixture
def empty_engine(database: Database) -> Iterator[Engine]:
    with database.open() as e:
        yield e


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: room for the seeds, not for much more."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0 or os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Fill a small filesystem to the last byte (what a full disk looks like to SQLite)."""
    with (disk / "filler").open("wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
