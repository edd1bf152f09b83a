"""The training script, end to end on a tiny SQuAD-format sample written here, and
its logistic regression against a known answer."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from benchmarks.qa_sets import squad_file
from newsbot.index import Engine
from newsbot.index.answer.answerability import ENCODER_FEATURES, FEATURES, AnswerabilityModel
from tests.training.conftest import FitTwice, Votes
from training.answerability import (
    SEED,
    groups,
    lexical_half,
    logistic_regression,
    main,
    split_articles,
)


def test_training_on_a_tiny_sample_writes_a_model_newsbot_loads(
    tmp_path: Path, squad_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.json"
    assert main(["--squad", str(squad_sample), "--out", str(out), "--per-group", "20"]) == 0
    model = AnswerabilityModel.load(out)
    about = model.about
    assert about["fitted_on"] == "tiny.json.gz"
    assert about["articles"] == {"fitting": 24, "calibration": 6}
    assert about["questions"]["calibration"] > 0
    assert set(about["thresholds"]) == {"abstain_below", "medium_confidence", "high_confidence"}
    assert all(0.0 <= v <= 1.0 for v in about["thresholds"].values())
    printed = capsys.readouterr().out
    assert "false abstentions" in printed and "absent abstained" in printed
    # The file is used: an engine over five of the sample's articles, with this
    # model, finds its own questions more answerable than one about an absent town.
    with Engine(tmp_path / "check.db", model=model) as engine:
        articles = squad_file(squad_sample)
        list(engine.ingest_many(a.draft("squad") for a in articles[:5]))
        present = engine.answer_with_features(articles[0].questions[0].text)[0]
        absent = engine.answer_with_features(articles[20].questions[0].text)[0]
    assert present.answerable > absent.answerable


def test_with_the_encoder_the_model_reads_its_scores_and_fits_on_what_it_never_saw(
    tmp_path: Path, squad_sample: Path
) -> None:
    """--encoder: the encoder system's model, on the fitting part's half the encoder was
    not fine-tuned on; its regressions weigh the encoder's probabilities too."""
    out = tmp_path / "model.json"
    argv = ["--squad", str(squad_sample), "--out", str(out), "--per-group", "20", "--encoder"]
    assert main(argv) == 0
    model = AnswerabilityModel.load(out)
    assert model.features == ENCODER_FEATURES and model.uses_encoder
    assert model.about["script"] == "training/answerability.py --encoder --per-group 20"
    fitting = split_articles(squad_file(squad_sample), random.Random(SEED))[1]
    assert model.about["articles"]["fitting"] == len(lexical_half(fitting)) < 24
    at = ENCODER_FEATURES.index("relevance_first")
    assert model.answerable.means[at] > 0  # the scores were there to fit on
    # The script does not pick a file name of its own when told where to write.
    assert not (tmp_path / "model_encoder.json").exists()


def test_the_same_sample_gives_the_same_file(fit_twice: FitTwice) -> None:
    written = fit_twice(main, "20")
    assert written[0] == written[1]
    assert written[0]["features"] == list(FEATURES)


def test_logistic_regression_recovers_known_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 2))
    z = 1.5 * x[:, 0] - 2.0 * x[:, 1] + 0.5
    y = (rng.random(20_000) < 1 / (1 + np.exp(-z))).astype(float)
    weights, intercept = logistic_regression(x, y, l2=1e-6)
    assert weights == pytest.approx([1.5, -2.0], abs=0.1)
    assert intercept == pytest.approx(0.5, abs=0.1)


def test_logistic_regression_shrinks_toward_zero_with_a_penalty() -> None:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])  # separable: unpenalised weights would run away
    weights, _ = logistic_regression(x, y, l2=1.0)
    assert 0 < weights[0] < 10


def test_groups_take_the_sizes_then_the_rest() -> None:
    assert groups(list(range(10)), (3, 4)) == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    assert groups(list(range(5)), (3, 8, 20)) == [[0, 1, 2], [3, 4]]
    assert groups([], (3,)) == []


def test_feedback_joins_the_fit_and_is_measured_on_held_apart_votes(
    tmp_path: Path, squad_sample: Path, votes_export: Votes, capsys: pytest.CaptureFixture[str]
) -> None:
    votes, db, count = votes_export
    out = tmp_path / "model.json"
    argv = ["--squad", str(squad_sample), "--out", str(out), "--per-group", "20"]
    assert main([*argv, "--feedback", str(votes), "--feedback-db", str(db)]) == 0
    about = AnswerabilityModel.load(out).about["feedback"]
    assert about["votes"] == count >= 12
    assert (
        about["used"] + about["held_apart"] + about["quote_changed"] + about["no_quote"]
        == (about["votes"])
    )
    assert about["used"] > 0 and about["held_apart"] > 0
    assert set(about["held_apart_fit"]["without"]) == {"log_loss", "agreement"}
    assert "feedback:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*argv, "--feedback", str(votes)])  # the database the votes were cast on is needed


def test_asked_questions_kept_in_a_file_refit_the_same_model_and_only_under_the_same_options(
    tmp_path: Path, squad_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = tmp_path / "asked.pkl"
    argv = ["--squad", str(squad_sample), "--per-group", "20", "--asked", str(kept)]
    assert main([*argv, "--out", str(tmp_path / "asked.json")]) == 0
    assert kept.is_file()
    assert main([*argv, "--out", str(tmp_path / "read.json")]) == 0
    assert "asked questions read from" in capsys.readouterr().err
    asked, read = (tmp_path / "asked.json").read_text(), (tmp_path / "read.json").read_text()
    assert read == asked
    other = [*argv[:3], "10", *argv[4:], "--out", str(tmp_path / "other.json")]
    with pytest.raises(SystemExit, match="remove it to ask them again"):
        main(other)
    assert not (tmp_path / "other.json").exists()


def test_asked_questions_of_the_other_script_are_refused(
    tmp_path: Path, squad_sample: Path
) -> None:
    from training import quote_ranker

    kept = tmp_path / "asked.pkl"
    argv = ["--squad", str(squad_sample), "--per-group", "20", "--asked", str(kept)]
    assert quote_ranker.main([*argv, "--out", str(tmp_path / "ranker.json")]) == 0
    with pytest.raises(SystemExit, match=r"quote_ranker\.json"):
        main([*argv, "--out", str(tmp_path / "model.json")])
