import threading

import pytest

from newsbot.bot.chat.work_pool import WorkPool


def test_wait_idle_waits_for_submitted_work() -> None:
    pool = WorkPool(1, "test")
    release = threading.Event()
    done: list[int] = []
    pool.submit(lambda: (release.wait(5), done.append(1)))
    assert not pool.wait_idle(timeout=0.05)
    release.set()
    assert pool.wait_idle(timeout=5)
    assert done == [1]
    pool.shutdown()


def test_held_work_counts_as_running_before_it_is_submitted() -> None:
    # An HTTP reply's later work is held before the response is sent and run after:
    # a caller who saw the response must not find the pool idle in between.
    pool = WorkPool(1, "test")
    held = pool.hold()
    assert not pool.wait_idle(timeout=0.05)
    done: list[str] = []
    held.run(lambda: done.append("ran"))
    assert pool.wait_idle(timeout=5)
    assert done == ["ran"]
    with pytest.raises(RuntimeError, match="already used"):
        held.run(lambda: done.append("twice"))
    pool.shutdown()


def test_dropped_work_frees_its_place() -> None:
    pool = WorkPool(1, "test")
    held = pool.hold()
    held.drop()
    held.drop()  # a second drop does not count the pool below zero
    assert pool.wait_idle(timeout=0.05)
    pool.submit(lambda: None)
    assert pool.wait_idle(timeout=5)
    pool.shutdown()


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkPool(0, "test")
