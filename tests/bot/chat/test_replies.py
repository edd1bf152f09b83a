"""What every surface tells a user, and the text it reads from one."""

from __future__ import annotations

import sqlite3

from newsbot.bot.chat.replies import readable


def test_lone_surrogates_become_replacement_characters() -> None:
    text = "Who won? \ud800 and \udfff, not 😀"
    clean = readable(text)
    assert clean == "Who won? \ufffd and \ufffd, not 😀"
    clean.encode("utf-8")  # what SQLite and every API does with it: no error
    with sqlite3.connect(":memory:") as db:
        assert db.execute("SELECT ?", [clean]).fetchone()[0] == clean
    assert readable("plain text") == "plain text"
