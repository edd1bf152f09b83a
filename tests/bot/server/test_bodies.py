"""The budget that bodies still arriving share (end to end in test_http.py)."""

from __future__ import annotations

import threading

import pytest

from newsbot.bot.server.bodies import BodyBudget


def test_bytes_are_held_up_to_the_limit_and_given_back() -> None:
    budget = BodyBudget(100)
    assert budget.take(60) and budget.take(40)
    assert not budget.take(1)  # the 101st byte
    assert (budget.held, budget.closed) == (100, 1)
    budget.give(40)
    assert budget.take(40) and budget.held == 100


def test_threads_never_hold_more_than_the_limit() -> None:
    budget = BodyBudget(1000)
    taken: list[bool] = []

    def take() -> None:
        for _ in range(100):
            taken.append(budget.take(7))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.held == 7 * taken.count(True) <= 1000
    assert taken.count(True) == 1000 // 7 and budget.closed == 800 - 1000 // 7


def test_a_budget_must_hold_something() -> None:
    with pytest.raises(ValueError):
        BodyBudget(0)
