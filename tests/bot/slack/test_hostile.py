"""Slack under attack and under load: malformed requests, injected mentions, slow
fetches, a full ingest queue, a crash between the acknowledgement and the reply."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from newsbot.bot.chat.budget import Budget, QuestionBudget
from newsbot.bot.chat.replies import QUEUE_FULL
from newsbot.bot.server.logs import LOG_LINE_LIMIT, RedactTokens
from newsbot.bot.slack.server import RESPONSE_URL_SECONDS, answer_unfinished
from newsbot.index import Engine, FetchPolicy, IngestLimits, Status
from tests.bot.slack.conftest import (
    ADMIN,
    ALLOWED,
    SIGNING_SECRET,
    Bot,
    blocks_text,
    mention,
    start_bot,
)
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import seeded_engine
from tests.corpora import no_seeds_env, write_corpus
from tests.index.web_fixture import WebFixture

INJECTIONS = ("<!channel>", "<!here>", "<@U0ADMIN>", "<https://evil.example|click me>")


def _post_raw(bot: Bot, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(bot.url + "/slack/events", content=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"}, 401),
        ({"X-Slack-Request-Timestamp": str(int(time.time()))}, 401),
        ({}, 401),
    ],
)
@pytest.mark.parametrize("body", [b'{"type": "event_callback"}', b"\xff\xfe\x00 not utf-8"])
def test_unsigned_or_oddly_signed_requests_get_401(
    bot: Bot, headers: dict[str, str], status: int, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = _post_raw(bot, body, {"Content-Type": "application/json", **headers})
    assert response.status_code == status
    assert not [r for r in caplog.records if r.exc_info]  # no traceback logged
    bot.settle()
    assert bot.fake.calls_except_auth() == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
    ],
)
def test_signed_but_malformed_bodies_get_400(bot: Bot, body: bytes, content_type: str) -> None:
    response = bot.post(body, content_type)
    assert response.status_code == 400
    bot.settle()
    assert bot.fake.calls_except_auth() == []


DEEP = b"[" * 100_000 + b"]" * 100_000


def _form(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def _event_body(event: object) -> bytes:
    return json.dumps({"type": "event_callback", "event_id": "Ev9", "event": event}).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ' + DEEP + b"}", "application/json"),
        (_event_body("a string, not an event"), "application/json"),
        (_event_body({"type": ["app_mention"], "text": "x"}), "application/json"),
        (_event_body({"type": "app_mention", "text": {"not": "text"}}), "application/json"),
        (b'{"type": "event_callback", "authorizations": "x", "event": {}}', "application/json"),
        (b"payload=" + DEEP, "application/x-www-form-urlencoded"),
        (
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%22x%22%7D",
            "application/x-www-form-urlencoded",
        ),
        (
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%22x%22%7D",
            "application/x-www-form-urlencoded",
        ),
        (
            b"payload=%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%7B%22id%22%3A1%7D%7D",
            "application/x-www-form-urlencoded",
        ),
        (
            _form({"type": "block_actions", "actions": [{"action_id": ["x"], "value": "v"}]}),
            "application/x-www-form-urlencoded",
        ),
        (
            _form(
                {
                    "type": "view_submission",
                    "user": {"id": "U1"},
                    "view": {
                        "type": "modal",
                        "callback_id": "ask_modal",
                        "state": {"values": {"question": "x"}},
                    },
                }
            ),
            "application/x-www-form-urlencoded",
        ),
        (
            _event_body(
                {
                    "type": "message",
                    "channel": "D1",
                    "ts": "1.0",
                    "user": "U1",
                    "subtype": "file_share",
                    "files": [{"name": "a.txt", "size": "big"}],
                }
            ),
            "application/json",
        ),
        (
            _event_body({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi"}),
            "application/json",
        ),
        (b"command=%2Fask&text=%FF%FE", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00 not utf-8", "application/json"),
    ],
    ids=[
        "nested-100000",
        "event-is-a-string",
        "event-type-is-a-list",
        "event-text-is-an-object",
        "authorizations-is-a-string",
        "payload-nested-100000",
        "actions-is-a-string",
        "payload-user-is-a-string",
        "view-without-a-type",
        "action-id-is-a-list",
        "view-input-is-a-string",
        "file-size-is-a-word",
        "mention-without-ts-or-channel",
        "form-not-utf8",
        "json-not-utf8",
    ],
)
def test_signed_bodies_of_the_wrong_shape_get_400_and_one_line(
    bot: Bot, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    with caplog.at_level(logging.INFO):
        response = bot.post(
            body, content_type, timestamp=int(ts), signature="v0=" + digest.hexdigest()
        )
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "malformed request"}
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 1
    bot.settle()
    assert bot.fake.calls_except_auth() == []


def test_a_huge_body_is_refused_unread(bot: Bot) -> None:
    response = bot.post(b"x" * (2 * 1024 * 1024), "application/json")
    assert response.status_code == 413


def test_mentions_in_articles_and_questions_never_reach_slack_unescaped(bot: Bot) -> None:
    article = (
        "Alert <!channel> about the zeppelin\n\nThe memo told <!channel> and <!here> and "
        "<@U0ADMIN> to read <https://evil.example|click me> before the zeppelin landed in "
        "the harbour on Friday."
    )
    bot.command("/ingest", article, ALLOWED)
    assert bot.fake.wait_for("response_url")[0]["text"].startswith(
        "Added #6: *Alert &lt;!channel&gt;"
    )
    bot.event(mention("When did the zeppelin land in the harbour?"), event_id="EvZ")
    bot.event(
        mention("&lt;!channel&gt; who won the Nobel prize?", ts="1700000200.1"), event_id="EvN"
    )
    bot.command("/ask", "When did the zeppelin land in the harbour?", ALLOWED)
    bot.settle()
    replies = [*bot.fake.of("chat.postMessage"), *bot.fake.of("response_url")]
    assert len(replies) == 4
    answered = next(r for r in bot.fake.of("chat.postMessage") if "zeppelin" in r["text"])
    assert "&lt;!channel&gt;" in answered["text"] and "&lt;!channel&gt;" in blocks_text(answered)
    for reply in replies:
        raw = json.dumps({"text": reply.get("text"), "blocks": reply.get("blocks")})
        for injection in INJECTIONS:
            assert injection not in raw, (injection, reply.get("text"))


def test_a_mention_is_answered_while_hostile_fetches_are_in_flight(
    slack_env: None,
    fake_slack: FakeSlack,
    db_path: Path,
    web: WebFixture,
    record_property: pytest.RecordProperty,
) -> None:
    slow = FetchPolicy.allowing_private()
    slow = FetchPolicy(address_allowed=slow.address_allowed, total_timeout=4.0)
    with seeded_engine(db_path) as seeded:
        seeded.close()
    with Engine(db_path, fetch_policy=slow) as engine:
        bot = start_bot(engine, fake_slack)
        try:
            for i in range(5):
                user = ALLOWED if i < 3 else ADMIN
                bot.command("/ingest", f"{web.base}/trickle?n={i}", user)
            started = time.monotonic()
            bot.event(mention("Where did Putin invite Zelensky for talks?"), event_id="EvFast")
            (reply,) = fake_slack.wait_for("chat.postMessage", timeout=10)
            latency = time.monotonic() - started
            record_property("mention_latency_s", round(latency, 3))
            assert "Moscow" in blocks_text(reply)
            assert latency < 2.0, f"a mention waited {latency:.2f} s behind the fetches"
            bot.settle()
            outcomes = [c["text"] for c in fake_slack.of("response_url")]
            assert len(outcomes) == 5
            assert all("timed out (over 4 s)" in text for text in outcomes), outcomes
        finally:
            bot.stop()


def test_a_full_ingest_queue_says_so(bot: Bot, web: WebFixture) -> None:
    queue = bot.runtime.ingest_queue
    for i in range(queue.per_user):
        bot.command("/ingest", f"{web.base}/slow?n={i}", ALLOWED)
    bot.command("/ingest", f"{web.base}/slow?n=last", ALLOWED)
    bot.settle()
    texts = [c["text"] for c in bot.fake.of("response_url")]
    assert texts.count(QUEUE_FULL) == 1
    assert len(texts) == queue.per_user + 1


def test_an_event_claimed_by_a_crashed_server_is_answered_after_restart(
    slack_env: None, fake_slack: FakeSlack, db_path: Path
) -> None:
    event = mention("Where did Putin invite Zelensky for talks?", ts="1700000900.1")
    body = {"type": "event_callback", "event_id": "EvCrash", "event": event, "team_id": "T1"}
    body["authorizations"] = [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]
    with seeded_engine(db_path) as engine:
        crashed = start_bot(engine, fake_slack, claim_lease=0.5)
        # The crashed server claimed the event and acknowledged it, then died.
        assert crashed.runtime.state.claim("event:EvCrash", body=json.dumps(body))
        crashed.stop()
        restarted = start_bot(engine, fake_slack, claim_lease=0.5)
        try:
            for replay in answer_unfinished(restarted.app, restarted.runtime):
                replay.join(timeout=10)
            (reply,) = fake_slack.wait_for("chat.postMessage", timeout=10)
            assert "Moscow" in blocks_text(reply) and reply["thread_ts"] == "1700000900.1"
            # A late redelivery of the same event is not answered again.
            restarted.event(event, event_id="EvCrash", headers={"X-Slack-Retry-Num": "1"})
            restarted.settle()
            assert len(fake_slack.of("chat.postMessage")) == 1
            assert restarted.runtime.state.unfinished(prefix="event:") == []
        finally:
            restarted.stop()


def _ask_body(question: str, trigger: str, fake_slack: FakeSlack) -> dict[str, str]:
    """A /ask as bolt reads it from Slack's form post."""
    return {
        "token": "legacy",
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/ask",
        "text": question,
        "api_app_id": "A1",
        "response_url": f"{fake_slack.url}/response/{trigger}",
        "trigger_id": trigger,
    }


