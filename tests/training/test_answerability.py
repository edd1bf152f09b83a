"""The training script, end to end on a tiny SQuAD-format sample written here, and
its logistic regression against a known answer."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest

from benchmarks.qa_sets import squad_file
from newsbot.index import Engine
from newsbot.index.answerability import FEATURES, AnswerabilityModel
from training.answerability import groups, logistic_regression, main

_TOWNS = [f"Town{chr(65 + i)}{chr(75 + i)}" for i in range(30)]


def _sample(path: Path) -> Path:
    """30 made-up articles, three questions each, in SQuAD's file format."""
    rng = random.Random(5)
    data = []
    for n, town in enumerate(_TOWNS):
        year = 1900 + n
        mayor = f"Mayor{chr(80 + n % 10)}son"
        cars = 10 * (n + 1)
        context = (
            f"The harbour of {town} opened in {year} after a long campaign. "
            f"Its mayor, {mayor}, said the ferry would carry {cars} cars a day. "
            f"Fishermen in {town} complained that the new pier blocked the "
            f"{rng.choice(['north', 'south', 'east'])} channel."
        )
        qas = [
            {"question": f"When did the harbour of {town} open?", "answers": [{"text": str(year)}]},
            {"question": f"Who is the mayor of {town}?", "answers": [{"text": mayor}]},
            {
                "question": f"How many cars will the {town} ferry carry?",
                "answers": [{"text": str(cars)}],
            },
        ]
        data.append({"title": town, "paragraphs": [{"context": context, "qas": qas}]})
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump({"data": data}, f)
    return path


def test_training_on_a_tiny_sample_writes_a_model_newsbot_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = _sample(tmp_path / "tiny.json.gz")
    out = tmp_path / "model.json"
    assert main(["--squad", str(sample), "--out", str(out), "--per-group", "20"]) == 0
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
        articles = squad_file(sample)
        list(engine.ingest_many(a.draft("squad") for a in articles[:5]))
        present = engine.answer_with_features(articles[0].questions[0].text)[0]
        absent = engine.answer_with_features(articles[20].questions[0].text)[0]
    assert present.answerable > absent.answerable


def test_the_same_sample_gives_the_same_file(tmp_path: Path) -> None:
    sample = _sample(tmp_path / "tiny.json.gz")
    written = []
    for name in ("one.json", "two.json"):
        main(["--squad", str(sample), "--out", str(tmp_path / name), "--per-group", "20"])
        data = json.loads((tmp_path / name).read_text("utf-8"))
        data["about"].pop("commit")
        written.append(data)
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
