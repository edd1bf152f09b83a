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


# A readers' votes export, the database they were cast on, and how many votes.
Votes = tuple[Path, Path, int]


@pytest.fixture
def votes_export(squad_sample: Path, tmp_path: Path) -> Votes:
    """Votes as `newsbot feedback --jsonl` writes them: eight of the sample's articles
    in a database, each of their questions answered, 👍 when the first quote holds the
    answer and 👎 when not."""
    from benchmarks.qa_sets import squad_file
    from newsbot.index import Engine

    articles = squad_file(squad_sample)
    db = tmp_path / "votes.db"
    with Engine(db) as engine:
        list(engine.ingest_many(a.draft("squad") for a in articles[:8]))
        for n, article in enumerate(articles[:8]):
            for question in article.questions:
                answer = engine.answer(question.text)
                if answer.abstained:
                    continue
                right = question.answers[0] in answer.quotes[0].text
                engine.vote(engine.keep_answer(answer, surface="slack"), f"U{n}", up=right)
        exported = [json.dumps(v.to_json()) for v in engine.feedback()]
    path = tmp_path / "votes.jsonl"
    path.write_text("\n".join(exported) + "\n", encoding="utf-8")
    return path, db, len(exported)