def test_an_ask_claimed_by_a_crashed_server_is_answered_once_after_restart(
    slack_env: None, fake_slack: FakeSlack, db_path: Path
) -> None:
    """Slash commands were not claimed: a server killed right after the ack never
    answered. Now the /ask is claimed before the ack and answered after a restart,
    while its response_url is valid; one claimed over 29 minutes ago is left."""
    fresh = _ask_body("Where did Putin invite Zelensky for talks?", "trig-fresh", fake_slack)
    stale = _ask_body("How many countries pledged troops?", "trig-stale", fake_slack)
    with seeded_engine(db_path) as engine:
        crashed = start_bot(engine, fake_slack, claim_lease=0.5)
        state = crashed.runtime.state
        # The crashed server claimed both and acknowledged them, then died.
        assert state.claim("command:trig-fresh", body=json.dumps(fresh))
        assert state.claim("command:trig-stale", body=json.dumps(stale))
        state.sql.execute(
            "UPDATE slack_seen SET seen_at = seen_at - ? WHERE key = ?",
            [RESPONSE_URL_SECONDS + 60, "command:trig-stale"],
        )
        crashed.stop()
        restarted = start_bot(engine, fake_slack, claim_lease=0.5)
        try:
            for replay in answer_unfinished(restarted.app, restarted.runtime):
                replay.join(timeout=10)
            restarted.settle()
            (answered,) = fake_slack.of("response_url")
            assert answered["path"] == "/response/trig-fresh"
            assert "Moscow" in blocks_text(answered)
            left = restarted.runtime.state.unfinished(prefix="command:")
            assert [json.loads(body)["trigger_id"] for body in left] == ["trig-stale"]
        finally:
            restarted.stop()


