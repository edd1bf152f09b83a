"""The quality benchmark stays runnable: metrics checked by hand, a tiny dataset end to end."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from benchmarks import quality


def test_ndcg_and_recall_by_hand() -> None:
    relevant = {"a": 1, "b": 1}
    assert quality.ndcg_at(["a", "b", "c"], relevant, 10) == pytest.approx(1.0)
    # One relevant at rank 2 of two: (1/log2 3) / (1 + 1/log2 3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert quality.ndcg_at(["x", "a", "y"], relevant, 10) == pytest.approx(expected)
    assert quality.ndcg_at(["x", "y"], relevant, 10) == 0.0
    assert quality.recall_at(["a", "x"], relevant, 100) == 0.5
    assert quality.recall_at(["x"], {}, 100) == 0.0


def _tiny_dataset(root: Path) -> None:
    scifact = root / "beir-scifact"
    (scifact / "qrels").mkdir(parents=True)
    docs = [
        (
            "d1",
            "Vitamin D and bone health",
            "Vitamin D supplements improve bone density in adults.",
        ),
        ("d2", "Coffee and sleep", "Drinking coffee late in the day reduces sleep quality."),
        ("d3", "Exercise and memory", "Regular aerobic exercise improves memory in older adults."),
    ]
    with gzip.open(scifact / "corpus.jsonl.gz", "wt", encoding="utf-8") as f:
        for doc_id, title, text in docs:
            f.write(
                json.dumps({"_id": doc_id, "title": title, "text": text, "metadata": {}}) + "\n"
            )
    queries = [("q1", "Vitamin D improves bone density."), ("q2", "Coffee harms sleep.")]
    (scifact / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": q, "text": t, "metadata": {}}) for q, t in queries)
    )
    for name in ("test", "train"):
        (scifact / "qrels" / f"{name}.tsv").write_text(
            "query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq2\td2\t1\r\n"
        )
    squad = root / "squad-v1.1"
    squad.mkdir()
    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Harbour",
                "paragraphs": [
                    {
                        "context": "The harbour opened in 1901. It was built by the city council "
                        "with money from the fishing guild.",
                        "qas": [
                            {
                                "id": "1",
                                "question": "When did the harbour open?",
                                "answers": [{"text": "1901", "answer_start": 23}],
                            }
                        ],
                    },
                ],
            },
            {
                "title": "Lighthouse",
                "paragraphs": [
                    {
                        "context": "The lighthouse keeper retired after he served 40 years.",
                        "qas": [
                            {
                                "id": "2",
                                "question": "After how many years did the keeper retire?",
                                "answers": [{"text": "40 years", "answer_start": 46}],
                            }
                        ],
                    },
                ],
            },
        ],
    }
    with gzip.open(squad / "dev-v1.1.json.gz", "wt", encoding="utf-8") as f:
        json.dump(data, f)


def test_quality_script_runs_on_a_tiny_dataset(tmp_path: Path) -> None:
    _tiny_dataset(tmp_path / "data")
    out = tmp_path / "quality.json"
    assert quality.main(["--data", str(tmp_path / "data"), "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    for key in ("ndcg_at_10", "recall_at_100"):
        assert 0.0 <= results["scifact"][key] <= 1.0
        assert 0.0 <= results["baseline"]["scifact"][key] <= 1.0
    for key in (
        "passage_hit_at_1",
        "passage_hit_at_5",
        "answer_in_quote_at_1",
        "answer_in_quote_at_3",
        "unanswerable_abstain_rate",
        "false_abstain_rate",
    ):
        assert 0.0 <= results["squad"][key] <= 1.0
    for key in (
        "passage_hit_at_1",
        "passage_hit_at_5",
        "answer_in_quote_at_1",
        "answer_in_quote_at_3",
    ):
        assert 0.0 <= results["baseline"]["squad"][key] <= 1.0
    assert results["scifact"]["ndcg_at_10"] == pytest.approx(1.0)
    assert results["squad"]["answer_in_quote_at_1"] == 1.0
    assert results["seeds"]["misquotes"] == 0
