"""The engine's settings from the environment: read by entry points, and only there.

`newsbot` (the CLI, and `serve` through it) calls `engine_environment()` once;
the engine itself never reads an environment variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.bot.server.settings import Env
from newsbot.index import (
    AnswerSettings,
    ConfigError,
    Engine,
    FetchPolicy,
    IngestOutcome,
    WriterWait,
    bundled_seeds_dir,
    is_postgresql_url,
)


@dataclass(frozen=True)
class EngineEnvironment:
    """`db_path`: an SQLite file, or a postgresql:// URL whose replica keeps its index
    in `index_dir`."""

    db_path: Path | str
    seeds_dir: Path
    fetch_policy: FetchPolicy
    answer_settings: AnswerSettings = field(default_factory=AnswerSettings)
    index_dir: Path | None = None

    def open_engine(
        self,
        *,
        on_wait: Callable[[WriterWait], None] | None = None,
        to_reindex: bool = False,
        seed: bool = True,
    ) -> tuple[Engine, list[IngestOutcome]]:
        """The engine as every surface starts it: opened, index repaired, seeded if new.

        Returns the engine and the seeding outcomes (empty after the first run).
        `on_wait` is called when a write has to wait for another newsbot process.
        `to_reindex`: whatever state the index is in, open it for a rebuild (a damaged
        one moved aside, no repair first: the rebuild does it all). `seed`: whether a
        database that never held an article gets the bundled (or NEWSBOT_SEEDS) ones.
        """
        engine = Engine(
            self.db_path,
            index_dir=self.index_dir,
            settings=self.answer_settings,
            fetch_policy=self.fetch_policy,
            on_wait=on_wait,
            replace_damaged_index=to_reindex,
        )
        try:
            if not to_reindex:
                engine.repair_index()
            return engine, engine.seed_if_empty(self.seeds_dir) if seed else []
        except BaseException:
            engine.close()
            raise


def database_location(value: str) -> Path | str:
    """A `--db` or NEWSBOT_DB value: a postgresql:// URL as it is, else a file path."""
    return value if is_postgresql_url(value) else Path(value).expanduser()


def _data_home(read: Env) -> Path:
    return Path(read.text("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")) / "newsbot"


def default_db_path(read: Env) -> Path | str:
    """$NEWSBOT_DB, else $XDG_DATA_HOME/newsbot/newsbot.db (~/.local/share/...)."""
    configured = read.text("NEWSBOT_DB")
    if configured:
        return database_location(configured)
    return _data_home(read) / "newsbot.db"


def engine_environment(
    env: Mapping[str, str] | None = None, *, db_path: Path | str | None = None
) -> EngineEnvironment:
    """Where the database and seeds are, how URLs may be fetched, and how to answer.

    NEWSBOT_ALLOW_PRIVATE_URLS=1 lets URL ingest reach loopback and private
    addresses: intranet news, tests. Dangerous on a server. NEWSBOT_ENCODER=off
    answers without the cross-encoder (the lexical models alone).
    """
    read = Env.of(env)
    seeds = read.text("NEWSBOT_SEEDS")
    seeds_dir = Path(seeds).expanduser() if seeds else bundled_seeds_dir()
    if not seeds_dir.is_dir():
        raise ConfigError(
            f"NEWSBOT_SEEDS: {seeds_dir} is not a directory.", variable="NEWSBOT_SEEDS"
        )
    private = read.flag("NEWSBOT_ALLOW_PRIVATE_URLS")
    encoder = read.flag("NEWSBOT_ENCODER", default=True)
    # A PostgreSQL library's replica index: this machine's own (never shared storage).
    index_dir = read.text("NEWSBOT_INDEX_DIR")
    return EngineEnvironment(
        db_path=db_path or default_db_path(read),
        seeds_dir=seeds_dir,
        fetch_policy=FetchPolicy.allowing_private() if private else FetchPolicy(),
        answer_settings=AnswerSettings(encoder=encoder),
        index_dir=Path(index_dir).expanduser() if index_dir else _data_home(read) / "replicas",
    )