def test_an_ask_is_claimed_before_its_ack_and_answered_once(bot: Bot) -> None:
    response = bot.command("/ask", "Where did Putin invite Zelensky for talks?", "U1")
    assert response.status_code == 200
    bot.settle()
    (answered,) = bot.fake.of("response_url")
    assert "Moscow" in blocks_text(answered)
    (key,) = [
        row["key"]
        for row in bot.runtime.state.sql.rows(
            "SELECT key FROM slack_seen WHERE key LIKE 'command:%' AND done = 1"
        )
    ]
    assert key.startswith("command:trig-")
    assert bot.runtime.state.unfinished(prefix="command:", max_age=3600) == []


def test_log_lines_are_clipped_and_tokens_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.DEBUG, __file__, 1, "body %s", ("xoxb-1-abc " + "a" * 10_000_000,), None
    )
    RedactTokens().filter(record)
    message = record.getMessage()
    assert message.startswith("body xoxb-[redacted] aaa")
    assert len(message) < LOG_LINE_LIMIT + 100


def test_serve_answers_ingests_and_sees_a_cli_ingest_that_runs_beside_it(
    bot: Bot, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1500)
    db = bot.runtime.engine.db_path
    ingest = subprocess.Popen(
        [sys.executable, "-m", "newsbot.bot", "--db", str(db), "ingest", str(corpus)],
        env=no_seeds_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)  # the CLI holds the index's writer lock from here on
        text = (
            "Lighthouse keeper retires\n\nThe last lighthouse keeper on the island retired on "
            "Friday after 40 years, the harbour council said."
        )
        bot.command("/ingest", text, ALLOWED)
        latencies = []
        for i in range(5):
            started = time.monotonic()
            bot.event(
                mention("Where did Putin invite Zelensky for talks?", ts=f"17.{i}"),
                event_id=f"E{i}",
            )
            replies = bot.fake.wait_for("chat.postMessage", i + 1, timeout=10)
            latencies.append(time.monotonic() - started)
            assert "Moscow" in blocks_text(replies[i])
        record_property("mention_latency_during_cli_ingest_s", round(max(latencies), 3))
        assert max(latencies) < 2.0, latencies
        assert ingest.wait(timeout=300) == 0, ingest.stderr.read() if ingest.stderr else ""
        (added,) = bot.fake.wait_for("response_url", timeout=60)
        assert added["text"].startswith("Added #") and "Lighthouse keeper retires" in added["text"]
    finally:
        if ingest.poll() is None:
            ingest.kill()
    # The server sees what the CLI added, without a restart (tantivy's reader
    # follows commits; the deadline is generous).
    engine = bot.runtime.engine
    deadline = time.monotonic() + 10
    while not engine.search("marker1499tag", 1).hits:
        assert time.monotonic() < deadline, "the server never saw the CLI's articles"
        time.sleep(0.2)
    found = engine.answer("When did the last lighthouse keeper retire?")
    assert "40 years" in found.quotes[0].text
    assert engine.count_articles() == 5 + 1500 + 1


