"""Corroboration and "sources differ", measured against hand-labelled sentence pairs.

    python benchmarks/facts.py [--data ../shared/data] [--pairs tests/data/fact_pairs.json]
        [--verbose]

For each pair of sentences from different articles (tests/data/fact_pairs.json)
newsbot's rules say: corroborates (the same fact, the same numbers), differs
(the same fact, a different number for the same thing), or neither.
Corroboration precision: of the pairs called corroborating, how many are
labelled "same"; disagreement precision: of the pairs called differing, how
many are labelled "differ". The BBC pairs need --data (bbc-news); without it
only the seed pairs are scored.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index.answer.corroboration import claim, differing_counts, same_fact  # noqa: E402
from newsbot.index.ingest.files import draft_from_bytes, draft_from_path  # noqa: E402
from newsbot.index.ingest.pipeline import prepare  # noqa: E402
from newsbot.index.ingest.seeds import bundled_seeds_dir  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "fact_pairs.json"
BBC_ARCHIVE = Path("bbc-news") / "bbc-fulltext.tar.gz"


class Sentences:
    """Sentences of labelled articles, split as ingest splits them, read once each."""

    def __init__(self, data_dir: Path | None) -> None:
        archive = data_dir / BBC_ARCHIVE if data_dir else None
        present = archive is not None and archive.exists()
        # Kept open across pairs, closed by close() (evaluate's finally).
        self.bbc = tarfile.open(archive) if present else None  # noqa: SIM115
        self._cache: dict[tuple[str, str], list[str]] = {}

    def close(self) -> None:
        if self.bbc is not None:
            self.bbc.close()

    def available(self, ref: dict[str, object]) -> bool:
        return ref["source"] == "seeds" or self.bbc is not None

    def get(self, ref: dict[str, object]) -> str:
        key = (str(ref["source"]), str(ref["file"]))
        if key not in self._cache:
            if key[0] == "seeds":
                draft = draft_from_path(bundled_seeds_dir() / key[1])
            else:
                assert self.bbc is not None
                member = self.bbc.extractfile(f"bbc/{key[1]}")
                if member is None:
                    raise ValueError(f"{key[1]} is not in the BBC archive")
                draft = draft_from_bytes(member.read(), key[1], suffix=".txt")
            prepared = prepare(draft)
            spans = [s for p in prepared.passages for s in p.sentences]
            self._cache[key] = [prepared.text[s.start : s.end] for s in spans]
        text = self._cache[key][int(ref["sentence"])]  # type: ignore[call-overload]
        if hashlib.sha256(text.encode()).hexdigest()[:12] != ref["digest"]:
            raise ValueError(f"{key[1]} #{ref['sentence']} is not the sentence labelled")
        return text


def verdict(a: str, b: str) -> str:
    """ "same", "differ" or "different", as newsbot's rules see the pair."""
    first, second = claim(a), claim(b)
    if not same_fact(first, second):
        return "different"
    return "differ" if differing_counts(first, second) else "same"


def evaluate(pairs: Path, data_dir: Path | None) -> tuple[Counter[tuple[str, str]], list[str]]:
    """Counts of (label, verdict), and a line for each pair the rules got wrong."""
    doc = json.loads(pairs.read_text("utf-8"))
    sentences = Sentences(data_dir)
    counts: Counter[tuple[str, str]] = Counter()
    errors: list[str] = []
    try:
        for pair in doc["pairs"]:
            if not (sentences.available(pair["a"]) and sentences.available(pair["b"])):
                continue
            got = verdict(sentences.get(pair["a"]), sentences.get(pair["b"]))
            counts[(pair["label"], got)] += 1
            if got != pair["label"]:
                a, b = pair["a"], pair["b"]
                errors.append(
                    f"{a['file']} #{a['sentence']} ~ {b['file']} #{b['sentence']}: "
                    f"labelled {pair['label']}, got {got}"
                )
    finally:
        sentences.close()
    return counts, errors


def precision(counts: Counter[tuple[str, str]], verdict_: str) -> tuple[int, int]:
    called = sum(n for (_, got), n in counts.items() if got == verdict_)
    right = counts[(verdict_, verdict_)]
    return right, called


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    counts, errors = evaluate(args.pairs, args.data)
    total = sum(counts.values())
    print(f"{total} pairs scored")
    for name, label in (("corroboration", "same"), ("disagreement", "differ")):
        right, called = precision(counts, label)
        labelled = sum(n for (lab, _), n in counts.items() if lab == label)
        share = f"{right / called:.3f}" if called else "n/a"
        print(
            f"{name}: precision {share} ({right}/{called}), "
            f"recall {right / labelled if labelled else 0:.3f} ({right}/{labelled})"
        )
    if args.verbose:
        for error in errors:
            print("  " + error)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
