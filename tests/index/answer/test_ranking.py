"""The learned quote ranker: its features, its probabilities, the shipped file, bad files,
and how answer() chooses quotes by it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from newsbot.index import AnswerSettings, Engine
from newsbot.index.answer.fitted import ModelError
from newsbot.index.answer.ranking import (
    ENCODER_FEATURES,
    FEATURES,
    QuoteRanker,
    shipped_ranker,
    window_features,
)
from newsbot.index.models import ArticleDraft


def _only(feature: str, weight: float = 5.0) -> QuoteRanker:
    """A ranker that looks at one feature alone."""
    n = len(FEATURES)
    coefficients = tuple(weight if name == feature else 0.0 for name in FEATURES)
    return QuoteRanker((0.0,) * n, (1.0,) * n, coefficients, {})


def test_probabilities_are_a_softmax_of_the_utilities() -> None:
    ranker = _only("coverage", 1.0)
    rows = [[c] + [0.0] * (len(FEATURES) - 1) for c in (0.0, 1.0, 2.0)]
    found = ranker.probabilities(rows)
    assert sum(found) == pytest.approx(1.0)
    expected = [math.exp(c) / sum(math.exp(x) for x in (0.0, 1.0, 2.0)) for c in (0, 1, 2)]
    assert found == pytest.approx(expected)
    assert ranker.probabilities([]) == []
    # Huge utilities do not overflow.
    assert _only("coverage", 1e4).probabilities(rows) == pytest.approx([0.0, 0.0, 1.0])


def test_the_shipped_ranker_loads_and_says_what_it_was_fitted_on() -> None:
    ranker = shipped_ranker()
    assert ranker.about["fitted_on"] == "squad-v1.1-train"
    assert ranker.about["script"] == "training/quote_ranker.py"
    assert ranker.about["lead_chosen_on"] == "newsqa-dev-a"
    assert ranker.about["questions"] > 1000
    assert json.loads(json.dumps(ranker.to_json()))["features"] == list(FEATURES)


def test_the_encoder_systems_ranker_reads_the_encoders_scores_too() -> None:
    ranker = shipped_ranker(encoder=True)
    assert ranker.features == ENCODER_FEATURES and ranker.uses_encoder
    assert not shipped_ranker().uses_encoder
    assert ranker.about["script"] == "training/quote_ranker.py --encoder --per-group 1500"
    assert QuoteRanker.from_json(json.loads(json.dumps(ranker.to_json()))) == ranker
    # The encoder's probability counts for a window: more of it, more likely.
    at = ENCODER_FEATURES.index("relevance")
    assert ranker.coefficients[at] > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"features": ["coverage"]}, "fitted on features"),
        ({"means": [0.0]}, "needs"),
        ({"scales": [0.0] * len(FEATURES)}, "positive"),
        ({"coefficients": [float("nan")] * len(FEATURES)}, "not finite"),
        ({"coefficients": None}, "malformed"),
    ],
)
def test_a_bad_ranker_file_is_refused_with_its_reason(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    data = QuoteRanker.first_stage().to_json()
    data.update(change)
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        QuoteRanker.load(path)


def test_an_unreadable_ranker_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read"):
        QuoteRanker.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read"):
        QuoteRanker.load(tmp_path / "bad.json")


def test_features_of_the_seeds_pool_are_bounded_and_in_order(engine: Engine) -> None:
    scorer, candidates, ranked = engine.ranked_windows("How many countries pledged troops?")
    rows = window_features(scorer, ranked, candidates)
    assert 2 <= len(rows) == len(ranked) <= engine.settings.quote_pool
    assert all(len(row) == len(ENCODER_FEATURES) for row in rows)
    values = {name: [row[i] for row in rows] for i, name in enumerate(ENCODER_FEATURES)}
    # The encoder read every window: its probabilities, their ranks and shares of the best.
    assert all(0.0 < v < 1.0 for v in values["relevance"])
    assert sorted(values["relevance_rank"], reverse=True) == pytest.approx(
        [1 / (1 + i) for i in range(len(rows))]
    )
    assert max(values["relevance_relative"]) == 1.0
    # The pool comes best first by first-stage score: rank 1, 1/2, 1/3...
    assert values["rank"] == pytest.approx([1 / (1 + i) for i in range(len(rows))])
    assert values["relative"][0] == 1.0 and max(values["relative"]) == 1.0
    for name in ("coverage", "rank", "typed", "retrieval", "passage_rank", "lead", "bigram"):
        assert all(0.0 <= v <= 1.0 + 1e-9 for v in values[name]), name
    assert values["typed"][0] == 1.0  # "how many": the first window holds a number
    # The probabilities answer() ranks by are the ranker's on these rows.
    assert [w.probability for w in ranked] == pytest.approx(engine.ranker.probabilities(rows))


def test_answer_orders_quotes_by_the_rankers_probability(db_path: Path) -> None:
    """A ranker that only values the lead quotes the window nearest the article's start;
    the first-stage ranker, the window with the best first-stage score."""
    text = (
        "The harbour budget was approved by the council. "
        + "Residents spoke about parks and roads for a long time. " * 30
        + "On Tuesday the council approved the harbour budget of 4 million pounds."
    )
    with Engine(db_path) as engine:
        engine.ingest(ArticleDraft(text=text, origin="test:council", headline="Council"))
    question = "How much was the harbour budget the council approved?"
    with Engine(db_path, ranker=QuoteRanker.first_stage()) as engine:
        _, _, pool = engine.ranked_windows(question, k=1)
        by_score = engine.answer(question, k=1).quotes[0]
    with Engine(db_path, ranker=_only("lead", 50.0)) as engine:
        by_lead = engine.answer(question, k=1).quotes[0]
    assert len(pool) == 2
    assert by_score.text.startswith("On Tuesday the council approved")  # it holds the number
    assert by_lead.text == "The harbour budget was approved by the council."
    assert by_lead.start == 0
    # Quote.score is the ranker's probability.
    assert 0.5 < by_score.score <= 1.0


def test_a_quote_pool_smaller_than_k_still_offers_k_windows(engine: Engine) -> None:
    settings = AnswerSettings(quote_pool=1)
    with Engine(engine.db_path, settings=settings) as small:
        _, _, ranked = small.ranked_windows("How many countries pledged troops?", k=3)
        answer = small.answer("How many countries pledged troops?", k=3)
    assert 1 < len(ranked) <= 3  # the pool is k, less what the passage bound prunes
    assert answer.quotes[0].start in {w.start for w in ranked}