def test_a_lone_surrogate_in_a_question_is_answered_once(bot: Bot) -> None:
    # JSON may carry "\ud800" (a lone surrogate), which no UTF-8 text can hold.
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "EvSurrogate",
            "event": mention("How many countries pledged to send troops? \ud800"),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
    ).encode()
    assert b"\\ud800" in body
    assert bot.post(body, "application/json").status_code == 200
    bot.settle()
    replies = bot.fake.of("chat.postMessage")
    assert len(replies) == 1, [blocks_text(r) for r in replies]
    assert "26" in blocks_text(replies[0])


class _Dropped:
    """A listener executor on a server that dies the moment it has acknowledged:
    the listener never runs."""

    def submit(self, *args: object, **kwargs: object) -> None:
        return None

    def shutdown(self, wait: bool = True) -> None:
        return None


def test_an_event_acknowledged_by_a_server_killed_before_its_listener_is_answered(
    slack_env: None, fake_slack: FakeSlack, db_path: Path
) -> None:
    event = mention("Where did Putin invite Zelensky for talks?", ts="1700000950.1")
    with seeded_engine(db_path) as engine:
        killed = start_bot(engine, fake_slack, claim_lease=0.5)
        real = killed.app.listener_runner.listener_executor
        killed.app.listener_runner.listener_executor = _Dropped()  # type: ignore[assignment]
        try:
            assert killed.event(event, event_id="EvKilled").status_code == 200  # acked
        finally:
            killed.app.listener_runner.listener_executor = real
            killed.stop()
        assert fake_slack.of("chat.postMessage") == []
        restarted = start_bot(engine, fake_slack, claim_lease=0.5)
        try:
            for replay in answer_unfinished(restarted.app, restarted.runtime):
                replay.join(timeout=10)
            (reply,) = fake_slack.wait_for("chat.postMessage", timeout=10)
            assert "Moscow" in blocks_text(reply) and reply["thread_ts"] == "1700000950.1"
            assert restarted.runtime.state.unfinished(prefix="event:") == []
        finally:
            restarted.stop()


