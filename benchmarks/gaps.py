"""How the gaps scale: keeping a question nobody could answer, and listing the gaps.

    python benchmarks/gaps.py --sizes 1000,10000,100000

For each size, a new database (the five seeds) gets that many unanswered questions,
recorded as chat records them (`Engine.note_unanswered`, one transaction each):
made-up questions of 4 to 40 words drawn from a vocabulary of 3,000, a tenth of
them asked again in another wording, so gaps both grow and group. It prints the
time to record one question (p50 / p95 over the last 500), `Engine.gaps(15)` (what
App Home and Discord's /newsbot-admin gaps read, under the engine's lock) and a
whole `newsbot gaps` process, each against the number of questions kept.
No data is read: every question is generated here, with a fixed seed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.index import Answer, Confidence, Engine  # noqa: E402
from newsbot.index.ingest.seeds import bundled_seeds_dir  # noqa: E402


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def _question(rng: random.Random, words: list[str]) -> str:
    return "Who " + " ".join(rng.choice(words) for _ in range(rng.randint(4, 40))) + "?"


def measure(size: int, seed: int = 20261207) -> dict[str, float]:
    rng = random.Random(seed)
    words = _vocabulary(rng)
    asked: list[str] = []
    record_ms: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "gaps.db"
        with Engine(db) as engine:
            engine.seed_if_empty(bundled_seeds_dir())
            for n in range(size):
                if asked and rng.random() < 0.1:  # the same gap again, reworded
                    old = asked[rng.randrange(len(asked))].rstrip("?").split()
                    question = " ".join([*old[:-1], rng.choice(words)]) + "?"
                else:
                    question = _question(rng, words)
                    asked.append(question)
                answer = Answer(question, (), Confidence.NONE, 0.0)
                started = time.perf_counter()
                engine.note_unanswered(answer, surface="slack", channel="C1")
                if n >= size - 500:
                    record_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            shown = engine.gaps(15)
            gaps_ms = (time.perf_counter() - started) * 1000
            assert len(shown) == 15
        env = {**os.environ, "NEWSBOT_DB": str(db), "NEWSBOT_ENCODER": "off"}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "newsbot.bot", "gaps"],
            env=env,
            check=True,
            capture_output=True,
        )
        cli_s = time.perf_counter() - started
    record_ms.sort()
    return {
        "questions": size,
        "record_p50_ms": statistics.median(record_ms),
        "record_p95_ms": record_ms[int(len(record_ms) * 0.95) - 1],
        "gaps_15_ms": gaps_ms,
        "newsbot_gaps_s": cli_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    print("| questions kept | record p50 / p95 | Engine.gaps(15) | `newsbot gaps` process |")
    print("|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size)
        print(
            f"| {size:,} | {r['record_p50_ms']:.2f} / {r['record_p95_ms']:.2f} ms | "
            f"{r['gaps_15_ms']:.2f} ms | {r['newsbot_gaps_s']:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
