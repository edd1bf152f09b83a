"""The quote ranker's training script, end to end on the tiny SQuAD-format sample, and
its conditional logit against a known answer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from newsbot.index.answer.ranking import ENCODER_FEATURES, FEATURES, QuoteRanker
from tests.training.conftest import FitTwice, Votes
from training.quote_ranker import conditional_logit, main, with_lead


def test_training_on_a_tiny_sample_writes_a_ranker_newsbot_loads(
    tmp_path: Path, squad_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ranker.json"
    assert main(["--squad", str(squad_sample), "--out", str(out), "--per-group", "40"]) == 0
    ranker = QuoteRanker.load(out)
    assert ranker.about["fitted_on"] == "tiny.json.gz"
    assert ranker.about["articles"] == 24
    assert ranker.about["questions"] > 0
    assert ranker.about["lead_added"] == 0.0  # no news set to choose it on
    assert any(c != 0.0 for c in ranker.coefficients)
    printed = capsys.readouterr().out
    assert "fitted ranker" in printed and "first-stage score" in printed


def test_with_the_encoder_the_ranker_reads_its_scores(tmp_path: Path, squad_sample: Path) -> None:
    out = tmp_path / "ranker.json"
    argv = ["--squad", str(squad_sample), "--out", str(out), "--per-group", "40", "--encoder"]
    assert main(argv) == 0
    ranker = QuoteRanker.load(out)
    assert ranker.features == ENCODER_FEATURES and ranker.uses_encoder
    assert ranker.about["script"] == "training/quote_ranker.py --encoder --per-group 40"
    assert 0 < ranker.about["articles"] < 24  # the half the encoder never saw
    assert ranker.means[ENCODER_FEATURES.index("relevance")] > 0


def test_the_same_sample_gives_the_same_ranker(fit_twice: FitTwice) -> None:
    written = fit_twice(main, "40")
    assert written[0] == written[1]
    assert written[0]["features"] == list(FEATURES)


def test_conditional_logit_recovers_known_weights() -> None:
    """Questions of 8 candidates; the right one drawn from softmax(1.5 a - 2 b)."""
    rng = np.random.default_rng(0)
    questions, size = 5000, 8
    x = rng.normal(size=(questions * size, 2))
    utility = (1.5 * x[:, 0] - 2.0 * x[:, 1]).reshape(questions, size)
    p = np.exp(utility) / np.exp(utility).sum(axis=1, keepdims=True)
    right = np.array([rng.choice(size, p=row) for row in p])
    y = np.zeros(questions * size)
    y[np.arange(questions) * size + right] = 1.0
    owner = np.repeat(np.arange(questions), size)
    w = conditional_logit(x, y, owner, l2=1e-6)
    assert w == pytest.approx([1.5, -2.0], abs=0.1)


def test_with_lead_raises_only_the_lead_coefficient() -> None:
    base = QuoteRanker.first_stage()
    raised = with_lead(base, 0.3)
    at = FEATURES.index("lead")
    assert raised.coefficients[at] == pytest.approx(base.coefficients[at] + 0.3)
    others = [c for i, c in enumerate(raised.coefficients) if i != at]
    assert others == [c for i, c in enumerate(base.coefficients) if i != at]


def test_feedback_pools_join_the_fit_and_are_measured_held_apart(
    tmp_path: Path, squad_sample: Path, votes_export: Votes
) -> None:
    votes, db, count = votes_export
    out = tmp_path / "ranker.json"
    argv = ["--squad", str(squad_sample), "--out", str(out), "--per-group", "20"]
    assert main([*argv, "--feedback", str(votes), "--feedback-db", str(db)]) == 0
    about = json.loads(out.read_text())["about"]["feedback"]
    assert about["votes"] == count
    assert about["used"] + about["held_apart"] + about["not_in_pool"] == count
    assert about["used"] > 0
    fits = about["held_apart_fit"]
    assert set(fits) == {"👍 voted quote first", "👎 voted quote first (lower is better)"}
    assert (
        fits["👍 voted quote first"]["votes"]
        + fits["👎 voted quote first (lower is better)"]["votes"]
        == about["held_apart"]
    )
