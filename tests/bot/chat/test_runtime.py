"""The runtime every surface in one process shares."""

from __future__ import annotations

import time
from pathlib import Path

from newsbot.bot.chat.runtime import Runtime
from tests.conftest import seeded_engine
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
                found = [h.article.id for h in runtime._call(engine.search, "lighthouse").hits]
            assert found == [dead]
            assert runtime._call(engine.store.journal.pending) == []
        finally:
            runtime.close()
