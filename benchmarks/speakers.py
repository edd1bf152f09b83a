"""Who-said-it, measured against hand labels (tests/data/speakers.json).

    python benchmarks/speakers.py [--data ../shared/data] [--labels tests/data/speakers.json]
        [--verbose] [--json OUT.json]

Each labelled article is prepared as ingest prepares it (cleaned, split, its
speakers attributed), and every sentence's speaker is compared with the label.
Precision: of the sentences given a speaker, how many got the right one.
Recall: of the sentences that have a speaker, how many got the right one. The
seeds ship with the repo; the BBC articles are read from --data
(bbc-news/bbc-fulltext.tar.gz) and skipped, with a note, when it is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index.ingest.files import draft_from_bytes, draft_from_path  # noqa: E402
from newsbot.index.ingest.pipeline import prepare  # noqa: E402
from newsbot.index.ingest.seeds import bundled_seeds_dir  # noqa: E402
from newsbot.index.models import ArticleDraft  # noqa: E402

LABELS = ROOT / "tests" / "data" / "speakers.json"
BBC_ARCHIVE = Path("bbc-news") / "bbc-fulltext.tar.gz"


@dataclass
class Score:
    sentences: int = 0
    labelled: int = 0  # sentences with a speaker in the labels
    predicted: int = 0  # sentences given a speaker
    correct: int = 0  # given the labelled speaker
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0

    def add(self, other: Score) -> None:
        self.sentences += other.sentences
        self.labelled += other.labelled
        self.predicted += other.predicted
        self.correct += other.correct
        self.errors += other.errors


def score_article(entry: dict[str, object], draft: ArticleDraft) -> Score:
    """One labelled article's score. Raises ValueError if its sentences have changed."""
    name = str(entry["file"])
    prepared = prepare(draft)
    spans = [s for p in prepared.passages for s in p.sentences]
    sentences = [prepared.text[s.start : s.end] for s in spans]
    digest = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:16]
    if digest != entry["digest"] or len(sentences) != entry["sentences"]:
        raise ValueError(f"{name}: its sentences are not the ones labelled; relabel it")
    predicted = [who for passage in prepared.speakers for who in passage]
    gold: dict[str, str] = entry["speakers"]  # type: ignore[assignment]
    score = Score(sentences=len(sentences))
    for index, guess in enumerate(predicted):
        truth = gold.get(str(index))
        score.labelled += truth is not None
        score.predicted += guess is not None
        if guess is not None and guess == truth:
            score.correct += 1
        elif guess != truth:
            score.errors.append(f"{name} #{index}: labelled {truth!r}, got {guess!r}")
    return score


def evaluate(labels: Path, data_dir: Path | None) -> dict[str, Score]:
    """Scores per source ("seeds", "bbc"); a source whose data is absent is left out."""
    doc = json.loads(labels.read_text("utf-8"))
    scores: dict[str, Score] = {}
    archive = data_dir / BBC_ARCHIVE if data_dir else None
    with contextlib.ExitStack() as stack:
        bbc = None
        if archive is not None and archive.exists():
            bbc = stack.enter_context(tarfile.open(archive))
        for entry in doc["articles"]:
            if entry["source"] == "seeds":  # as ingest reads them: with the manifest
                draft = draft_from_path(bundled_seeds_dir() / entry["file"])
            elif bbc is not None:
                member = bbc.extractfile(f"bbc/{entry['file']}")
                if member is None:
                    raise ValueError(f"{entry['file']} is not in {archive}")
                draft = draft_from_bytes(member.read(), entry["file"], suffix=".txt")
            else:
                continue
            score = score_article(entry, draft)
            scores.setdefault(entry["source"], Score()).add(score)
            scores.setdefault(f"{entry['source']} ({entry['set']})", Score()).add(score)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--verbose", action="store_true", help="list every error")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    scores = evaluate(args.labels, args.data)
    if "bbc" not in scores:
        print(f"note: no BBC archive under {args.data}; scoring the seeds only")
    total = Score()
    for source in ("seeds", "bbc"):
        if source in scores:
            total.add(scores[source])
    scores["all"] = total
    for source, score in scores.items():
        print(
            f"{source:>17}: {score.sentences} sentences, {score.labelled} with a speaker; "
            f"precision {score.precision:.3f} ({score.correct}/{score.predicted}), "
            f"recall {score.recall:.3f} ({score.correct}/{score.labelled})"
        )
    if args.verbose:
        for error in total.errors:
            print("  " + error)
    if args.json:
        out = {
            k: {**asdict(v), "precision": v.precision, "recall": v.recall}
            for k, v in scores.items()
        }
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
