"""Every setting the code reads is documented in .env.example and the README table."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

_SETTING = re.compile(r"""["']((?:NEWSBOT|SLACK|DISCORD)_[A-Z_]+)["']""")


def _settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        names.update(_SETTING.findall(path.read_text("utf-8")))
    return names


def test_the_code_reads_the_settings_we_expect() -> None:
    names = _settings_read_by_the_code()
    assert {"NEWSBOT_DB", "SLACK_BOT_TOKEN", "DISCORD_PUBLIC_KEY", "NEWSBOT_PORT"} <= names


@pytest.mark.parametrize("name", sorted(_settings_read_by_the_code()))
def test_each_setting_is_documented(name: str) -> None:
    assert re.search(rf"^#? ?{name}=", (ROOT / ".env.example").read_text("utf-8"), re.M), name
    table = [line for line in (ROOT / "README.md").read_text("utf-8").splitlines() if "|" in line]
    assert any(f"`{name}`" in line for line in table), name
