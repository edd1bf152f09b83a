"""The writer's heartbeat: who holds the writer lock, and whether it still runs."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from newsbot.index.store.heartbeat import BEAT_S, FILE_NAME, Heartbeat, WriterWait, read_holder


def test_a_heartbeat_names_its_process_and_beats_until_stopped(tmp_path: Path) -> None:
    beat = Heartbeat(tmp_path, every=0.05)
    beat.start("ingesting")
    try:
        holder = read_holder(tmp_path)
        assert holder is not None
        assert (holder.pid, holder.host, holder.doing) == (
            os.getpid(),
            socket.gethostname(),
            "ingesting",
        )
        assert holder.describe() == f"newsbot process {os.getpid()} (ingesting)"
        first = holder.beat
        time.sleep(0.3)
        again = read_holder(tmp_path)
        assert again is not None and again.beat > first and again.since == holder.since
        assert WriterWait.seen(0.2, tmp_path).alive
    finally:
        beat.stop()
    assert not (tmp_path / FILE_NAME).exists() and read_holder(tmp_path) is None
    beat.stop()  # stopping twice is harmless


def test_a_stale_or_foreign_beat_is_not_alive(tmp_path: Path) -> None:
    record = {"pid": 4242, "host": "elsewhere", "doing": "rebuilding the index", "since": 1.0}
    path = tmp_path / FILE_NAME
    path.write_text(json.dumps(record))
    old = time.time() - 10 * BEAT_S
    os.utime(path, (old, old))
    wait = WriterWait.seen(5.0, tmp_path)
    assert wait.holder is not None and not wait.alive
    assert wait.describe() == "newsbot process 4242 on elsewhere (rebuilding the index)"


@pytest.mark.parametrize("content", ["", "{", "[]", '{"pid": "x"}', '{"pid": 1}'])
def test_an_unreadable_beat_names_nobody(tmp_path: Path, content: str) -> None:
    (tmp_path / FILE_NAME).write_text(content)
    assert read_holder(tmp_path) is None
    wait = WriterWait.seen(1.0, tmp_path)
    assert not wait.alive and wait.describe() == "another newsbot process"


def test_a_heartbeat_that_cannot_be_written_is_logged_and_writing_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    beat = Heartbeat(tmp_path / "missing-folder")
    beat.start("ingesting")
    assert not beat.beating
    assert "cannot write the writer's heartbeat" in caplog.text
    beat.stop()


def test_the_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="every"):
        Heartbeat(tmp_path, every=0)
