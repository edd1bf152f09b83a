"""The part both fitted models share: standardised weights, and reading their files."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.index.answer.fitted import (
    ModelError,
    Standardised,
    packaged,
    read,
    reading,
    require_features,
)


def test_utility_is_the_weighted_sum_of_standardised_values() -> None:
    weights = Standardised((1.0, 0.0), (2.0, 0.5), (3.0, -1.0))
    # 3 * (5 - 1) / 2 - 1 * (1 - 0) / 0.5
    assert weights.utility([5.0, 1.0]) == pytest.approx(4.0)
    with pytest.raises(ValueError, match=r"shorter|longer"):
        weights.utility([5.0])  # strict: a missing feature is not a zero


@pytest.mark.parametrize(
    ("means", "scales", "coefficients", "message"),
    [
        ((0.0,), (1.0, 1.0), (1.0, 1.0), "as many"),
        ((0.0,), (0.0,), (1.0,), "positive"),
        ((0.0,), (-1.0,), (1.0,), "positive"),
        ((float("inf"),), (1.0,), (1.0,), "not finite"),
    ],
)
def test_bad_weights_are_refused(
    means: tuple[float, ...],
    scales: tuple[float, ...],
    coefficients: tuple[float, ...],
    message: str,
) -> None:
    with pytest.raises(ModelError, match=message):
        Standardised(means, scales, coefficients)


def test_weights_for_another_number_of_features_are_refused() -> None:
    weights = Standardised((0.0,), (1.0,), (1.0,))
    weights.require(["coverage"])
    with pytest.raises(ModelError, match="needs 2 means"):
        weights.require(["coverage", "score"])


def test_weights_round_trip_through_json() -> None:
    weights = Standardised((0.5, 1.0), (2.0, 3.0), (-1.0, 4.0))
    assert Standardised(**Standardised.weights_from(weights.weights_json())) == weights


def test_a_file_for_other_features_or_malformed_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="fitted on features"):
        require_features({"features": ["b", "a"]}, [("a", "b")], "ranker")
    assert require_features({"features": ["a", "b"]}, [("a",), ("a", "b")], "r") == ("a", "b")
    with pytest.raises(ModelError, match="malformed ranker"), reading("ranker"):
        require_features({}, [("a",)], "ranker")  # KeyError
    with pytest.raises(ModelError, match="cannot read the ranker"):
        read(tmp_path / "missing.json", "ranker")
    (tmp_path / "bad.json").write_text("[1,", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read the ranker"):
        read(tmp_path / "bad.json", "ranker")


def test_both_model_files_ship_in_the_package() -> None:
    for name in ("answerability.json", "quote_ranker.json"):
        assert packaged(name)["features"]
