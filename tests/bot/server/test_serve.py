"""`newsbot serve` and `newsbot discord register`, as an operator runs them."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from slack_sdk.signature import SignatureVerifier

from newsbot.bot.cli import cli
from newsbot.bot.discord.commands import COMMANDS
from tests.bot.discord.conftest import option, slash
from tests.bot.discord.fake_discord import (
    APPLICATION_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    PUBLIC_KEY,
    FakeDiscord,
    sign,
    user_message,
)
from tests.bot.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.bot.slack.fake_slack import BOT_USER, FakeSlack
from tests.conftest import ROOT, seeded_engine

TROOPS = "How many countries pledged to send troops?"
SLACK_SECRET = "serve-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_register_overwrites_the_commands_and_lists_them(
    fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
    monkeypatch.setenv("DISCORD_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DISCORD_API_URL", fake_discord.api_url)
    result = CliRunner().invoke(cli, ["discord", "register", "--guild", "600000000000000001"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Registered 6 commands for server 600000000000000001:\n"
        "  /ask (slash command)\n"
        "  /ingest (slash command)\n"
        "  /newsbot (slash command)\n"
        "  /newsbot-admin (slash command)\n"
        "  Ask newsbot (message command)\n"
        "  Add to newsbot (message command)\n"
    )
    (call,) = fake_discord.of("overwrite_guild_commands")
    assert call["path"] == f"/applications/{APPLICATION_ID}/guilds/600000000000000001/commands"
    assert call["auth"] == f"Bot {BOT_TOKEN}"
    assert call["json"] == COMMANDS
    result = CliRunner().invoke(cli, ["discord", "register"])
    assert "for every server (global commands)" in result.output
    assert fake_discord.of("overwrite_global_commands")[0]["json"] == COMMANDS


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DISCORD_PUBLIC_KEY": PUBLIC_KEY}, "DISCORD_BOT_TOKEN is not set"),
        (
            {"DISCORD_BOT_TOKEN": BOT_TOKEN, "DISCORD_API_URL": "http://127.0.0.1:9/api/v10"},
            "Cannot reach Discord at http://127.0.0.1:9/api/v10",
        ),
    ],
)
def test_register_failures_are_one_line(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["discord", "register"])
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert expected in line


def test_serve_with_a_bad_discord_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", "not-a-key")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: DISCORD_PUBLIC_KEY must be the 64 hexadecimal characters of the "
        "application's public key."
    ]


@pytest.mark.parametrize(("flags", "articles"), [([], 0), (["--with-seeds"], 5)])
def test_serve_gives_a_new_database_the_seeds_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flags: list[str], articles: int
) -> None:
    import newsbot.bot.server.serve

    served: list[int] = []
    monkeypatch.setattr(
        newsbot.bot.server.serve,
        "serve",
        lambda engine, plan: served.append(engine.count_articles()),
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "prod.db"), "serve", *flags])
    assert result.exit_code == 0, result.output
    assert served == [articles]
    assert ("First run: indexed 5 bundled seed articles" in result.stderr) == bool(articles)


def test_serve_runs_slack_and_discord_in_one_process(
    fake_discord: FakeDiscord, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "NEWSBOT_DB": str(tmp_path / "serve.db"),
        "NEWSBOT_HOST": "127.0.0.1",
        "NEWSBOT_PORT": str(port),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DISCORD_APPLICATION_ID": APPLICATION_ID,
        "DISCORD_PUBLIC_KEY": PUBLIC_KEY,
        "DISCORD_BOT_TOKEN": BOT_TOKEN,
        "DISCORD_API_URL": fake_discord.api_url,
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbot.bot", "serve", "--with-seeds"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/healthz", timeout=1).json()["articles"] == 5:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "newsbot serve did not start"
            time.sleep(0.2)

        # Discord over HTTP: a signed /ask.
        body = json.dumps(slash("ask", [option("question", TROOPS)])).encode()
        ts = str(int(time.time()))
        headers = {"X-Signature-Ed25519": sign(body, ts), "X-Signature-Timestamp": ts}
        answer = httpx.post(base + "/discord/interactions", content=body, headers=headers)
        assert answer.status_code == 200
        assert answer.json()["data"]["content"].startswith(f"**Q:** {TROOPS}")

        # Slack over HTTP: a signed @mention, answered through the fake Web API.
        event = {
            "type": "event_callback",
            "event_id": "EvServe",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {
                "type": "app_mention",
                "user": "UOTHER",
                "text": f"<@{BOT_USER}> {TROOPS}",
                "ts": "1700000000.000100",
                "channel": "C1",
            },
        }
        slack_body = json.dumps(event)
        slack_sig = SignatureVerifier(SLACK_SECRET).generate_signature(
            timestamp=ts, body=slack_body
        )
        slack = httpx.post(
            base + "/slack/events",
            content=slack_body,
            headers={
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": slack_sig,
            },
        )
        assert slack.status_code == 200
        (posted,) = fake_slack.wait_for("chat.postMessage")
        assert "26 of Ukraine" in json.dumps(posted, ensure_ascii=False)

        # Discord's gateway: an @mention answered in a thread.
        fake_discord.wait_for_op(2, timeout=30)  # IDENTIFY
        deadline = time.monotonic() + 30
        while not fake_discord.dispatched["READY"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        mention = user_message(f"<@{BOT_USER_ID}> {TROOPS}", message_id="810000000000000001")
        fake_discord.dispatch("MESSAGE_CREATE", mention)
        fake_discord.wait_for("start_thread", timeout=30)
        (reply,) = fake_discord.wait_for("create_message", timeout=30)
        assert reply["json"]["content"].startswith(f"**Q:** {TROOPS}")
    finally:
        process.send_signal(signal.SIGTERM)  # what a service manager sends
        try:
            exit_code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
    output = (tmp_path / "serve.log").read_text()
    assert exit_code == 0, output  # a clean stop: answers in progress finished
    assert "stopping: finishing the answers and ingests in progress" in output
    assert "serving /discord/interactions, /healthz, /slack/events on http://127.0.0.1" in output
    assert BOT_TOKEN not in output and SLACK_TOKEN not in output


def test_the_working_directorys_env_file_is_read(tmp_path: Path) -> None:
    """`.env` beside the operator, not beside the installed package; the environment wins."""
    (tmp_path / ".env").write_text(
        f"NEWSBOT_DB={tmp_path / 'from-dotenv.db'}\nDISCORD_APPLICATION_ID=not-an-id\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "newsbot.bot", "sources"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "from-dotenv.db").exists()
    register = subprocess.run(
        [sys.executable, "-m", "newsbot.bot", "discord", "register"],
        env={**env, "DISCORD_APPLICATION_ID": "112233445566778899"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert register.returncode == 1
    assert register.stderr.startswith("Error: Discord needs DISCORD_PUBLIC_KEY")


def test_serve_on_a_port_in_use_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DISCORD_APPLICATION_ID", APPLICATION_ID)
        monkeypatch.setenv("DISCORD_PUBLIC_KEY", PUBLIC_KEY)
        monkeypatch.setenv("NEWSBOT_HOST", "127.0.0.1")
        monkeypatch.setenv("NEWSBOT_PORT", str(port))
        before = signal.getsignal(signal.SIGTERM)
        result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    # serve put back the SIGTERM handler it replaced: a process that goes on (this
    # one) keeps its own, and forks no worker with serve's.
    assert signal.getsignal(signal.SIGTERM) is before
    lines = [line for line in result.stderr.splitlines() if not line.startswith("First run")]
    assert lines == [
        f"Error: Cannot listen on 127.0.0.1:{port} (Address already in use). "
        "Set NEWSBOT_HOST and NEWSBOT_PORT."
    ]


def test_serve_in_socket_mode_answers_healthz_and_logs_each_answer(
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import newsbot.bot.server.serve as serving
    import newsbot.bot.slack.server as slack_server

    connected: list[str] = []
    socket_up = threading.Event()
    socket_up.set()

    class Handler:  # what start_socket_mode returns: its client says whether it is connected
        client = types.SimpleNamespace(is_connected=socket_up.is_set)

    def start(app: object, runtime: object, token: str) -> Handler:
        connected.append(token)
        return Handler()

    monkeypatch.setattr(slack_server, "start_socket_mode", start)
    port = _free_port()
    plan = serving.ServePlan.from_env(
        {
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_APP_TOKEN": "xapp-1-socket",
            "SLACK_API_URL": fake_slack.api_url,
            "NEWSBOT_HOST": "127.0.0.1",
            "NEWSBOT_PORT": str(port),
        }
    )
    stop = threading.Event()
    with seeded_engine(tmp_path / "s.db") as engine:
        thread = threading.Thread(target=serving.serve, args=(engine, plan), kwargs={"stop": stop})
        thread.start()
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, "no /healthz in Socket Mode"
                    time.sleep(0.1)
            assert health.status_code == 200
            assert health.json() == {
                "ok": True,
                "articles": 5,
                "connections": {"slack_socket_mode": "connected"},
            }
            assert connected == ["xapp-1-socket"]
            socket_up.clear()  # the websocket dropped: the port answers, Slack cannot reach us
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            assert health.status_code == 503
            assert health.json()["connections"] == {"slack_socket_mode": "down"}
            assert health.json()["ok"] is False
            # No /slack/events in Socket Mode: only the health check listens.
            assert httpx.post(f"http://127.0.0.1:{port}/slack/events", timeout=5).status_code == 404
        finally:
            stop.set()
            thread.join(timeout=30)
    assert not thread.is_alive()


def test_one_json_log_line_per_answer_with_its_surface(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsbot.bot.chat.runtime import Question, Runtime
    from newsbot.bot.server.logs import configure_logging

    configure_logging(level=logging.WARNING, json_lines=True)
    logging.getLogger("newsbot").setLevel(logging.INFO)
    try:
        with seeded_engine(db_path) as engine:
            runtime = Runtime.open(engine)
            runtime.ask(Question("discord", "How many countries pledged to send troops?"))
            runtime.close()
    finally:
        logging.getLogger("newsbot").setLevel(logging.NOTSET)
        logging.getLogger().handlers = []
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    (entry,) = [e for e in lines if e.get("surface")]
    assert entry["surface"] == "discord" and entry["confidence"] == "high"
    assert entry["quotes"] >= 1 and entry["abstained"] is False and entry["latency_ms"] > 0
    assert entry["time"].endswith("+00:00") and "T" in entry["time"]
    assert "troops" not in json.dumps(entry)  # the question is not logged


def test_verbose_logs_what_ask_and_ingest_did_with_timestamps(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    asked = CliRunner().invoke(
        cli, ["--db", str(db), "-v", "ask", "Where did Putin invite Zelensky?"]
    )
    assert asked.exit_code == 0
    (line,) = [entry for entry in asked.stderr.splitlines() if "answered in" in entry]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} DEBUG newsbot\.index\.engine: ", line)
    story = tmp_path / "story.txt"
    story.write_text("Harbour reopens\n\nThe harbour reopened on Monday after the storm.")
    ingested = CliRunner().invoke(cli, ["--db", str(db), "-v", "ingest", str(story)])
    assert any(f"{story}: added" in entry for entry in ingested.stderr.splitlines())


def test_the_default_collections_and_the_budget_come_from_the_environment() -> None:
    from newsbot.bot.chat.budget import Budget
    from newsbot.bot.server.serve import ServePlan
    from newsbot.index import ConfigError

    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    plan = ServePlan.from_env(
        {
            **base,
            "NEWSBOT_DEFAULT_COLLECTIONS": " Ukraine, world ",
            "NEWSBOT_QUESTIONS_PER_USER": "5",
            "NEWSBOT_QUESTIONS_PER_CHANNEL": "0",
        }
    )
    assert plan.default_scope == "ukraine,world"
    assert plan.budget == Budget(per_user=5, per_channel=0)
    assert ServePlan.from_env(base).budget == Budget(per_user=20, per_channel=60)
    with pytest.raises(ConfigError) as bad:
        ServePlan.from_env({**base, "NEWSBOT_DEFAULT_COLLECTIONS": "not a name!"})
    assert bad.value.variable == "NEWSBOT_DEFAULT_COLLECTIONS"
    with pytest.raises(ConfigError, match="NEWSBOT_QUESTIONS_PER_USER"):
        ServePlan.from_env({**base, "NEWSBOT_QUESTIONS_PER_USER": "-1"})
