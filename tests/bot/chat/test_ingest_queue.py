"""The bounded queue that /ingest and shared files run on."""

from __future__ import annotations

import threading

import pytest

from newsbot.bot.chat.ingest_queue import IngestQueue


def test_bounds_in_all_and_per_user_and_errors_reach_the_user() -> None:
    queue = IngestQueue(workers=1, max_waiting=3, per_user=2)
    release = threading.Event()
    errors: list[Exception] = []

    def blocked() -> None:
        release.wait(10)

    assert queue.submit("U1", blocked, errors.append)
    assert queue.submit("U1", blocked, errors.append)
    assert not queue.submit("U1", blocked, errors.append)  # U1 has 2 waiting
    assert queue.submit("U2", blocked, errors.append)
    assert not queue.submit("U3", blocked, errors.append)  # 3 waiting in all
    release.set()
    assert queue.wait_idle(timeout=10)

    def broken() -> None:
        raise RuntimeError("disk on fire")

    assert queue.submit("U3", broken, errors.append)  # room again once the jobs ended
    assert queue.wait_idle(timeout=10)
    assert [str(e) for e in errors] == ["disk on fire"]
    queue.shutdown()


def test_bounds_are_validated() -> None:
    with pytest.raises(ValueError):
        IngestQueue(workers=0)
