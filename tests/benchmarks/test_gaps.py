"""The gaps benchmark stays runnable, on a few hundred generated questions."""

from __future__ import annotations

from benchmarks import gaps


def test_a_small_run_measures_every_column() -> None:
    result = gaps.measure(300)
    assert result["questions"] == 300
    assert 0 < result["record_p50_ms"] <= result["record_p95_ms"]
    assert result["gaps_15_ms"] > 0 and result["newsbot_gaps_s"] > 0
