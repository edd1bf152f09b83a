"""The answerability features and model: bounded inputs, the shipped file, bad files."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from newsbot.index import AnswerSettings, Engine
from newsbot.index.answer.answerability import (
    ENCODER_FEATURES,
    FEATURES,
    AnswerabilityModel,
    Logistic,
    ModelError,
    Signals,
    features,
    shipped_model,
)
from newsbot.index.models import ArticleDraft
from newsbot.index.settings import Thresholds
from tests.conftest import SEEDS


def _signals(**changes: object) -> Signals:
    base = Signals(
        coverage=0.75,
        score=1.1,
        matched=frozenset({"troop", "pledg"}),
        weights={"troop": 3.0, "pledg": 2.0, "countri": 1.0},
        total=6.0,
        unseen=frozenset(),
        unseen_factor=2.0,
        idf={"troop": 3.0, "pledg": 2.0, "countri": 1.0},
        query_weights={"troop": 1.0, "pledg": 1.0, "countri": 1.0},
        best_retrieval=9.0,
        other_article_retrieval=6.0,
        typed_question=True,
        typed_quote=True,
        headline_terms=frozenset({"troop"}),
        quote_rank=0,
        runner_up=0.5,
        question_sequence=("countri", "pledg", "troop"),
        quote_sequence=("pledg", "troop", "ukrain"),
        max_idf=4.0,
        question_names=frozenset({"pari", "macron"}),
        passage_terms=frozenset({"pledg", "troop", "ukrain", "macron"}),
        passage_coverage=0.8,
    )
    return replace(base, **changes)


def test_features_are_the_model_inputs_in_order_and_computed_from_shares() -> None:
    values = features(_signals())
    assert tuple(values) == ENCODER_FEATURES
    assert ENCODER_FEATURES[: len(FEATURES)] == FEATURES
    assert values["relevance_first"] == values["relevance_best"] == 0.0  # no encoder here
    assert values["missed_max"] == pytest.approx(1.0 / 6.0)  # "countri" is missed
    assert values["matched_share"] == pytest.approx(2 / 3)
    assert values["headline_share"] == pytest.approx(3.0 / 6.0)
    assert values["margin"] == pytest.approx(1 - 6.0 / 9.0)
    assert values["bm25_share"] == pytest.approx(9.0 / (6.0 * 2.2))
    assert values["bigram_share"] == pytest.approx(0.5)  # pledg-troop, not countri-pledg
    assert values["matched_rarity"] == pytest.approx(3.0 / 4.0)
    assert values["missed_rarity"] == pytest.approx(1.0 / 4.0)
    assert values["quote_rank"] == 1.0
    assert values["names_missed"] == 0.5  # "Paris" is not in the quote's passage
    assert values["passage_coverage"] == 0.8


def test_unseen_question_words_weigh_more_and_are_the_rarest() -> None:
    values = features(_signals(unseen=frozenset({"countri"}), total=7.0))
    assert values["unseen_share"] == pytest.approx(2.0 / 7.0)
    assert values["missed_rarity"] == 1.0


def test_features_do_not_grow_with_the_corpus() -> None:
    """The same question and quote over a corpus 1,000 times larger: BM25 scores and
    IDF grow, the features stay where they were (the trap a raw BM25 score sets)."""
    small = features(_signals())
    scale = 2.5
    large = features(
        _signals(
            weights={t: w * scale for t, w in _signals().weights.items()},
            total=6.0 * scale,
            idf={t: w * scale for t, w in _signals().idf.items()},
            best_retrieval=9.0 * scale,
            other_article_retrieval=6.0 * scale,
            max_idf=4.0 * scale,
        )
    )
    assert large == pytest.approx(small)


@pytest.mark.parametrize(
    "changes",
    [
        {"best_retrieval": 0.0, "other_article_retrieval": 0.0},
        {"weights": {}, "total": 0.0, "matched": frozenset(), "query_weights": {}},
        {"max_idf": 0.0},
        {"question_sequence": (), "quote_sequence": ()},
        {"question_names": frozenset()},
    ],
)
def test_features_stay_finite_at_the_edges(changes: dict) -> None:
    values = features(_signals(**changes))
    assert all(math.isfinite(v) for v in values.values())


def test_shipped_model_loads_and_says_what_it_was_fitted_on() -> None:
    model = shipped_model()
    assert model.about["fitted_on"] == "squad-v1.1-train"
    assert model.about["script"] == "training/answerability.py"
    assert len(model.about["commit"]) == 40
    assert model.about["questions"]["fitting"] > 10_000


@pytest.mark.parametrize("encoder", [False, True])
def test_the_thresholds_are_the_ones_the_shipped_model_was_calibrated_with(
    encoder: bool,
) -> None:
    """Refitting a model means choosing its thresholds again: they travel in its file,
    and settings that set none use them."""
    model = shipped_model(encoder=encoder)
    suggested = model.about["thresholds"]
    assert model.thresholds == Thresholds(**suggested)
    assert AnswerSettings().thresholds(model.thresholds) == model.thresholds
    assert 0 < model.thresholds.abstain_below < model.thresholds.high_confidence < 1
    stricter = AnswerSettings(abstain_below=0.9).thresholds(model.thresholds)
    assert stricter.abstain_below == 0.9
    assert stricter.high_confidence == model.thresholds.high_confidence


def test_the_encoder_model_reads_the_encoder_features_and_the_lexical_one_does_not() -> None:
    assert shipped_model(encoder=True).features == ENCODER_FEATURES
    assert shipped_model(encoder=True).uses_encoder
    assert shipped_model().features == FEATURES
    assert not shipped_model().uses_encoder
    assert shipped_model(encoder=True).about["script"] == (
        "training/answerability.py --encoder --per-group 800"
    )


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    model = shipped_model()
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    again = AnswerabilityModel.load(path)
    assert again == model
    values = features(_signals())
    assert again.answers.probability(values) == model.answers.probability(values)


def test_probability_is_the_logistic_of_the_standardised_sum() -> None:
    n = len(FEATURES)
    coefficients = (2.0,) + (0.0,) * (n - 1)
    model = Logistic((0.5,) + (0.0,) * (n - 1), (0.25,) + (1.0,) * (n - 1), coefficients, -1.0)
    values = dict.fromkeys(FEATURES, 0.0) | {"coverage": 0.75}
    z = -1.0 + 2.0 * (0.75 - 0.5) / 0.25
    assert model.probability(values) == pytest.approx(1 / (1 + math.exp(-z)))
    huge = dict.fromkeys(FEATURES, 0.0) | {"coverage": 1e6}
    assert model.probability(huge) == 1.0  # no overflow
    assert model.probability(dict.fromkeys(FEATURES, 0.0) | {"coverage": -1e6}) == 0.0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(features=["coverage"]), "fitted on features"),
        (lambda d: d.pop("answers"), "malformed"),
        (lambda d: d["answerable"].update(means=[0.0]), "needs"),
        (lambda d: d["answerable"].update(intercept="x"), "malformed"),
        (lambda d: d["answers"]["scales"].__setitem__(0, 0.0), "positive"),
        (lambda d: d["answers"]["coefficients"].__setitem__(0, float("nan")), "not finite"),
    ],
)
def test_a_bad_model_file_is_refused_with_the_reason(edit, message: str, tmp_path: Path) -> None:
    data = shipped_model().to_json()
    data = json.loads(json.dumps(data))
    edit(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        AnswerabilityModel.load(path)


def test_an_unreadable_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read"):
        AnswerabilityModel.load(path)
    with pytest.raises(ModelError, match="cannot read"):
        AnswerabilityModel.load(tmp_path / "missing.json")


def test_answer_carries_both_probabilities_and_the_features_explain_them(
    engine: Engine,
) -> None:
    answer, values = engine.answer_with_features("How many countries pledged troops?")
    assert tuple(values) == ENCODER_FEATURES
    # The default engine reads the quotes with the encoder: its scores are among them.
    assert 0 < values["relevance_first"] <= values["relevance_best"] <= 1
    model = engine.model
    assert answer.answerable == pytest.approx(model.answerable.probability(values))
    assert answer.evidence == pytest.approx(model.answers.probability(values))
    data = answer.to_json()
    assert data["answerable"] == round(answer.answerable, 4)
    assert 0 < data["coverage"] <= 1


def test_one_model_behaves_over_five_articles_and_over_fifty(tmp_path: Path) -> None:
    """The seeds alone, then with 45 unrelated articles beside them: the answerable
    question keeps a confident answer and the off-topic one is refused in both."""
    fillers = [
        ArticleDraft(
            text=(
                f"Council {n} approved a new budget for the {topic} on Tuesday. "
                f"The mayor of district {n} said the {topic} would open next spring. "
                f"Residents of district {n} asked for longer opening hours at the {topic}."
            ),
            origin=f"filler:{n}",
            headline=f"District {n} approves budget for its {topic}",
            first_line_headline=False,
        )
        for n, topic in enumerate(["library", "swimming pool", "market hall"] * 15)
    ]
    with Engine(tmp_path / "seeds.db") as engine:
        engine.seed_if_empty(SEEDS)
        five = engine.answer("How many countries pledged to send troops to Ukraine?")
        off = engine.answer("Who won the 2024 Nobel Peace Prize?")
        list(engine.ingest_many(fillers))
        assert engine.count_articles() == 50
        fifty = engine.answer("How many countries pledged to send troops to Ukraine?")
        off_fifty = engine.answer("Who won the 2024 Nobel Peace Prize?")
    for answer in (five, fifty):
        assert not answer.abstained and "26" in answer.quotes[0].text
        assert answer.answerable > engine.answerer.thresholds.abstain_below
    assert off.abstained and off_fifty.abstained


def test_settings_thresholds_apply_to_the_probabilities(engine: Engine) -> None:
    question = "How many countries pledged troops?"
    answer = engine.answer(question)
    assert not answer.abstained
    strict = AnswerSettings(abstain_below=min(answer.answerable + 0.01, 1.0))
    with Engine(engine.db_path, settings=strict) as other:
        refused = other.answer(question)
    assert refused.abstained and refused.answerable == pytest.approx(answer.answerable)
    assert refused.evidence == pytest.approx(answer.evidence)
    labelled = AnswerSettings(medium_confidence=1.0, high_confidence=1.0)
    with Engine(engine.db_path, settings=labelled) as other:
        assert other.answer(question).confidence.value == "low"


@pytest.mark.parametrize(
    ("answerable", "evidence", "label"),
    [
        (0.05, 0.99, "none"),  # the articles probably hold no answer: abstain
        (0.5, 0.9, "high"),
        (0.5, 0.7, "high"),  # the bounds are inclusive
        (0.5, 0.3, "medium"),
        (0.5, 0.1, "low"),
        (0.159, 0.0, "low"),
    ],
)
def test_labels_are_ranges_of_the_two_probabilities(
    answerable: float, evidence: float, label: str
) -> None:
    assert Thresholds(0.159, 0.23, 0.7).confidence(answerable, evidence).value == label


@pytest.mark.parametrize(
    "values",
    [(-0.1, 0.2, 0.7), (0.1, 0.2, 1.5), (0.1, 0.8, 0.7)],
)
def test_thresholds_outside_zero_to_one_or_out_of_order_are_refused(
    values: tuple[float, float, float],
) -> None:
    with pytest.raises(ValueError, match="must"):
        Thresholds(*values)


def test_a_model_file_with_malformed_thresholds_is_refused() -> None:
    data = shipped_model().to_json()
    data["about"]["thresholds"] = {"abstain_below": "low"}
    with pytest.raises(ModelError, match="malformed"):
        AnswerabilityModel.from_json(data)


def test_a_question_of_framing_words_alone_is_never_called_likely(engine: Engine) -> None:
    """ "And what did he say?" names no topic: even a model sure of every answer gives
    it "low" at most, while a question with a topic keeps the model's label."""
    sure = replace(Logistic.neutral(), intercept=10.0)
    thresholds = {"abstain_below": 0.5, "medium_confidence": 0.6, "high_confidence": 0.9}
    model = AnswerabilityModel(sure, sure, {"fitted_on": "nothing", "thresholds": thresholds})
    with Engine(engine.db_path, model=model) as confident:
        assert confident.answer("And what did he say?").confidence.value == "low"
        assert confident.answer("What did Putin say about troops?").confidence.value == "high"
