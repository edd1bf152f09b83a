"""What the fitted models share: weights over standardised features, and their files.

The answerability model (`index.answerability`) and the quote ranker
(`index.ranking`) are each a weighted sum of features, every feature first
standardised by the mean and scale it had in the training data. Both ship as
JSON in `index/data/`, read with the standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from newsbot.index.errors import ModelError


@dataclass(frozen=True)
class Standardised:
    """sum of coefficient * (value - mean) / scale, over features in a fixed order."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefficients: tuple[float, ...]

    def __post_init__(self) -> None:
        if not len(self.means) == len(self.scales) == len(self.coefficients):
            raise ModelError("the model needs as many means, scales and coefficients")
        if any(scale <= 0 for scale in self.scales):
            raise ModelError("every scale must be positive")
        if not all(math.isfinite(v) for v in (*self.means, *self.scales, *self.coefficients)):
            raise ModelError("the model holds a number that is not finite")

    def require(self, features: Sequence[str]) -> None:
        """Refuse weights for another number of features than `features`."""
        if len(self.coefficients) != len(features):
            raise ModelError(
                f"the model needs {len(features)} means, scales and coefficients, "
                f"not {len(self.coefficients)}"
            )

    def utility(self, values: Sequence[float]) -> float:
        return sum(
            c * (v - m) / s
            for v, m, s, c in zip(values, self.means, self.scales, self.coefficients, strict=True)
        )

    def weights_json(self) -> dict[str, Any]:
        return {
            "means": list(self.means),
            "scales": list(self.scales),
            "coefficients": list(self.coefficients),
        }

    @staticmethod
    def weights_from(data: Mapping[str, Any]) -> dict[str, tuple[float, ...]]:
        """The three weight lists of a JSON object, as constructor arguments."""
        names = ("means", "scales", "coefficients")
        return {name: tuple(float(v) for v in data[name]) for name in names}


def known_features(
    names: Sequence[str], allowed: Sequence[tuple[str, ...]], what: str
) -> tuple[str, ...]:
    """`names` when they are one of the `allowed` lists, in the same order; a model
    over any other features is refused."""
    names = tuple(names)
    if names not in allowed:
        expected = " or ".join(str(a) for a in allowed)
        raise ModelError(f"the {what} was fitted on features {names}, not {expected}")
    return names


def require_features(
    data: Mapping[str, Any], allowed: Sequence[tuple[str, ...]], what: str
) -> tuple[str, ...]:
    """The features a model file was fitted on: one of the `allowed` lists, in the
    same order (any other file is refused)."""
    return known_features(data["features"], allowed, what)


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Turn a malformed model file's KeyError, TypeError or ValueError into a
    ModelError that names `what`."""
    try:
        yield
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"malformed {what}: {error!r}") from error


def read(path: Path, what: str) -> Any:
    """A model file's JSON; a file that cannot be read or parsed is a ModelError."""
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read the {what} {path}: {error}") from error


def packaged(name: str) -> Any:
    """The JSON of `index/data/<name>`, shipped in the package; a file missing or
    damaged in the installation is a ModelError saying so."""
    try:
        text = resources.files("newsbot.index").joinpath(f"data/{name}").read_text("utf-8")
        return json.loads(text)
    except (OSError, ValueError) as error:
        raise ModelError(
            f"the model file {name} shipped with newsbot cannot be read ({error}); "
            "reinstall newsbot"
        ) from error
