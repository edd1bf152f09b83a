"""The question budget: per user and per channel, a sliding minute."""

from __future__ import annotations

import threading

import pytest

from newsbot.bot.chat.budget import Budget, QuestionBudget, over_budget_text
from tests.postgres import Cluster


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_user_past_the_budget_waits_until_the_oldest_question_leaves_the_minute() -> None:
    clock = Clock()
    budget = QuestionBudget(Budget(per_user=3, per_channel=100), clock)
    for second in range(3):
        clock.now = 1000.0 + second * 10
        assert budget.take("slack", "U1", "C1") == 0.0
    clock.now = 1025.0
    assert budget.take("slack", "U1", "C1") == pytest.approx(35.0)
    assert budget.take("slack", "U2", "C1") == 0.0  # another user is not held back
    assert budget.take("discord", "U1", "C1") == 0.0  # nor the same id on another surface
    clock.now = 1060.0  # the first question has left the window
    assert budget.take("slack", "U1", "C1") == 0.0


def test_a_channel_has_its_own_budget_and_refused_questions_are_not_counted() -> None:
    clock = Clock()
    budget = QuestionBudget(Budget(per_user=100, per_channel=2), clock)
    assert budget.take("slack", "U1", "C1") == 0.0
    assert budget.take("slack", "U2", "C1") == 0.0
    for _ in range(5):
        assert budget.take("slack", "U3", "C1") > 0  # refused, and not counted for U3
    assert budget.take("slack", "U3", "C2") == 0.0
    clock.now += 60
    assert budget.take("slack", "U3", "C1") == 0.0


def test_zero_turns_a_limit_off_and_negative_is_refused() -> None:
    budget = QuestionBudget(Budget(per_user=0, per_channel=0))
    assert all(budget.take("slack", "U1", "C1") == 0.0 for _ in range(500))
    with pytest.raises(ValueError, match="negative"):
        Budget(per_user=-1)


def test_threads_share_one_budget() -> None:
    budget = QuestionBudget(Budget(per_user=50, per_channel=0))
    admitted: list[float] = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(20):
            wait = budget.take("discord", "U1", None)
            with lock:
                admitted.append(wait)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for wait in admitted if wait == 0.0) == 50


def test_the_line_says_when_to_try_again() -> None:
    assert over_budget_text(34.2).endswith("Please try again in 35 seconds.")
    assert over_budget_text(0.2).endswith("Please try again in 1 second.")


def test_replicas_count_one_budget_in_postgresql(postgres_url: str) -> None:
    """Two replicas, each its own connection: the user's 21st question in the minute is
    refused wherever it arrives, and the wait is the same one the memory budget gives."""
    from newsbot.bot.chat.budget import SharedQuestionBudget
    from newsbot.bot.chat.state import ChatState
    from newsbot.index import open_connection

    ChatState(postgres_url).close()  # the chat state's tables, the budget's among them
    clock = Clock()
    replicas = [
        SharedQuestionBudget(open_connection(postgres_url), Budget(per_user=20), clock)
        for _ in range(2)
    ]
    memory = QuestionBudget(Budget(per_user=20), clock)
    try:
        for n in range(20):
            clock.now = 1000.0 + n
            assert replicas[n % 2].take("slack", "U1", "C1") == 0.0
            assert memory.take("slack", "U1", "C1") == 0.0
        clock.now = 1030.0
        assert replicas[0].take("slack", "U1", "C1") == pytest.approx(30.0)
        assert replicas[1].take("slack", "U1", "C1") == pytest.approx(30.0)
        assert memory.take("slack", "U1", "C1") == pytest.approx(30.0)
        assert replicas[1].take("slack", "U2", "C1") == 0.0  # another user
        clock.now = 1060.5  # the first question has left the minute
        assert replicas[1].take("slack", "U1", "C1") == 0.0
        assert replicas[0].take("slack", "U1", "C1") > 0  # and the second not yet
    finally:
        for budget in replicas:
            budget.close()


def test_replicas_taking_at_once_never_pass_the_budget(postgres_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from newsbot.bot.chat.budget import SharedQuestionBudget
    from newsbot.bot.chat.state import ChatState
    from newsbot.index import open_connection

    ChatState(postgres_url).close()
    replicas = [
        SharedQuestionBudget(open_connection(postgres_url), Budget(per_user=5)) for _ in range(4)
    ]
    barrier = threading.Barrier(4)

    def ask(budget: SharedQuestionBudget) -> list[float]:
        barrier.wait()
        return [budget.take("discord", "U9", None) for _ in range(5)]

    try:
        with ThreadPoolExecutor(4) as pool:
            waits = [w for ws in pool.map(ask, replicas) for w in ws]
        assert waits.count(0.0) == 5  # five answered, fifteen told to wait
        assert all(0 < w <= 60 for w in waits if w)
    finally:
        for budget in replicas:
            budget.close()


def test_with_postgresql_away_each_replica_counts_alone(
    postgres_cluster: Cluster, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from newsbot.bot.chat.budget import SharedQuestionBudget
    from newsbot.bot.chat.state import ChatState
    from newsbot.index import open_connection

    ChatState(postgres_url).close()
    clock = Clock()
    budget = SharedQuestionBudget(open_connection(postgres_url), Budget(per_user=3), clock)
    try:
        clock.now = 1000.0
        assert budget.take("slack", "U1", None) == 0.0  # counted in PostgreSQL
        postgres_cluster.pg_ctl("stop")
        try:
            # Questions are still answered, three a minute counted here alone.
            assert [budget.take("slack", "U1", None) for _ in range(4)] == [0.0] * 3 + [60.0]
        finally:
            postgres_cluster.pg_ctl("start")
        warnings = [r.getMessage() for r in caplog.records if "question budget" in r.getMessage()]
        assert len(warnings) == 1 and "this server counts alone" in warnings[0]
        # Back: counted in PostgreSQL again, where one question was counted.
        assert [budget.take("slack", "U1", None) for _ in range(3)] == [0.0, 0.0, 60.0]
    finally:
        budget.close()
