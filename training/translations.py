"""Learn index/data/translations.txt: which article words answer which question words.

    python training/translations.py --data ../shared/data

A word-to-word translation table in the manner of Berger et al. (2000) and Xue,
Jeon and Croft (2008): IBM Model 1, fitted by EM on SQuAD v1.1 train's pairs of
(question terms, terms of the sentence holding the answer), so P(s | q) is how
likely an answering sentence holds term s when the question holds term q ("die"
-> "death", "troop" -> "forc", "win" -> "won"). The answer's own words are left
out of the sentence, a term never translates to itself, and numbers are left out. Pruned to question
terms seen in at least MIN_QUESTIONS questions, and to translations with
P >= MIN_PROBABILITY that are LIFT times likelier after q than in any answer
sentence. newsbot expands a question with them at a low weight.

Deterministic (no sampling); about 2 minutes on one core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index.text.analysis import analyze  # noqa: E402
from newsbot.index.text.sentences import split_sentences  # noqa: E402

ITERATIONS = 5
MIN_QUESTIONS = 30
MIN_PROBABILITY = 0.02
LIFT = 3.0
NULL = ""  # the empty word: sentence terms no question term explains
HEADER = """\
# Question term -> article terms that answer it, with P(article term | question term).
# Learned by training/translations.py (IBM Model 1) from SQuAD v1.1 train's questions
# and the sentences holding their answers (Rajpurkar et al. 2016, CC BY-SA 4.0;
# https://rajpurkar.github.io/SQuAD-explorer/). One question term a line:
# term translation:probability ...
"""

Pair = tuple[tuple[str, ...], tuple[str, ...]]


def pairs_from_squad(path: Path) -> list[Pair]:
    """(question terms, answer sentence terms without the answer's own) per question."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)["data"]
    pairs: list[Pair] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = split_sentences(context)
            for qa in paragraph["qas"]:
                answer = qa["answers"][0]
                at = answer["answer_start"]
                span = next((s for s in spans if s.start <= at < s.end), None)
                if span is None:
                    continue
                question = tuple(sorted(set(analyze(qa["question"]))))
                own = set(analyze(answer["text"]))
                sentence = tuple(sorted(set(analyze(context[span.start : span.end])) - own))
                if question and sentence:
                    pairs.append((question, sentence))
    return pairs


def model1(pairs: Iterable[Pair], iterations: int = ITERATIONS) -> dict[tuple[str, str], float]:
    """IBM Model 1 by EM: P(sentence term s | question term q), as {(s, q): p}."""
    pairs = list(pairs)
    t: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)  # uniform start
    for _ in range(iterations):
        counts: dict[tuple[str, str], float] = defaultdict(float)
        totals: dict[str, float] = defaultdict(float)
        for question, sentence in pairs:
            sources = (*question, NULL)
            for s in sentence:
                weights = [t[(s, q)] for q in sources]
                norm = sum(weights)
                for q, w in zip(sources, weights, strict=True):
                    counts[(s, q)] += w / norm
                    totals[q] += w / norm
        t = defaultdict(float, {(s, q): c / totals[q] for (s, q), c in counts.items()})
    return dict(t)


def prune(t: dict[tuple[str, str], float], pairs: list[Pair]) -> dict[str, list[tuple[str, float]]]:
    asked = Counter(q for question, _ in pairs for q in question)
    seen = Counter(s for _, sentence in pairs for s in sentence)
    table: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (s, q), p in t.items():
        if q == NULL or s == q or asked[q] < MIN_QUESTIONS or p < MIN_PROBABILITY:
            continue
        if q[:1].isdigit() or s[:1].isdigit():
            continue  # a number is matched as itself: "11" is not "attack"
        if p >= LIFT * seen[s] / len(pairs):
            table[q].append((s, p))
    return {q: sorted(found, key=lambda x: (-x[1], x[0])) for q, found in sorted(table.items())}


def write(table: dict[str, list[tuple[str, float]]], out: Path) -> None:
    lines = [
        q + " " + " ".join(f"{s}:{p:.3f}" for s, p in found) + "\n" for q, found in table.items()
    ]
    out.write_text(HEADER + "".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--squad", type=Path, help="a SQuAD-format .json.gz in place of train")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "translations.txt")
    args = parser.parse_args(argv)
    source = args.squad or (
        args.data / "squad-v1.1-train" / "train-v1.1.rebuilt-from-explorer.json.gz"
    )
    pairs = pairs_from_squad(source)
    table = prune(model1(pairs), pairs)
    write(table, args.out)
    count = sum(len(v) for v in table.values())
    print(f"{len(pairs)} question-sentence pairs -> {len(table)} terms, {count} translations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