def test_idle_and_slow_clients_do_not_starve_signed_requests(bot: Bot) -> None:
    host, port = bot.url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(200)]
    slow = socket.create_connection((host, int(port)), timeout=5)
    slow.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 900000\r\n\r\n" + b"{" * 1000  # and nothing more, ever
    )
    try:
        timings = []
        for n in range(3):
            started = time.monotonic()
            response = bot.event(
                mention("How many countries pledged to send troops?", ts=f"17000010{n}.1"),
                event_id=f"EvBusy{n}",
            )
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
        assert max(timings) < 3.0, timings
        bot.settle()
        assert len(bot.fake.of("chat.postMessage")) == 3
    finally:
        for sock in [*idle, slow]:
            sock.close()


def test_answers_do_not_wait_for_an_article_being_read(bot: Bot) -> None:
    # About 5 s of CPU in the reader: speaker rules over 2 MB of "X said. He said."
    hostile = ("John Smith said. He said. " * 80_000).encode()
    bot.runtime.budget = QuestionBudget(Budget(per_user=0, per_channel=0))  # 40 asks
    outcome: list[object] = []
    reader = threading.Thread(
        target=lambda: outcome.append(bot.runtime.ingest_bytes(hostile, "hostile.txt"))
    )
    reader.start()
    timings = []
    try:
        while reader.is_alive() and len(timings) < 40:
            started = time.monotonic()
            response = bot.command("/ask", "How many countries pledged to send troops?", ADMIN)
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(0.1)
    finally:
        reader.join(timeout=120)
    assert len(timings) >= 5, "the article was read too fast to measure anything"
    assert max(timings) < 3.0, timings  # Slack's deadline; in-process this took the whole read
    (done,) = outcome
    assert getattr(done, "status", None) is not None
    bot.settle()
    assert len(bot.fake.of("response_url")) >= len(timings)


def test_an_article_past_the_time_limit_is_one_failed_line_and_nothing_stored(
    bot: Bot,
) -> None:
    runtime = bot.runtime
    before = runtime.engine.count_articles()
    runtime.ingest_limits = IngestLimits(seconds=0.5)
    outcome = runtime.ingest_bytes(("John Smith said. He said. " * 80_000).encode(), "slow.txt")
    assert outcome.status is Status.FAILED
    assert "took longer than 0.5 s" in str(outcome.reason)
    assert runtime.engine.count_articles() == before


def test_healthz_answers_while_a_hostile_signed_megabyte_is_read(bot: Bot) -> None:
    """The Slack endpoint, signed for real: the body is refused (400), and /healthz
    answers meanwhile."""
    body = ('{"type": "event_callback", "a": "' + '\\"' * 524_000).encode()
    done: list[int] = []
    sender = threading.Thread(
        target=lambda: done.append(bot.post(body, "application/json").status_code)
    )
    started = time.monotonic()
    sender.start()
    health = httpx.get(bot.url + "/healthz", timeout=10)
    assert health.status_code == 200 and health.json()["ok"] is True
    sender.join(timeout=30)
    assert done == [400]
    assert time.monotonic() - started < 10.0  # generous: well under a second here
