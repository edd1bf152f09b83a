"""The one HTTP server: its settings, and what it does with idle clients."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import pytest
from waitress.buffers import OverflowableBuffer

from newsbot.bot.server.http import ServerConfig, create_server, respond_json
from newsbot.index import ConfigError


def test_settings_come_from_the_environment_with_safe_defaults() -> None:
    assert ServerConfig.from_env({}) == ServerConfig(
        host="0.0.0.0", port=3000, connections=1000, idle_timeout=15
    )
    config = ServerConfig.from_env(
        {
            "NEWSBOT_PORT": "8080",
            "NEWSBOT_HTTP_CONNECTIONS": "5000",
            "NEWSBOT_HTTP_IDLE_TIMEOUT": "5",
            "NEWSBOT_HTTP_BODY_BUDGET_MB": "16",
        }
    )
    assert (config.port, config.connections, config.idle_timeout) == (8080, 5000, 5)
    assert config.body_budget_mb == 16 and ServerConfig().body_budget_mb == 64


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSBOT_PORT", "99999"),
        ("NEWSBOT_HTTP_CONNECTIONS", "lots"),
        ("NEWSBOT_HTTP_IDLE_TIMEOUT", "0"),
        ("NEWSBOT_HTTP_BODY_BUDGET_MB", "1"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name) as info:
        ServerConfig.from_env({name: value})
    assert info.value.variable == name
    assert "\n" not in str(info.value)


def test_an_idle_connection_is_closed_and_its_place_freed() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return respond_json(start_response, "200 OK", {"ok": True})

    server = create_server(app, ServerConfig(host="127.0.0.1", port=0, idle_timeout=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        idle = socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
        idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # headers begun, never finished
        started = time.monotonic()
        assert idle.recv(1) == b""  # closed by the server
        assert time.monotonic() - started < 8.0
    finally:
        server.close()


def test_bodies_in_progress_stay_in_memory_within_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forty clients each send 900 KB of a 1 MB body and wait. Before, each body past
    512 KB went to a temporary file (and nothing bounded them); now none does, at most
    the budget is held, the rest are closed, and a small request is still answered."""
    spilled: list[object] = []
    spill = OverflowableBuffer._set_large_buffer

    def counted(buffer: OverflowableBuffer) -> None:
        spilled.append(buffer)
        spill(buffer)

    monkeypatch.setattr(OverflowableBuffer, "_set_large_buffer", counted)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        size = len(environ["wsgi.input"].read())
        return respond_json(start_response, "200 OK", {"ok": True, "size": size})

    config = ServerConfig(host="127.0.0.1", port=0, idle_timeout=30, body_budget_mb=8)
    server = create_server(app, config)
    threading.Thread(target=server.run, daemon=True).start()
    clients: list[socket.socket] = []
    try:
        head = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
        for _ in range(40):
            client = socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
            client.sendall(head)
            with contextlib.suppress(OSError):  # closed for the budget mid-send
                client.sendall(b"x" * 900_000)
            clients.append(client)
        deadline = time.monotonic() + 10
        while server.body_budget.closed < 40 - 9 and time.monotonic() < deadline:
            time.sleep(0.05)
        budget = server.body_budget
        assert spilled == []
        assert budget.held <= budget.limit == 8 * 1024 * 1024
        assert budget.held > 6 * 900_000  # the budget is used, not refused early
        assert budget.closed >= 40 - 9  # at most 9 bodies of 900 KB fit in 8 MB
        small = socket.create_connection(("127.0.0.1", server.effective_port), timeout=10)
        small.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        response = b""
        while b"}" not in response:  # headers and body may come in separate reads
            chunk = small.recv(4096)
            assert chunk, response
            response += chunk
        assert b'"size": 2' in response
        small.close()
    finally:
        for client in clients:
            client.close()
        server.close()


def test_json_nested_past_the_limit_is_refused_before_parsing() -> None:
    from newsbot.bot.server.http import MAX_JSON_DEPTH, json_depth, json_object

    assert json_depth('{"a": "[[[[\\"[[", "b": [[1]]}') == 3  # brackets in strings do not count
    assert json_object("[" * 100_000 + "]" * 100_000) is None
    deep = '{"a": ' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH
    assert json_object(deep) is not None
    assert json_object('{"x": ' + deep + "}") is None
    assert json_object(b'{"text": "caf\xc3\xa9"}') == {"text": "café"}
    assert json_object(b"\xff{}") is None


# Bodies at the 1 MB cap that made the old depth check quadratic: an unclosed string of
# \" (12.7 s at 40 KB, about 45 minutes at 1 MB), one ending in a lone backslash, and
# the other worst cases for a one-pass reader.
HOSTILE_BODIES = {
    "escaped-quotes": '{"type": "event_callback", "a": "' + '\\"' * 524_000,
    "lone-backslash": '{"a": "' + '\\"' * 524_000 + "\\",
    "brackets": "[" * 1_048_000,
    "quotes": '"' * 1_048_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_the_depth_check_reads_a_hostile_megabyte_in_one_pass(name: str) -> None:
    from newsbot.bot.server.http import json_depth, json_object

    body = HOSTILE_BODIES[name]
    started = time.monotonic()
    json_depth(body)
    assert json_object(body.encode()) is None
    # A generous safety bound: about 0.1-0.3 s here; the old check took minutes.
    assert time.monotonic() - started < 5.0
