"""Fit the quote ranker: which of a question's candidate windows holds the answer.

    python training/quote_ranker.py --data ../shared/data

Reads SQuAD v1.1 train and uses the same fitting part as `training/answerability.py`
(the same seed and split, by article). Over databases of several sizes it asks the
fitting part's questions, takes the first-stage pool of candidate windows
(`Engine.candidate_windows`, ranked by the hand-set score alone) and labels a window
right when it contains one of the question's answers. A conditional logit (softmax
over each question's windows; questions whose pool has no right window, or only
right ones, teach nothing and are left out) is fitted by Newton's method with an L2
penalty, in numpy.

One coefficient is then set on news: SQuAD's paragraphs are in no order of
importance, so SQuAD cannot teach the ranker that a news story says what it is about
first (the inverted pyramid). The "lead" coefficient is raised by the amount, of a
fixed grid, that gives the highest answer-in-quote@3 on NewsQA dev A (the news
development set, its 319 stories in one database) and SQuAD's calibration part
together, provided SQuAD's loses at most LEAD_SQUAD_COST of it. The script
prints that grid, and a two-fold check by story (the amount chosen on one half of the
stories, measured on the other).

`--feedback votes.jsonl --feedback-db newsbot.db` adds readers' votes: each
question's pool is taken again over the database the votes were cast on; a 👍 makes
the voted window the right one, a 👎 makes every other window right instead (the
weight moves away from what readers rejected). The same third of the votes as the
answerability script's is held apart, and how often answer() would put the voted
quote first, without and with the rest, is printed and kept in the file.

Writes `index/data/quote_ranker.json`. Fixed seeds; about two minutes on 2 cores.
Refit the answerability model afterwards: its features come from the ranked quotes.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.qa_sets import (  # noqa: E402
    NEVER_ABSTAIN,
    QAArticle,
    Question,
)
from newsbot.index import AnswerSettings, Engine, QueryError  # noqa: E402
from newsbot.index.answer.answerability import AnswerabilityModel  # noqa: E402
from newsbot.index.answer.quotes import QuoteScorer, Window, select_quotes  # noqa: E402
from newsbot.index.answer.ranking import (  # noqa: E402
    ENCODER_FEATURES,
    FEATURES,
    QuoteRanker,
    window_features,
)
from training.answerability import (  # noqa: E402
    commit,
    feedback_about,
    gather,
    groups,
    read_votes,
    start,
)

FIT_SIZES = (8, 20, 50, 100)
CALIBRATION_SIZES = (25,)
# Amounts added to the standardised "lead" coefficient, tried on NewsQA dev A.
LEAD_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
LEAD_SQUAD_COST = 0.005
L2 = 1.0


@dataclass
class Pool:
    """One question's candidate windows, their features, and which hold an answer."""

    article: str  # the key of the question's article
    windows: list[Window]
    rows: list[list[float]]
    labels: list[bool]
    scorer: QuoteScorer  # to choose quotes again under another ranker


def ask_pool(engine: Engine, article: str, question: Question) -> Pool | None:
    """The question's pool; None when it has no searchable words or nothing to quote."""
    try:
        scorer, candidates, ranked = engine.ranked_windows(question.text)
    except QueryError:
        return None
    if not ranked:
        return None
    answers = [a.casefold() for a in question.answers]
    texts = [w.candidate.passage.between(w.start, w.end).casefold() for w in ranked]
    labels = [any(a in text for a in answers) for text in texts]
    return Pool(article, ranked, window_features(scorer, ranked, candidates), labels, scorer)


def collect(
    articles: Sequence[QAArticle],
    sizes: Sequence[int],
    per_group: int,
    work: Path,
    rng: random.Random,
    *,
    settings: AnswerSettings = NEVER_ABSTAIN,
) -> list[Pool]:
    """For each group of articles, a database of them and up to `per_group` of their
    questions, asked with the first-stage ranker."""
    found: list[Pool] = []
    # Never abstaining, the answerability model is never read: the neutral one keeps
    # this script from depending on the model that is fitted after it.
    first, neutral = QuoteRanker.first_stage(), AnswerabilityModel.neutral()
    for number, part in enumerate(groups(articles, sizes)):
        questions = [(a.key, q) for a in part for q in a.questions]
        sample = rng.sample(questions, min(per_group, len(questions)))
        with Engine(
            work / f"group-{number}.db", settings=settings, ranker=first, model=neutral
        ) as engine:
            list(engine.ingest_many(a.draft("squad") for a in part))
            asked = [ask_pool(engine, key, q) for key, q in sample]
        found += [a for a in asked if a is not None]
        print(f"  {len(part):4d} articles: {len(sample)} questions", file=sys.stderr, flush=True)
    return found


@dataclass
class VotedPool:
    """A reader's vote, asked again over the database it was cast on: the question's
    pool, labelled by the vote. 👍: the voted window is right, the others not; 👎: the
    voted window is wrong, and the right one is among the others (the softmax's
    weight moves away from the window readers rejected)."""

    pool: Pool
    up: bool
    held_apart: bool  # a third, by answer id (the answerability script's third too)


