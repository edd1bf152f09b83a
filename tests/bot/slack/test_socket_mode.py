"""Socket Mode: the same listeners, reached through bolt's Socket Mode handler."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.slack.app import create_app
from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.server import shutdown
from tests.bot.slack.conftest import blocks_text, mention
from tests.bot.slack.fake_slack import BOT_USER, FakeSlack
from tests.conftest import seeded_engine


class RecordingSocketClient:
    """Stands in for the websocket: records the acknowledgements bolt sends back."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger
        self.responses: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


def test_socket_mode_event_reaches_the_same_listeners(
    slack_env: None, fake_slack: FakeSlack, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    config = SlackConfig.from_env()
    assert config.socket_mode
    with seeded_engine(db_path) as engine:
        runtime = Runtime.open(engine)
        app = create_app(runtime, config)
        handler = SocketModeHandler(app, config.app_token)
        client = RecordingSocketClient(handler.client.logger)
        envelope = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "EvSocket",
            "event_time": int(time.time()),
            "event": mention("Where did Putin invite Zelensky for talks?"),
            "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}],
        }
        request = SocketModeRequest(type="events_api", envelope_id="env-1", payload=envelope)
        handler.handle(client, request)  # type: ignore[arg-type]
        (reply,) = fake_slack.wait_for("chat.postMessage")
        assert "Moscow" in blocks_text(reply)
        assert [r.envelope_id for r in client.responses] == ["env-1"]
        command = SocketModeRequest(
            type="slash_commands",
            envelope_id="env-2",
            payload={
                "command": "/newsbot",
                "text": "help",
                "user_id": "UOTHER",
                "team_id": "T1",
                "channel_id": "C1",
                "api_app_id": "A1",
                "response_url": f"{fake_slack.url}/response/x",
                "trigger_id": "t",
            },
        )
        handler.handle(client, command)  # type: ignore[arg-type]
        ack = client.responses[-1]
        assert ack.envelope_id == "env-2"
        assert "Usage" in json.dumps(ack.payload)
        shutdown(app)
        runtime.close()
