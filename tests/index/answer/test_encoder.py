"""The cross-encoder: the shipped model loads and reads meaning, and missing or
broken files are refused with an EncoderError that names the way out."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsbot.index import EncoderError
from newsbot.index.answer.encoder import CrossEncoder, EncoderFiles, shipped_encoder, shipped_files

QUESTION = "Which aid group's workers were hit by a Russian missile?"
ANSWERS = "A Russian missile struck a building used by the Danish Refugee Council in Kharkiv."
UNRELATED = "The orchestra will tour four cities in the spring, its director said."


@pytest.fixture(scope="module")
def encoder() -> CrossEncoder:
    return shipped_encoder()


def test_the_shipped_files_are_in_the_package() -> None:
    files = shipped_files()
    for path in (files.model, files.tokenizer, files.card):
        assert path.is_file(), path
    card = json.loads(files.card.read_text("utf-8"))
    # The card ties the weights to the verified base model.
    assert card["base"]["sha256"]["model.safetensors"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    assert (files.model.parent / "NOTICE").is_file()
    assert (files.model.parent / "LICENSE").is_file()


def test_the_answering_sentence_outscores_an_unrelated_one(encoder: CrossEncoder) -> None:
    answering, unrelated = encoder.probabilities(QUESTION, [ANSWERS, UNRELATED])
    assert 0.0 < unrelated < answering < 1.0
    # Fitted with four wrong sentences to each right one, so 0.5 is not the line.


def test_a_paraphrase_is_read_as_an_answer(encoder: CrossEncoder) -> None:
    # No content word of the question is in the sentence but "foreign".
    question = "Did the Russian leader threaten foreign soldiers?"
    said = "Putin warned that any foreign troops deployed in Ukraine would be legitimate targets."
    other = "Foreign ministers met in Brussels to discuss the budget for next year."
    said_p, other_p = encoder.probabilities(question, [said, other])
    assert said_p > other_p


def test_scores_do_not_depend_on_the_batch(encoder: CrossEncoder) -> None:
    # Padding a short window beside a long one is masked out. The int8 model's
    # activations are quantised per batch, so a score moves a little with its
    # neighbours (measured: 0.373 alone, 0.396 beside a long window), never far.
    alone = encoder.probabilities(QUESTION, [ANSWERS])
    beside = encoder.probabilities(QUESTION, [ANSWERS, UNRELATED * 6])
    assert alone[0] == pytest.approx(beside[0], abs=0.05)
    assert encoder.probabilities(QUESTION, [ANSWERS]) == alone  # and never by chance


def test_no_windows_no_scores(encoder: CrossEncoder) -> None:
    assert encoder.probabilities(QUESTION, []) == []


def test_long_and_odd_inputs_are_cut_not_refused(encoder: CrossEncoder) -> None:
    long_question = "Which " + "very " * 1000 + "big missile?"
    scores = encoder.probabilities(long_question, [ANSWERS * 40, "", "🙂 \u200b\x00"])
    assert len(scores) == 3
    assert all(0.0 < s < 1.0 for s in scores)


def test_one_encoder_serves_many_threads(encoder: CrossEncoder) -> None:
    expected = encoder.probabilities(QUESTION, [ANSWERS, UNRELATED])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: encoder.probabilities(QUESTION, [ANSWERS, UNRELATED]), range(16))
        )
    for got in results:
        assert got == pytest.approx(expected, abs=1e-6)


def test_the_shipped_encoder_is_loaded_once() -> None:
    assert shipped_encoder() is shipped_encoder()


def _copy(tmp_path: Path) -> EncoderFiles:
    source = shipped_files()
    folder = tmp_path / "encoder"
    folder.mkdir()
    for path in (source.model, source.tokenizer, source.card):
        shutil.copy(path, folder / path.name)
    return EncoderFiles.in_folder(folder)


@pytest.mark.parametrize("missing", ["model", "tokenizer", "card"])
def test_a_missing_file_is_named(tmp_path: Path, missing: str) -> None:
    files = _copy(tmp_path)
    gone = getattr(files, missing)
    gone.unlink()
    with pytest.raises(EncoderError, match="NEWSBOT_ENCODER=off") as raised:
        CrossEncoder(files)
    assert str(gone) in str(raised.value)


@pytest.mark.parametrize("broken", ["model", "tokenizer", "card"])
def test_a_corrupt_file_is_refused(tmp_path: Path, broken: str) -> None:
    files = _copy(tmp_path)
    getattr(files, broken).write_bytes(b"\x00not what it should be{")
    with pytest.raises(EncoderError, match="cannot load the encoder") as raised:
        CrossEncoder(files)
    assert raised.value.__cause__ is not None


def test_negative_threads_are_refused() -> None:
    with pytest.raises(ValueError, match="threads"):
        CrossEncoder(shipped_files(), threads=-1)