def feedback_pools(
    path: Path, db: Path, settings: AnswerSettings = NEVER_ABSTAIN
) -> tuple[list[VotedPool], dict[str, int]]:
    """The votes in an export whose first quote is in the question's pool today."""
    counts = {"votes": 0, "used": 0, "held_apart": 0, "not_in_pool": 0}
    found: list[VotedPool] = []
    first, neutral = QuoteRanker.first_stage(), AnswerabilityModel.neutral()
    with Engine(db, settings=settings, ranker=first, model=neutral) as engine:
        for vote in read_votes(path):
            counts["votes"] += 1
            question = Question(vote.question, ())
            pool = ask_pool(engine, "feedback", question) if vote.shown else None
            voted = [
                (w.candidate.article.id, w.start, w.end) == vote.shown
                for w in (pool.windows if pool else [])
            ]
            if pool is None or not any(voted):
                counts["not_in_pool"] += 1
                continue
            pool.labels = voted if vote.up else [not v for v in voted]
            counts["held_apart" if vote.held_apart else "used"] += 1
            found.append(VotedPool(pool, vote.up, vote.held_apart))
    return found, counts


def voted_first(ranker: QuoteRanker, voted: Sequence[VotedPool]) -> float | None:
    """How often answer() would put the voted quote first (👍: should be high; 👎: low);
    None for no votes."""
    if not voted:
        return None
    first = 0
    for v in voted:
        a = v.pool
        probabilities = ranker.probabilities(a.rows)
        ranked = [replace(w, probability=p) for w, p in zip(a.windows, probabilities, strict=True)]
        _, chosen = select_quotes(a.scorer, ranked, 1, {})
        target = [w for w, right in zip(ranked, a.labels, strict=True) if right == v.up]
        first += bool(chosen) and any(chosen[0] is w for w in target)
    return round(first / len(voted), 4)


def _segments(groups_of: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, groups_of[1:] != groups_of[:-1]])


def _softmax(utility: np.ndarray, starts: np.ndarray, owner: np.ndarray) -> np.ndarray:
    top = np.maximum.reduceat(utility, starts)
    e = np.exp(utility - top[owner])
    return e / np.add.reduceat(e, starts)[owner]


def conditional_logit(
    x: np.ndarray, y: np.ndarray, question: np.ndarray, *, l2: float = L2, steps: int = 50
) -> np.ndarray:
    """Weights w maximising sum over questions of log(sum of softmax(x @ w) over the
    right windows, shared equally) - l2/2 |w|^2: Newton steps, halved until the
    objective improves. Rows of one question are contiguous in `question`."""
    starts = _segments(question)
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(question))))
    target = y / np.add.reduceat(y, starts)[owner]
    w = np.zeros(x.shape[1])

    def loss(v: np.ndarray) -> float:
        p = _softmax(x @ v, starts, owner)
        return float(-np.sum(target * np.log(p + 1e-300)) + 0.5 * l2 * v @ v)

    for _ in range(steps):
        p = _softmax(x @ w, starts, owner)
        gradient = x.T @ (p - target) + l2 * w
        weighted = x * p[:, None]
        per_question = np.add.reduceat(weighted, starts)
        hessian = weighted.T @ x - per_question.T @ per_question + l2 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        before, size = loss(w), 1.0
        while loss(w - size * step) > before and size > 1e-6:
            size /= 2
        w -= size * step
        if np.max(np.abs(size * step)) < 1e-10:
            break
    return w


def fit(asked: Sequence[Pool], features: tuple[str, ...] = FEATURES) -> QuoteRanker:
    # Only questions with a right and a wrong window say anything about the order.
    useful = [a for a in asked if any(a.labels) and not all(a.labels)]
    # A pool's rows hold every feature; a ranker's are the first of them.
    width = len(features)
    x = np.asarray([row[:width] for a in useful for row in a.rows], dtype=float)
    y = np.asarray([label for a in useful for label in a.labels], dtype=float)
    question = np.repeat(np.arange(len(useful)), [len(a.rows) for a in useful])
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    w = conditional_logit((x - means) / scales, y, question)
    return QuoteRanker(
        means=tuple(round(float(v), 8) for v in means),
        scales=tuple(round(float(v), 8) for v in scales),
        coefficients=tuple(round(float(v), 8) for v in w),
        about={},
        features=features,
    )


def with_lead(ranker: QuoteRanker, amount: float) -> QuoteRanker:
    at = FEATURES.index("lead")
    coefficients = list(ranker.coefficients)
    coefficients[at] = round(coefficients[at] + amount, 8)
    return replace(ranker, coefficients=tuple(coefficients))


