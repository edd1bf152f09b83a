"""The scripts that build index/data/irregular_forms.txt and translations.txt, on tiny
inputs written here."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from training import irregular_forms, translations


def test_irregular_forms_keep_words_apart_and_skip_what_the_stemmer_joins(
    tmp_path: Path,
) -> None:
    wordnet = tmp_path / "wordnet"
    wordnet.mkdir()
    (wordnet / "verb.exc").write_text(
        "fought fight\nwent go\nleft leave\nwas be\ncarried carry\nly lie\n", encoding="utf-8"
    )
    (wordnet / "noun.exc").write_text("leaves leaf\nchildren child\nice_ages ice_age\n")
    (wordnet / "adj.exc").write_text("better good well\n")
    (wordnet / "adv.exc").write_text("")
    out = tmp_path / "forms.txt"
    assert irregular_forms.main(["--wordnet", str(wordnet), "--out", str(out)]) == 0
    lines = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert "fight fought" in lines
    assert "go went" in lines
    assert "child children" in lines
    assert "leaf leav" in lines and "leav left" in lines  # two lines: never merged
    assert "good better" in lines and "well better" in lines
    joined = " ".join(lines)
    for skipped in ("was", "carri", "ice", " ly"):  # stopword, same stem, phrase, too short
        assert skipped not in f" {joined}"
    assert "Princeton" in out.read_text("utf-8")


def test_irregular_forms_need_the_wordnet_folder(tmp_path: Path) -> None:
    try:
        irregular_forms.main(["--wordnet", str(tmp_path), "--out", str(tmp_path / "x.txt")])
    except SystemExit as exit:
        assert "noun.exc" in str(exit)
    else:
        raise AssertionError("a missing exception list must stop the script")


def _pairs() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """40 questions about deaths answered by sentences about a death toll, among 560
    about other things, each with words of its own."""
    deaths = [(("die", f"town{n}"), ("death", "toll", f"town{n}")) for n in range(40)]
    others = [((f"thing{n}", "colour"), (f"thing{n}", f"paint{n}")) for n in range(560)]
    return deaths + others


def test_model1_learns_which_word_answers_which() -> None:
    pairs = _pairs()
    t = translations.model1(pairs)
    assert t[("death", "die")] > 0.3
    assert t.get(("death", "colour"), 0.0) < 0.01
    table = translations.prune(t, pairs)
    assert [s for s, _ in table["die"]] == ["death", "toll"]
    assert "colour" not in table  # what it meets is different every time


def test_translations_script_writes_the_table_from_squad_format(tmp_path: Path) -> None:
    paragraphs = []
    for n in range(40):
        context = f"In Town{n} the death toll rose to {n + 2} on Monday."
        qa = {
            "question": f"How many died in Town{n}?",
            "answers": [{"text": str(n + 2), "answer_start": context.index(f"to {n + 2}") + 3}],
        }
        paragraphs.append({"context": context, "qas": [qa]})
    for n in range(760):  # other questions: "death" stays rare among answer sentences
        context = f"The shutters of Shop{n} are painted Hue{n}."
        qa = {
            "question": f"What colour are the shutters of Shop{n}?",
            "answers": [{"text": f"Hue{n}", "answer_start": context.index(f"Hue{n}")}],
        }
        paragraphs.append({"context": context, "qas": [qa]})
    sample = tmp_path / "tiny.json.gz"
    with gzip.open(sample, "wt", encoding="utf-8") as f:
        json.dump({"data": [{"title": "T", "paragraphs": paragraphs}]}, f)
    out = tmp_path / "translations.txt"
    assert translations.main(["--squad", str(sample), "--out", str(out)]) == 0
    rows = {
        line.split()[0]: [item.rsplit(":", 1)[0] for item in line.split()[1:]]
        for line in out.read_text("utf-8").splitlines()
        if not line.startswith("#")
    }
    assert "death" in rows["die"]
    assert all(not key[:1].isdigit() for key in rows)
    assert "SQuAD" in out.read_text("utf-8")
