"""newsbot's own question set over the bundled seeds: correctness and abstention.

    python benchmarks/seed_questions.py [--questions tests/data/seed_questions.json]
        [--sweep] [--json OUT.json]

Counts answered-correctly (a returned quote holds an expected string),
abstained-correctly, wrong abstentions, wrong answers to unanswerable
questions, and misquotes (a quote that is not the article text between its
offsets: must be 0). --sweep prints the same counts for a range of abstention
thresholds. --no-encoder answers as NEWSBOT_ENCODER=off does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index import Answer, AnswerSettings, Engine  # noqa: E402


@dataclass
class Report:
    threshold: float
    answerable: int
    unanswerable: int
    correct_at_1: int
    correct_at_k: int
    wrong_answers: int
    wrong_abstentions: int
    correct_abstentions: int
    answered_unanswerable: int
    misquotes: int


def is_correct(answer: Answer, expect: list[str], depth: int) -> bool:
    wanted = [e.casefold() for e in expect]
    return any(any(w in q.text.casefold() for w in wanted) for q in answer.quotes[:depth])


def count_misquotes(engine: Engine, answer: Answer) -> int:
    return sum(
        engine.store.article_text(q.article.id)[q.start : q.end] != q.text for q in answer.quotes
    )


def evaluate(
    db: Path, seeds: Path, questions: dict, settings: AnswerSettings, k: int = 3
) -> tuple[Report, list]:
    """The question set over the seeds, answered by an engine with these settings."""
    with Engine(db, settings=settings) as engine:
        engine.seed_if_empty(seeds)
        return _evaluate(engine, questions, k)


def _evaluate(engine: Engine, questions: dict, k: int) -> tuple[Report, list]:
    threshold = engine.thresholds.abstain_below
    details = []
    r = Report(
        threshold, len(questions["answerable"]), len(questions["unanswerable"]), 0, 0, 0, 0, 0, 0, 0
    )
    for item in questions["answerable"]:
        answer = engine.answer(item["q"], k=k)
        r.misquotes += count_misquotes(engine, answer)
        if answer.abstained:
            r.wrong_abstentions += 1
            verdict = "wrong abstention"
        elif is_correct(answer, item["expect"], k):
            r.correct_at_k += 1
            r.correct_at_1 += is_correct(answer, item["expect"], 1)
            verdict = "correct"
        else:
            r.wrong_answers += 1
            verdict = "wrong answer"
        details.append((verdict, item["q"], round(answer.evidence, 3)))
    for item in questions["unanswerable"]:
        answer = engine.answer(item["q"], k=k)
        r.misquotes += count_misquotes(engine, answer)
        if answer.abstained:
            r.correct_abstentions += 1
            verdict = "correct abstention"
        else:
            r.answered_unanswerable += 1
            verdict = "answered unanswerable"
        details.append((verdict, item["q"], round(answer.evidence, 3)))
    return r, details


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/seed_questions.json")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--sweep", action="store_true", help="Try a range of thresholds.")
    parser.add_argument("--verbose", action="store_true", help="Print every question's verdict.")
    parser.add_argument("--json", type=Path, help="Write the report here.")
    parser.add_argument(
        "--no-encoder", action="store_true", help="Answer without the cross-encoder."
    )
    args = parser.parse_args()
    questions = json.loads(args.questions.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "q.db"
        default = AnswerSettings(encoder=not args.no_encoder)
        report, details = evaluate(db, args.seeds, questions, default)
        if args.verbose:
            for verdict, q, evidence in details:
                print(f"{verdict:22} {evidence:5.3f}  {q}")
        summary = ", ".join(f"{k}={v}" for k, v in asdict(report).items())
        system = "lexical" if args.no_encoder else "encoder"
        print(f"{system}, threshold {report.threshold}: {summary}")
        sweep = []
        if args.sweep:
            for step in range(30, 81, 5):
                settings = replace(default, abstain_below=step / 100)
                r, _ = evaluate(db, args.seeds, questions, settings)
                sweep.append(asdict(r))
                print(
                    f"  threshold {r.threshold:.2f}: correct@k {r.correct_at_k}/{r.answerable}"
                    f"  wrong abstentions {r.wrong_abstentions}  correct abstentions "
                    f"{r.correct_abstentions}/{r.unanswerable}"
                )
    if args.json:
        args.json.write_text(json.dumps({"report": asdict(report), "sweep": sweep}, indent=2))
    return 1 if report.misquotes else 0


if __name__ == "__main__":
    raise SystemExit(main())
