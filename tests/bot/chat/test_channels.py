"""Channel settings as admins type them."""

from __future__ import annotations

import pytest

from newsbot.bot.chat.channels import AnswerMode, ChannelSettings, answer_mode, stored_scope
from newsbot.index import CollectionError, ConfigError


def test_scopes_as_typed() -> None:
    assert stored_scope(" Ukraine , world ") == "ukraine,world"
    assert stored_scope("ALL") == "all"
    assert stored_scope("default") is None
    with pytest.raises(CollectionError):
        stored_scope("bad name!")
    with pytest.raises(ConfigError, match="Name the collections"):
        stored_scope(" , ")


def test_modes_as_typed() -> None:
    assert answer_mode(" Questions ") is AnswerMode.QUESTIONS
    with pytest.raises(ConfigError, match="“loud” is not a way to answer"):
        answer_mode("loud")


def test_a_channel_describes_itself() -> None:
    assert ChannelSettings().describe(None) == (
        "This channel answers from the default collections (every article) and answers @mentions."
    )
    scoped = ChannelSettings("ukraine,world", AnswerMode.SILENT)
    assert scoped.describe("local") == (
        "This channel answers from collections ukraine, world and answers only /ask."
    )
    assert (
        ChannelSettings(None, AnswerMode.QUESTIONS)
        .describe("local")
        .startswith("This channel answers from the default collections (collection local)")
    )
