"""`/ask` latency while an admin keeps opening App Home over many kept gaps, end to end.

    python benchmarks/ask_while_home.py --gaps 100000

A database (the five seeds) gets `--gaps` unanswered questions, recorded as chat
records them (as in gaps.py). newsbot's real Slack endpoint then serves on a local
port (waitress, bolt, signed requests) against a fake Slack Web API (the tests'
own, on 127.0.0.1). Each `/ask` is timed from the signed POST until its answer
arrives at the response_url; first alone, then while another client sends the
admin's `app_home_opened` event back to back (each one reads the newest gaps and
publishes the Home view). Nothing is read from the network or a data folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gaps import _question, _vocabulary  # noqa: E402

from newsbot.bot.chat.budget import Budget, QuestionBudget  # noqa: E402
from newsbot.index import Answer, Confidence, Engine  # noqa: E402
from newsbot.index.ingest.seeds import bundled_seeds_dir  # noqa: E402
from tests.bot.slack.conftest import ADMIN, SIGNING_SECRET, start_bot  # noqa: E402
from tests.bot.slack.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402

QUESTION = "Where did Putin invite Zelensky for talks?"


def fill(engine: Engine, size: int, seed: int = 20261207) -> None:
    rng = random.Random(seed)
    words = _vocabulary(rng)
    for _ in range(size):
        answer = Answer(_question(rng, words), (), Confidence.NONE, 0.0)
        engine.note_unanswered(answer, surface="slack", channel="C1")


def ask_latencies(bot, fake: FakeSlack, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    latencies = []
    for _ in range(count):
        before = len(fake.of("response_url"))
        started = time.perf_counter()
        response = bot.command("/ask", QUESTION, "UASKER")
        assert response.status_code == 200, response.text
        while len(fake.of("response_url")) == before:
            time.sleep(0.001)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=int, default=100_000)
    parser.add_argument("--asks", type=int, default=60)
    args = parser.parse_args()
    fake = FakeSlack().start()
    os.environ.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "NEWSBOT_ADMINS": ADMIN,
        }
    )
    with tempfile.TemporaryDirectory() as folder, Engine(Path(folder) / "home.db") as engine:
        engine.seed_if_empty(bundled_seeds_dir())
        started = time.perf_counter()
        fill(engine, args.gaps)
        print(f"{args.gaps:,} gaps kept in {time.perf_counter() - started:.0f} s", flush=True)
        bot = start_bot(engine, fake)
        bot.runtime.budget = QuestionBudget(Budget(per_user=0, per_channel=0))  # all asked
        try:
            alone = ask_latencies(bot, fake, args.asks)
            print(f"/ask alone: {summary(alone)}", flush=True)
            stop = threading.Event()
            opened: list[float] = []

            def open_home() -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    event = {"type": "app_home_opened", "user": ADMIN, "channel": "D1"}
                    event["tab"] = "home"
                    began = time.perf_counter()
                    bot.event(event, event_id=f"EvHome{n}")
                    opened.append((time.perf_counter() - began) * 1000)

            opener = threading.Thread(target=open_home)
            opener.start()
            busy = ask_latencies(bot, fake, args.asks)
            stop.set()
            opener.join()
            bot.settle()
            published = len(fake.of("views.publish"))
            print(f"/ask while App Home opens: {summary(busy)}")
            print(f"App Home opened {len(opened)} times meanwhile ({published} views published)")
        finally:
            bot.stop()
            fake.stop()


if __name__ == "__main__":
    main()
