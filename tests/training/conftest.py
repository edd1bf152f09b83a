"""What the training scripts' tests share: a tiny SQuAD-format sample, and fitting
on it twice."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# A training script's main(argv) -> exit status; the number of questions per database.
FitTwice = Callable[[Callable[[list[str]], int], str], list[dict[str, Any]]]

_TOWNS = [f"Town{chr(65 + i)}{chr(75 + i)}" for i in range(30)]


def write_sample(path: Path) -> Path:
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


@pytest.fixture
def squad_sample(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "tiny.json.gz")


@pytest.fixture
def fit_twice(squad_sample: Path, tmp_path: Path) -> FitTwice:
    """Run a training script twice on the sample: the two files it wrote, without the
    commit they name, so that only what was fitted is compared."""

    def run(main: Callable[[list[str]], int], per_group: str) -> list[dict[str, Any]]:
        written = []
        for name in ("one.json", "two.json"):
            out = tmp_path / name
            assert (
                main(["--squad", str(squad_sample), "--out", str(out), "--per-group", per_group])
                == 0
            )
            data = json.loads(out.read_text("utf-8"))
            data["about"].pop("commit")
            written.append(data)
        return written

    return run
