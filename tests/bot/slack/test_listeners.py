"""Listeners called in-process, with recording ack/respond/client: fast, and exact about text.

The end-to-end path (signed HTTP, bolt's threads, the fake Web API) is in
test_http.py; here each listener function is called as bolt would call it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from newsbot.bot.chat.replies import GENERIC_FAILURE, REFUSED_INGEST
from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.chat.state import ChatState
from newsbot.bot.slack.app import create_app
from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.context import CONFIG_KEY, RUNTIME_KEY
from newsbot.bot.slack.listeners.commands import (
    ASK_USAGE,
    NEWSBOT_USAGE,
    REFUSED_FORGET,
    handle_ask,
    handle_ingest,
    handle_newsbot,
)
from newsbot.bot.slack.listeners.errors import handle_error
from newsbot.bot.slack.listeners.events import HELP, handle_mention, handle_message
from newsbot.bot.slack.server import shutdown
from newsbot.index import Engine, NotFoundError
from tests.bot.slack.conftest import ADMIN, ALLOWED, OTHER, SIGNING_SECRET, blocks_text
from tests.bot.slack.fake_slack import FakeSlack
from tests.conftest import seeded_engine

BOT = "UBOT"
CONFIG = SlackConfig.from_env(
    {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "NEWSBOT_INGEST_USERS": f"{ALLOWED},{ADMIN}",
        "NEWSBOT_ADMINS": ADMIN,
    }
)
LIGHTHOUSE = (
    "Lighthouse keeper retires\n\nThe last lighthouse keeper on the island retired on "
    "Friday after 40 years, the harbour council said. She climbed the 120 steps of the "
    "tower twice a day, kept the lamp burning through every winter storm, and logged "
    "each passing ship by hand in a book that the museum will now keep. The light "
    "itself was automated in 2019, but the council kept her on to look after the "
    "building and to welcome the visitors who come in summer."
)


class Recorder:
    """Stands in for ack, respond and the WebClient; keeps what each was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.token = "xoxb-test"

    def ack(self, **kwargs: Any) -> None:
        self.calls.append(("ack", kwargs))

    def respond(self, **kwargs: Any) -> None:
        self.calls.append(("respond", kwargs))

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("chat.postMessage", kwargs))
        return {"ok": True}

    def of(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]


@pytest.fixture
def runtime(db_path: Path) -> Iterator[Runtime]:
    with seeded_engine(db_path) as engine:
        running = Runtime(engine=engine, state=ChatState(db_path))
        yield running
        running.close()  # before the engine closes under a running ingest job


def _context(runtime: Runtime) -> dict[str, Any]:
    return {RUNTIME_KEY: runtime, CONFIG_KEY: CONFIG, "bot_user_id": BOT}


def _command(rec: Recorder, runtime: Runtime, handler: Any, text: str, user: str) -> None:
    """Call a command listener as bolt would, then wait for any ingest job it queued."""
    command = {"text": text, "user_id": user, "channel_id": "C1"}
    handler(ack=rec.ack, command=command, respond=rec.respond, context=_context(runtime))
    assert runtime.wait_idle(timeout=30)


def test_ask_without_a_question_gets_the_usage(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_ask, "  ", OTHER)
    assert rec.calls == [("ack", {"response_type": "ephemeral", "text": ASK_USAGE})]


def test_ask_answers_privately_with_a_share_button(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_ask, "Where did Putin invite Zelensky for talks?", OTHER)
    assert rec.calls[0] == ("ack", {})
    (reply,) = rec.of("respond")
    assert reply["response_type"] == "ephemeral"
    assert "*invite* me to Moscow" in blocks_text(reply)
    button, up, down = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"]
    assert (up["action_id"], down["action_id"]) == ("vote_up", "vote_down")
    # The button carries an id; the answer as shown is kept under it, to be shared as is.
    kept = runtime.state.shown("slack", button["value"])
    assert kept is not None
    assert kept["blocks"] == [b for b in reply["blocks"] if b["type"] != "actions"]


def test_ingest_text_added_then_duplicate_then_near_duplicate(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_ingest, LIGHTHOUSE, ALLOWED)
    _command(rec, runtime, handle_ingest, LIGHTHOUSE, ALLOWED)
    wire_copy = LIGHTHOUSE.replace("Lighthouse keeper retires", "Keeper leaves the tower")
    _command(rec, runtime, handle_ingest, wire_copy + " (Reporting by the wire.)", ALLOWED)
    added, duplicate, near = (r["text"] for r in rec.of("respond"))
    assert added == "Added #6: *Lighthouse keeper retires* (1 passage)"
    assert duplicate == "Already indexed as #6."
    pattern = r"Not added: (.+) is a near-duplicate of #6 \((\d+)% the same text\)\."
    match = re.fullmatch(pattern, near)
    assert match and match[1] == "slack:/ingest by UALLOWED" and int(match[2]) >= 80, near
    assert [a["text"] for a in rec.of("ack")] == ["Adding the pasted article…"] * 3


def test_ingest_failures_name_the_origin_once(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_ingest, "ftp://example.com/x", ALLOWED)
    _command(rec, runtime, handle_ingest, "Menu Close Top", ALLOWED)
    assert [r["text"] for r in rec.of("respond")] == [
        "Could not add ftp://example.com/x: only http and https links can be fetched.",
        "Could not add slack:/ingest by UALLOWED: no article text left after cleaning.",
    ]
    assert runtime.engine.count_articles() == 5


