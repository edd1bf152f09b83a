"""The labelled fact pairs and their evaluation (the seed pairs need no shared data)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.facts import PAIRS, evaluate, main, precision, verdict


def test_the_labelled_pairs_cover_every_kind() -> None:
    pairs = json.loads(PAIRS.read_text("utf-8"))["pairs"]
    labels = [p["label"] for p in pairs]
    assert len(pairs) >= 40
    assert {labels.count(k) >= 8 for k in ("same", "different", "differ")} == {True}


def test_the_seed_pairs(tmp_path: Path) -> None:
    """24 pairs from the seeds: no false corroboration, and none called differing
    (the seeds agree on their numbers)."""
    counts, _ = evaluate(PAIRS, tmp_path / "no-shared-data")
    assert sum(counts.values()) == 24
    right, called = precision(counts, "same")
    assert right == called >= 10
    assert precision(counts, "differ") == (0, 0)


def test_a_verdict_per_kind() -> None:
    assert (
        verdict("26 countries pledged troops.", "At least seven countries offered to host talks.")
        == "different"
    )
    assert (
        verdict(
            "Two people were killed in the ferry fire at the harbour on Monday.",
            "Three people were killed in the ferry fire at the harbour on Monday.",
        )
        == "differ"
    )
    assert (
        verdict(
            "Two people were killed in the ferry fire at the harbour on Monday.",
            "Two people were killed in the ferry fire at the harbour, police said on Monday.",
        )
        == "same"
    )


def test_the_command(tmp_path: Path, capsys: object) -> None:
    assert main(["--data", str(tmp_path)]) == 0
