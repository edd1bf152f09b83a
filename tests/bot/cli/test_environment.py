"""Settings read from the environment: the encoder switch and its spellings."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.bot.cli.environment import engine_environment
from newsbot.index import ConfigError


@pytest.mark.parametrize("value", ["", "1", "on", "YES", " true "])
def test_the_encoder_is_on_unless_switched_off(tmp_path: Path, value: str) -> None:
    env = {"NEWSBOT_ENCODER": value}
    assert engine_environment(env, db_path=tmp_path / "a.db").answer_settings.encoder is True


@pytest.mark.parametrize("value", ["0", "off", "No", "false"])
def test_newsbot_encoder_off_answers_lexically(tmp_path: Path, value: str) -> None:
    env = {"NEWSBOT_ENCODER": value}
    assert engine_environment(env, db_path=tmp_path / "a.db").answer_settings.encoder is False


def test_an_unreadable_switch_is_refused_naming_the_spellings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"NEWSBOT_ENCODER must be 1 or 0 \(on/off") as raised:
        engine_environment({"NEWSBOT_ENCODER": "lexical"}, db_path=tmp_path / "a.db")
    assert raised.value.variable == "NEWSBOT_ENCODER"
    assert "'lexical'" in str(raised.value)
