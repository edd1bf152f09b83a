"""The quality benchmark stays runnable: metrics checked by hand, a tiny dataset end to end."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.qa_sets import Asked, Question, held_apart_story, newsqa_dev_a
from newsbot.index import Answer, Confidence
from newsbot.index.models import Article, Quote


def test_ndcg_and_recall_by_hand() -> None:
    relevant = {"a": 1, "b": 1}
    assert quality.ndcg_at(["a", "b", "c"], relevant, 10) == pytest.approx(1.0)
    # One relevant at rank 2 of two: (1/log2 3) / (1 + 1/log2 3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert quality.ndcg_at(["x", "a", "y"], relevant, 10) == pytest.approx(expected)
    assert quality.ndcg_at(["x", "y"], relevant, 10) == 0.0
    assert quality.recall_at(["a", "x"], relevant, 100) == 0.5
    assert quality.recall_at(["x"], {}, 100) == 0.0


def test_abstained_at_reads_the_threshold_off_the_answerable_scores() -> None:
    present = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    absent = [0.05, 0.15, 0.25, 0.95]
    # 10% of ten answerable questions: the lowest one (0.1) is abstained; the cut is 0.2.
    assert quality.abstained_at(present, absent, 0.10) == pytest.approx(2 / 4)
    # 30%: the cut is 0.4, and 0.25 falls under it too.
    assert quality.abstained_at(present, absent, 0.30) == pytest.approx(3 / 4)
    # No budget: nothing under the lowest answerable score but the 0.05.
    assert quality.abstained_at(present, absent, 0.0) == pytest.approx(1 / 4)
    # A question with no quote at all scores -inf: abstained at any threshold.
    assert quality.abstained_at(present, [-math.inf], 0.0) == 1.0
    assert math.isnan(quality.abstained_at([], absent, 0.05))
    assert math.isnan(quality.abstained_at(present, [], 0.05))


def test_separation_is_the_roc_area() -> None:
    assert quality.separation([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert quality.separation([0.1, 0.2], [0.9, 0.8]) == 0.0
    # Of four pairs, (0.6 > 0.5) wins, (0.6 > 0.7) loses, (0.4 > 0.5) and (0.4 > 0.7) lose.
    assert quality.separation([0.6, 0.4], [0.5, 0.7]) == pytest.approx(1 / 4)
    # A tie counts half.
    assert quality.separation([0.5], [0.5]) == pytest.approx(0.5)
    assert math.isnan(quality.separation([], [0.5]))


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


def _tiny_newsqa(root: Path) -> None:
    """Two stories in MRQA's NewsQA format, one question each."""
    folder = root / "newsqa-dev-a"
    folder.mkdir()
    stories = [
        (
            "(CNN) -- The ferry company said on Monday that 300 passengers were rescued.\n\n"
            "Rescuers worked through the night, the coast guard said.",
            "How many passengers were rescued?",
            "300 passengers",
        ),
        (
            "(CNN) -- The museum will reopen in March after a fire destroyed its roof.\n\n"
            "The curator said the paintings were saved.",
            "When will the museum reopen?",
            "in March",
        ),
    ]
    lines = [json.dumps({"header": {"dataset": "NewsQA", "split": "dev"}})]
    for n, (context, question, answer) in enumerate(stories):
        qa = {"qid": str(n), "question": question, "answers": [answer]}
        lines.append(json.dumps({"context": context, "qas": [qa]}))
    with gzip.open(folder / "NewsQA-dev-a.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def test_quality_script_runs_on_a_tiny_dataset(tmp_path: Path) -> None:
    _tiny_dataset(tmp_path / "data")
    _tiny_newsqa(tmp_path / "data")
    out = tmp_path / "quality.json"
    assert quality.main(["--data", str(tmp_path / "data"), "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    for key in ("ndcg_at_10", "recall_at_100"):
        assert 0.0 <= results["scifact"][key] <= 1.0
        assert 0.0 <= results["scifact"]["baseline"][key] <= 1.0
    assert results["scifact"]["ndcg_at_10"] == pytest.approx(1.0)
    squad = results["squad"]
    assert squad["passage_hit_at_1"] == 1.0
    for rule in ("today", "lexical", "encoder"):
        assert squad[rule]["answer_in_quote_at_1"] == 1.0
        assert squad[rule]["false_abstain_rate"] == 0.0
        # With its article forgotten, a question about the harbour finds nothing.
        assert squad[rule]["unanswerable_abstain_rate"] == 1.0
        assert squad[rule]["unanswerable_abstain_at_budget"] == 1.0
        assert squad[rule]["separation"] == 1.0
        assert squad[rule]["reliability"]["high"]["first_quote_right"] in (None, 1.0)
    assert squad["baseline"]["answer_in_quote_at_3"] == 1.0
    news = results["newsqa"]
    # Only the held-apart stories' questions are asked (the fixture holds one apart).
    held = [a for a in newsqa_dev_a(tmp_path / "data") if held_apart_story(a.key)]
    assert len(held) == 1
    assert news["questions"] == 1 and "passage_hit_at_1" not in news  # no paragraph spans
    for rule in ("lexical", "encoder"):
        assert news[rule]["answer_in_quote_at_1"] == 1.0
    assert results["newsqa_small"]["articles"] == 1  # the held-apart one
    for name in ("seeds", "paraphrases"):
        for rule in ("lexical", "encoder"):
            assert results[name][rule]["misquotes"] == 0


def _asked_with_a_quote(*, coverage: float, answerable: float) -> Asked:
    """A right answer with one quote, first-quote probability 0.95."""
    article = Article(id=1, origin="x", headline="h", url=None, published=None, outlet=None)
    quote = Quote(
        text="The harbour opened in 1901.",
        start=0,
        end=27,
        score=1.0,
        matched_terms=("harbour",),
        article=article,
    )
    answer = Answer(
        "When?", (quote,), Confidence.LOW, 0.95, coverage=coverage, answerable=answerable
    )
    return Asked(Question("When did the harbour open?", ("1901",)), True, answer, {})


def test_the_rules_label_the_same_answer_differently() -> None:
    """Today's rule reads the coverage; the fitted systems the two probabilities."""
    asked = _asked_with_a_quote(coverage=0.5, answerable=0.9)
    assert quality.label("today", asked) == "low"
    assert quality.label("lexical", asked) == "high"
    assert quality.label("encoder", asked) == "high"
    weak = _asked_with_a_quote(coverage=0.9, answerable=0.01)
    assert quality.label("today", weak) == "high"
    assert quality.label("lexical", weak) == "none"
    assert quality.label("encoder", weak) == "none"


def test_a_rule_nobody_defined_is_refused() -> None:
    with pytest.raises(ValueError, match="learned"):
        quality.label("learned", _asked_with_a_quote(coverage=0.5, answerable=0.9))
