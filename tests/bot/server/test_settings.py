"""The one settings reader: every setting is trimmed, parsed and refused alike."""

from __future__ import annotations

import pytest

from newsbot.bot.server.settings import Env
from newsbot.index import ConfigError


def test_text_is_trimmed_and_blank_is_unset() -> None:
    read = Env({"A": "  x  ", "B": "   "})
    assert read.text("A") == "x"
    assert read.text("B") is None and read.text("C") is None
    assert read.present("C", "A") and not read.present("B", "C")


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("ON", True), (" yes ", True), ("0", False), ("off", False)]
)
def test_flags_read_every_spelling(raw: str, expected: bool) -> None:
    assert Env({"F": raw}).flag("F") is expected


def test_flags_default_when_unset_and_refuse_anything_else() -> None:
    assert Env({}).flag("F", default=True) is True
    with pytest.raises(ConfigError, match=r"F must be 1 or 0 \(on/off") as refused:
        Env({"F": "maybe"}).flag("F")
    assert refused.value.variable == "F"


def test_numbers_are_bounded() -> None:
    read = Env({"N": "70000", "M": "-1", "K": " 8 "})
    assert read.number("K", 3, 1, 10, "a count") == 8
    assert read.number("UNSET", 3, 1, 10, "a count") == 3
    for name in ("N", "M"):
        with pytest.raises(ConfigError, match=rf"{name} must be a port number \(1-65535\)"):
            read.number(name, 3000, 1, 65535, "a port number")


def test_choices_and_urls() -> None:
    assert Env({"C": "JSON"}).choice("C", ("text", "json"), "text") == "json"
    assert Env({}).choice("C", ("text", "json"), "text") == "text"
    with pytest.raises(ConfigError, match="C must be text or json, not 'xml'"):
        Env({"C": "xml"}).choice("C", ("text", "json"), "text")
    assert Env({}).url("U", "https://slack.com/api/") == "https://slack.com/api/"
    for bad in ("ftp://x", "localhost:3000", "https://"):
        with pytest.raises(ConfigError, match="U must be an http"):
            Env({"U": bad}).url("U", "https://x")
