import logging
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.bot.cli import cli
from newsbot.bot.server.logs import RedactTokens
from newsbot.bot.slack.config import Allowlist, ConfigError, SlackConfig

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_defaults() -> None:
    config = SlackConfig.from_env(GOOD)
    assert config.api_url == "https://slack.com/api/"
    assert not config.socket_mode
    assert not config.ingest_users.allows("U1")  # empty means nobody
    assert not config.admins.allows("U1")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({**GOOD, "SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({**GOOD, "NEWSBOT_INGEST_USERS": "U1,bob"}, "NEWSBOT_INGEST_USERS"),
        ({**GOOD, "NEWSBOT_ADMINS": "*,U1"}, "NEWSBOT_ADMINS"),
    ],
)
def test_bad_configuration_names_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable) as info:
        SlackConfig.from_env(env)
    assert "\n" not in str(info.value)


def test_allowlists() -> None:
    assert Allowlist.parse("X", "*").allows("UANY")
    users = Allowlist.parse("X", "U1, W2")
    assert users.allows("U1") and users.allows("W2") and not users.allows("U3")
    assert not users.allows(None)


def test_api_url_gets_a_trailing_slash() -> None:
    config = SlackConfig.from_env({**GOOD, "SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert config.api_url == "http://127.0.0.1:9/api/"


def test_serve_stops_with_one_line_naming_the_variable() -> None:
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "Nothing to serve: set SLACK_BOT_TOKEN (Slack) or DISCORD_APPLICATION_ID" in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_tokens_never_reach_a_log_line() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token %s and %s", ("xoxb-123-abc", "xapp-1-Z"), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == "token xoxb-[redacted] and xapp-[redacted]"


def test_serve_with_an_unreachable_slack_api_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{port}/api/")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "serve"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    (line,) = [line for line in lines if line.strip() and not line.startswith("First run:")]
    assert line.startswith(f"Error: Cannot reach Slack at http://127.0.0.1:{port}/api/ (")
