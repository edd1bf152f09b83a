"""newsbot on several machines, as an operator runs it: two `serve` replicas and CLI
ingests against one PostgreSQL, real processes, with Slack's Web API faked on
127.0.0.1 and every request signed for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from newsbot.index import Engine
from tests.bot.discord.fake_discord import APPLICATION_ID, FakeDiscord
from tests.bot.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.bot.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.bot.slack.fake_slack import BOT_USER, FakeSlack
from tests.conftest import ROOT
from tests.corpora import write_corpus
from tests.postgres import Cluster, _free_port

SECRET = "replica-test-secret"
TROOPS = "How many countries pledged to send troops?"
ZEBRA = (
    "Zebra crossings to turn purple\n\nThe mayor of Springfield said on Monday that every "
    "zebra crossing in the city will be painted purple next spring."
)


@dataclass
class Replica:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def health(self) -> dict[str, Any]:
        return httpx.get(self.base + "/healthz", timeout=2).json()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Cluster2:
    """Two replicas of one library, their logs and index folders under `root`."""

    def __init__(self, root: Path, url: str, fake: FakeSlack) -> None:
        self.root, self.url, self.fake = root, url, fake
        self.replicas: dict[str, Replica] = {}
        self._events = 0

    def env(self, name: str) -> dict[str, str]:
        """One machine's environment: the shared database, its own index folder."""
        return {
            **os.environ,
            "HOME": str(self.root),
            "PYTHONPATH": str(ROOT),
            "NEWSBOT_DB": self.url,
            "NEWSBOT_INDEX_DIR": str(self.root / name / "index"),
            "NEWSBOT_HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.fake.api_url,
        }

    def start(self, name: str, *args: str, **extra_env: str) -> Replica:
        """`newsbot serve` on machine `name` (Slack over HTTP, and what `extra_env` adds)."""
        (self.root / name).mkdir(exist_ok=True)
        port = _free_port()
        log = self.root / name / f"serve-{time.monotonic_ns()}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "newsbot.bot", "serve", *args],
            env={**self.env(name), **extra_env, "NEWSBOT_PORT": str(port)},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=self.root / name,
        )
        replica = Replica(name, process, f"http://127.0.0.1:{port}", log)
        self.replicas[name] = replica
        return replica

    def wait_until(self, replica: Replica, articles: int, timeout: float = 60) -> dict[str, Any]:
        """/healthz once the replica holds `articles` and is not behind the change log."""
        deadline = time.monotonic() + timeout
        while True:
            assert replica.process.poll() is None, replica.output()
            try:
                health = replica.health()
                if health.get("articles") == articles and health["replica"]["behind"] == 0:
                    return health
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            assert time.monotonic() < deadline, replica.output()
            time.sleep(0.1)

    def mention(self, replica: Replica, text: str, *, user: str, channel: str) -> str:
        """A signed @mention delivered to `replica`; its event id."""
        self._events += 1
        event_id = f"EvRep{self._events}{time.monotonic_ns()}"
        self.deliver(replica, self.mention_event(event_id, text, user=user, channel=channel))
        return event_id

    @staticmethod
    def mention_event(event_id: str, text: str, *, user: str, channel: str) -> dict[str, Any]:
        return {
            "type": "event_callback",
            "event_id": event_id,
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {
                "type": "app_mention",
                "user": user,
                "text": f"<@{BOT_USER}> {text}",
                "ts": f"{time.time():.6f}",
                "channel": channel,
            },
        }

    def deliver(self, replica: Replica, event: dict[str, Any]) -> None:
        body = json.dumps(event)
        ts = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        response = httpx.post(
            replica.base + "/slack/events",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text

    def cli(self, name: str, *args: str, **popen: Any) -> subprocess.Popen[bytes]:
        (self.root / name).mkdir(exist_ok=True)
        return subprocess.Popen(
            [sys.executable, "-m", "newsbot.bot", *args],
            env=self.env(name),
            cwd=self.root / name,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen,
        )

    def stop_all(self) -> None:
        for replica in self.replicas.values():
            if replica.process.poll() is None:
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas.values():
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                replica.process.kill()


def _posted(fake: FakeSlack, channel: str, method: str = "chat.postMessage") -> list[dict]:
    return [call for call in fake.of(method) if call.get("channel") == channel]


def _text(call: dict[str, Any]) -> str:
    return json.dumps(call, ensure_ascii=False)


@pytest.fixture
def two(tmp_path: Path, postgres_url: str, fake_slack: FakeSlack) -> Iterator[Cluster2]:
    cluster = Cluster2(tmp_path, postgres_url, fake_slack)
    a = cluster.start("a", "--with-seeds")
    cluster.wait_until(a, 5)  # A seeds the library first; B starts on it
    b = cluster.start("b")
    cluster.wait_until(b, 5)
    try:
        yield cluster
    finally:
        cluster.stop_all()


def test_two_replicas_share_one_library_one_reply_and_one_budget(
    two: Cluster2, fake_slack: FakeSlack
) -> None:
    a, b = two.replicas["a"], two.replicas["b"]

    # The same signed event delivered to both replicas (a retry routed elsewhere by a
    # load balancer, say): one reply.
    event = two.mention_event("EvBoth", TROOPS, user="UONE", channel="CBOTH")
    both = [threading.Thread(target=two.deliver, args=(r, event)) for r in (a, b)]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    fake_slack.wait_for("chat.postMessage")
    time.sleep(1.5)  # time for a second reply, were there one
    (reply,) = _posted(fake_slack, "CBOTH")
    assert "26 of Ukraine" in _text(reply)

    # An article ingested by a CLI command (a third process, its own index) is quoted
    # by replica B within 2 s of the command's end.
    (two.root / "zebra.txt").write_text(ZEBRA, encoding="utf-8")
    ingest = two.cli("worker", "ingest", str(two.root / "zebra.txt"))
    _, err = ingest.communicate(timeout=60)
    assert ingest.returncode == 0, err.decode()
    ingested_at = time.monotonic()
    seen = None
    for attempt in range(100):
        channel = f"CZEBRA{attempt}"
        two.mention(
            b, "What colour will the zebra crossings be painted?", user="UZ", channel=channel
        )
        (answer,) = fake_slack.wait_for_in(channel)
        if "purple" in _text(answer):
            seen = time.monotonic() - ingested_at
            break
    assert seen is not None and seen < 2.0, seen

    # 21 questions from one user, spread over both replicas: the 21st is refused.
    for n in range(21):
        two.mention((a, b)[n % 2], TROOPS, user="UBUDGET", channel="CBUDGET")
        if n < 20:
            fake_slack.wait_for_in("CBUDGET", count=n + 1)
    (refused,) = fake_slack.wait_for_in("CBUDGET", method="chat.postEphemeral")
    assert "more questions in a minute" in _text(refused)
    assert len(_posted(fake_slack, "CBUDGET")) == 20

    for replica in (a, b):
        health = replica.health()
        assert health["ok"] and health["articles"] == 6
        assert health["replica"]["behind"] == 0


def test_a_replica_killed_mid_ingest_loses_nothing_and_catches_up(
    two: Cluster2, fake_slack: FakeSlack, postgres_url: str
) -> None:
    a, b = two.replicas["a"], two.replicas["b"]
    corpus = two.root / "corpus"
    write_corpus(corpus, 400)
    # Machine A's ingest worker (sharing A's index folder) and A itself, killed -9
    # while the worker is storing.
    worker = subprocess.Popen(
        [sys.executable, "-m", "newsbot.bot", "ingest", str(corpus)],
        env=two.env("a"),
        cwd=two.root / "a",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while b.health()["articles"] < 60:
        assert worker.poll() is None, "the ingest finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    a.process.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    a.process.wait(timeout=10)
    stored = b.health()["articles"]
    assert 60 <= stored < 5 + 400

    # B keeps answering.
    two.mention(b, TROOPS, user="UAFTER", channel="CAFTER")
    (answer,) = fake_slack.wait_for_in("CAFTER")
    assert "26 of Ukraine" in _text(answer)

    # A restarts and catches up; the ingest run again adds what was left, once.
    a = two.start("a")
    two.wait_until(a, stored)
    again = two.cli("a", "ingest", str(corpus))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    # What the killed run stored is found stored; the rest is added, once.
    lines = out.decode().splitlines()
    assert sum(": already indexed as #" in line for line in lines) == stored - 5
    assert sum(": added #" in line for line in lines) == 400 - (stored - 5)
    for replica in (a, b):
        two.wait_until(replica, 405)
    with Engine(postgres_url, index_dir=two.root / "check") as check:
        assert check.store.count_articles() == 405
        assert check.retriever.num_docs == check.store.count_passages()
        origins = [article.origin for article in check.sources()]
        assert len(origins) == len(set(origins))  # nothing stored twice


def test_postgresql_stopped_and_started_while_both_run(
    two: Cluster2, fake_slack: FakeSlack, postgres_cluster: Cluster
) -> None:
    a, b = two.replicas["a"], two.replicas["b"]
    (two.root / "zebra.txt").write_text(ZEBRA, encoding="utf-8")
    postgres_cluster.pg_ctl("stop")
    try:
        deadline = time.monotonic() + 30
        while "database" not in b.health():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # Each replica answers from its own copy, and says PostgreSQL is away.
        away = httpx.get(b.base + "/healthz", timeout=5)
        assert away.status_code == 200
        assert away.json()["ok"] is True and away.json()["articles"] == 5
        assert "PostgreSQL" in away.json()["database"]
        assert "cannot be reached" in away.json()["database"]
        for replica in (a, b):
            channel = f"CAWAY{replica.name}"
            two.mention(replica, TROOPS, user="UAWAY", channel=channel)
            (answer,) = fake_slack.wait_for_in(channel)
            assert "26 of Ukraine" in _text(answer)
        # Adding an article needs the database: one line, no traceback.
        refused = two.cli("worker", "ingest", str(two.root / "zebra.txt"))
        _, err = refused.communicate(timeout=60)
        assert refused.returncode != 0
        assert "cannot be reached" in err.decode() and "Traceback" not in err.decode()
    finally:
        postgres_cluster.pg_ctl("start")
    ingest = two.cli("worker", "ingest", str(two.root / "zebra.txt"))
    _, err = ingest.communicate(timeout=60)
    assert ingest.returncode == 0, err.decode()
    for replica in (a, b):
        assert "database" not in two.wait_until(replica, 6, timeout=30)
    two.mention(a, "What colour will the zebra crossings be painted?", user="UB", channel="CBACK")
    (answer,) = fake_slack.wait_for_in("CBACK")
    assert "purple" in _text(answer)
    for replica in (a, b):
        output = replica.output()
        assert "Traceback" not in output
        assert "could not read channel settings (answering goes on)" in output


def test_one_replica_holds_the_discord_gateway_and_another_takes_over(
    tmp_path: Path, postgres_url: str, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    cluster = Cluster2(tmp_path, postgres_url, fake_slack)
    discord = {
        "DISCORD_APPLICATION_ID": APPLICATION_ID,
        "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": fake_discord.api_url,
    }
    try:
        replicas = [cluster.start(name, **discord) for name in ("a", "b")]

        def states() -> list[str]:
            found = []
            for replica in replicas:
                try:
                    found.append(replica.health().get("connections", {}).get("discord_gateway"))
                except httpx.HTTPError:
                    found.append(None)
            return found

        deadline = time.monotonic() + 60
        while sorted(map(str, states())) != ["connected", "standby"]:
            assert time.monotonic() < deadline, (states(), [r.output() for r in replicas])
            time.sleep(0.2)
        time.sleep(6)  # past a standby's next try (every 5 s): it stays on standby
        assert fake_discord.connections == 1
        assert all(replica.health()["ok"] for replica in replicas)  # standby is healthy
        leader = replicas[states().index("connected")]
        follower = replicas[1 - replicas.index(leader)]
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while follower.health()["connections"]["discord_gateway"] != "connected":
            assert time.monotonic() < deadline, follower.output()
            time.sleep(0.2)
        assert fake_discord.connections == 2
    finally:
        cluster.stop_all()