def hits(ranker: QuoteRanker, asked: Sequence[Pool]) -> tuple[float, float]:
    """Answer in the first quote, and among the three, as answer() chooses them."""
    at1 = at3 = 0
    for a in asked:
        probabilities = ranker.probabilities(a.rows)
        ranked = [replace(w, probability=p) for w, p in zip(a.windows, probabilities, strict=True)]
        _, chosen = select_quotes(a.scorer, ranked, 3, {})
        right = {id(w) for w, label in zip(ranked, a.labels, strict=True) if label}
        at1 += bool(chosen) and id(chosen[0]) in right
        at3 += any(id(w) in right for w in chosen)
    n = max(len(asked), 1)
    return at1 / n, at3 / n


def choose_lead(
    ranker: QuoteRanker, news: Sequence[Pool], squad: Sequence[Pool]
) -> tuple[float, list[dict[str, float]]]:
    squad_floor = hits(ranker, squad)[1] - LEAD_SQUAD_COST
    grid = []
    for amount in LEAD_GRID:
        trial = with_lead(ranker, amount)
        news1, news3 = hits(trial, news)
        squad1, squad3 = hits(trial, squad)
        grid.append(
            {"lead": amount, "news@1": news1, "news@3": news3, "squad@1": squad1, "squad@3": squad3}
        )
    allowed = [g for g in grid if g["squad@3"] >= squad_floor]
    # The best for both kinds of text: NewsQA's and SQuAD's answer-in-quote@3 together.
    best = max(allowed, key=lambda g: (g["news@3"] + g["squad@3"], -g["lead"]))
    return best["lead"], grid


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    run = start(
        argv,
        doc=__doc__,
        model_file="quote_ranker.json",
        per_group=3000,
        no_news="leave the lead coefficient as fitted",
    )
    args, source, fitting = run.args, run.source, run.fitting
    votes: list[VotedPool] = []
    about_votes: dict[str, Any] = {}
    if args.feedback is not None:
        votes, counts = feedback_pools(args.feedback, args.feedback_db, run.settings)
        about_votes = feedback_about(args.feedback, counts)
    fit_asked, cal_asked, news_asked = gather(
        run,
        collect,
        fit_sizes=FIT_SIZES,
        calibration_sizes=CALIBRATION_SIZES,
        news_sizes=(),  # NewsQA: every question of every story, in one database
        news_per_group=10**6,
        news_for="the lead coefficient",
    )
    features = ENCODER_FEATURES if args.encoder else FEATURES
    ranker = fit([*fit_asked, *(v.pool for v in votes if not v.held_apart)], features)
    if votes:
        without = fit(fit_asked, features)
        held = [v for v in votes if v.held_apart]
        liked, disliked = [v for v in held if v.up], [v for v in held if not v.up]
        about_votes["held_apart_fit"] = {
            "👍 voted quote first": {
                "without": voted_first(without, liked),
                "with": voted_first(ranker, liked),
                "votes": len(liked),
            },
            "👎 voted quote first (lower is better)": {
                "without": voted_first(without, disliked),
                "with": voted_first(ranker, disliked),
                "votes": len(disliked),
            },
        }
        print(f"feedback: {about_votes}")
    first_stage = QuoteRanker.first_stage()
    print("SQuAD calibration, answer in first quote / among three:")
    print("  first-stage score: {:.3f} / {:.3f}".format(*hits(first_stage, cal_asked)))
    print("  fitted ranker:     {:.3f} / {:.3f}".format(*hits(ranker, cal_asked)))
    lead, grid = 0.0, []
    if news_asked:
        print("NewsQA dev A: first-stage {:.3f} / {:.3f}".format(*hits(first_stage, news_asked)))
        lead, grid = choose_lead(ranker, news_asked, cal_asked)
        for g in grid:
            print(
                f"  lead +{g['lead']:.1f}: NewsQA {g['news@1']:.3f} / {g['news@3']:.3f}, "
                f"SQuAD calibration {g['squad@1']:.3f} / {g['squad@3']:.3f}"
            )
        # Two folds by story: the amount chosen on one half, measured on the other.
        stories = sorted({a.article for a in news_asked})
        first_half = set(stories[0::2])
        halves = (
            [a for a in news_asked if a.article in first_half],
            [a for a in news_asked if a.article not in first_half],
        )
        for name, (tune, test) in (("A->B", halves), ("B->A", halves[::-1])):
            amount, _ = choose_lead(ranker, tune, cal_asked)
            print(
                f"  {name}: lead +{amount:.1f} chosen, on the other half "
                "{:.3f} / {:.3f}".format(*hits(with_lead(ranker, amount), test))
            )
        print(f"lead coefficient raised by {lead:.1f}")
    ranker = with_lead(ranker, lead)
    about: dict[str, Any] = {
        "fitted_on": source,
        "articles": len(fitting),
        "questions": len(fit_asked),
        "seed": args.seed,
        "lead_added": lead,
        "lead_chosen_on": "newsqa-dev-a" if news_asked else None,
        "script": "training/quote_ranker.py"
        + (" --encoder" if args.encoder else "")
        + f" --per-group {args.per_group}",
        "commit": commit(),
    }
    if about_votes:
        about["feedback"] = about_votes
    ranker = replace(ranker, about=about)
    args.out.write_text(json.dumps(ranker.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
