"""The REST client: retries on 429 and 5xx, typed refusals, no token in messages."""

from __future__ import annotations

import pytest

from newsbot.bot.discord.rest import DiscordAPI, DiscordAPIError
from tests.bot.discord.fake_discord import APPLICATION_ID, BOT_TOKEN, FakeDiscord


def test_429_is_waited_out_then_retried(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit["create_message"] = 2
    api = DiscordAPI(fake_discord.api_url, bot_token=BOT_TOKEN)
    sent = api.create_message("1", {"content": "hi"})
    assert sent["content"] == "hi"
    calls = fake_discord.of("create_message")
    assert [c["status"] for c in calls] == [429, 429, 200]
    assert calls[2]["at"] - calls[0]["at"] >= 0.4
    assert calls[2]["user_agent"].startswith("DiscordBot (")
    api.close()


def test_429_past_the_retries_is_a_refusal(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limit["edit_original"] = 5
    api = DiscordAPI(fake_discord.api_url, max_retries=1)
    with pytest.raises(DiscordAPIError) as info:
        api.edit_original(APPLICATION_ID, "secret-interaction-token", {"content": "x"})
    assert info.value.status == 429
    assert "secret-interaction-token" not in str(info.value)
    assert info.value.route == f"/webhooks/{APPLICATION_ID}/[token]/messages/@original"
    assert len(fake_discord.of("edit_original")) == 2
    api.close()


def test_a_refusal_carries_discords_code(fake_discord: FakeDiscord) -> None:
    fake_discord.thread_refusals["9"] = 400
    api = DiscordAPI(fake_discord.api_url, bot_token=BOT_TOKEN)
    with pytest.raises(DiscordAPIError) as info:
        api.start_thread("1", "9", "x" * 300)
    assert (info.value.status, info.value.code) == (400, 50024)
    assert "Cannot execute action on this channel type" in str(info.value)
    thread_name = fake_discord.of("start_thread")[0]["json"]["name"]
    assert len(thread_name) == 100  # Discord's limit for thread names
    api.close()


def test_bad_settings() -> None:
    with pytest.raises(ValueError):
        DiscordAPI("http://127.0.0.1:9", max_retries=-1)


def test_an_api_that_echoes_the_token_never_puts_it_in_the_error() -> None:
    """An API (or a proxy in front of it) that echoes the request's headers in its
    refusal: the message names the refusal, never the bot token."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_PUT(self) -> None:
            said = f"401: Unauthorized. You sent Authorization: {self.headers['Authorization']}"
            body = json.dumps({"message": said + " " * 5000 + "end", "code": 0}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "not-shaped-like-a-discord-token-but-secret"
    api = DiscordAPI(f"http://127.0.0.1:{server.server_address[1]}", bot_token=token)
    try:
        with pytest.raises(DiscordAPIError) as info:
            api.overwrite_commands(APPLICATION_ID, [])
    finally:
        api.close()
        server.shutdown()
        server.server_close()
    text = str(info.value)
    assert token not in text
    assert "401: Unauthorized. You sent Authorization: Bot [redacted]" in text
    assert len(text) < 500 and text.endswith("…")