def test_ingest_is_refused_to_others(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_ingest, LIGHTHOUSE, OTHER)
    assert rec.calls == [("ack", {"response_type": "ephemeral", "text": REFUSED_INGEST})]
    assert runtime.engine.count_articles() == 5


def test_newsbot_sources_forget_and_usage(runtime: Runtime) -> None:
    rec = Recorder()
    _command(rec, runtime, handle_newsbot, "forget 2", ALLOWED)
    _command(rec, runtime, handle_newsbot, "forget two", ADMIN)
    _command(rec, runtime, handle_newsbot, "help", ADMIN)
    assert [a.get("text") for a in rec.of("ack")] == [REFUSED_FORGET, NEWSBOT_USAGE, NEWSBOT_USAGE]
    _command(rec, runtime, handle_newsbot, "forget #2", ADMIN)
    assert rec.of("respond")[-1]["text"].startswith("Forgot #2: ")
    _command(rec, runtime, handle_newsbot, "sources", OTHER)
    listing = blocks_text(rec.of("respond")[-1])
    assert "#1 " in listing and "#2 " not in listing and "#5 " in listing
    _command(rec, runtime, handle_newsbot, "forget 99", ADMIN)  # a refusal, never a raise
    assert rec.calls[-2:] == [
        ("ack", {}),
        (
            "respond",
            {
                "response_type": "ephemeral",
                "text": "No article #99. Run `newsbot sources` to list them.",
            },
        ),
    ]


def test_mention_is_answered_once_in_its_thread(runtime: Runtime) -> None:
    rec = Recorder()
    event = {
        "type": "app_mention",
        "user": OTHER,
        "text": f"<@{BOT}> How many countries pledged to send troops?",
        "ts": "10.0",
        "channel": "C1",
    }
    body = {"event_id": "Ev1", "event": event}
    handle_mention(event=event, body=body, client=rec, context=_context(runtime))
    handle_mention(event=event, body=body, client=rec, context=_context(runtime))  # a retry
    (reply,) = rec.of("chat.postMessage")
    assert (reply["channel"], reply["thread_ts"]) == ("C1", "10.0")
    assert "26 *countries* *pledged*" in blocks_text(reply)
    assert runtime.state.thread_question("C1", "10.0") == (
        "How many countries pledged to send troops?"
    )


def test_empty_mention_gets_help(runtime: Runtime) -> None:
    rec = Recorder()
    event = {"type": "app_mention", "user": OTHER, "text": f"<@{BOT}>", "ts": "11.0"}
    event["channel"] = "C1"
    handle_mention(event=event, body={"event_id": "Ev2"}, client=rec, context=_context(runtime))
    assert rec.of("chat.postMessage") == [{"channel": "C1", "thread_ts": "11.0", "text": HELP}]


def test_follow_up_in_a_thread_uses_its_question(runtime: Runtime) -> None:
    rec = Recorder()
    runtime.state.remember_thread("C1", "20.0", "Which countries offered to host a meeting?")
    event = {
        "type": "message",
        "user": OTHER,
        "text": "and Türkiye?",
        "ts": "21.0",
        "thread_ts": "20.0",
        "channel": "C1",
        "channel_type": "channel",
    }
    handle_message(event=event, body={"event_id": "Ev3"}, client=rec, context=_context(runtime))
    (reply,) = rec.of("chat.postMessage")
    assert reply["thread_ts"] == "20.0"
    assert "Türkiye" in blocks_text(reply)


def test_error_handler_tells_the_user_where_they_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder()
    command_body = {"response_url": "https://hooks.example/r", "command": "/newsbot"}
    refusal = NotFoundError("No article #99. Run `newsbot sources` to list them.", article_id=99)
    handle_error(refusal, command_body, rec, rec.respond)  # type: ignore[arg-type]
    event_body = {"event": {"channel": "C1", "ts": "30.0", "channel_type": "channel"}}
    with caplog.at_level(logging.ERROR):
        handle_error(RuntimeError("disk on fire"), event_body, rec, None)  # type: ignore[arg-type]
    assert rec.calls == [
        (
            "respond",
            {
                "response_type": "ephemeral",
                "text": "No article #99. Run `newsbot sources` to list them.",
                "replace_original": False,
            },
        ),
        ("chat.postMessage", {"channel": "C1", "thread_ts": "30.0", "text": GENERIC_FAILURE}),
    ]
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_dispatch_wires_the_middleware_and_listeners(
    slack_env: None, fake_slack: FakeSlack, db_path: Path
) -> None:
    """bolt's own dispatch, in-process: a signed /ask with no question gets the usage."""
    with Engine(db_path) as engine:
        runtime = Runtime.open(engine)
        app = create_app(runtime, SlackConfig.from_env())
        form = {"command": "/ask", "text": "", "user_id": "U1", "team_id": "T1"}
        form["response_url"] = f"{fake_slack.url}/response/ask"
        body = urlencode(form)
        ts = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        headers = {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [ts],
            "x-slack-signature": [signature],
        }
        response = app.dispatch(BoltRequest(body=body, headers=headers))
        shutdown(app)
        runtime.close()
    assert response.status == 200
    assert json.loads(response.body) == {"response_type": "ephemeral", "text": ASK_USAGE}
    assert fake_slack.of("response_url") == []
