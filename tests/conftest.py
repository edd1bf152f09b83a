"""Shared fixtures. Every test gets a clean environment and its own data directory."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.index import Engine

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


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
def engine(db_path: Path) -> Iterator[Engine]:
    """An engine over the bundled seeds."""
    with seeded_engine(db_path) as e:
        yield e


@pytest.fixture
def empty_engine(db_path: Path) -> Iterator[Engine]:
    with Engine(db_path) as e:
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
