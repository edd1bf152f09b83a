"""What every Slack listener needs: the engine, the settings, the Slack state, and helpers.

The engine's SQLite connection is not safe to share between bolt's worker
threads, so every engine call goes through `Services.call`, under one lock.
Answers take milliseconds; the lock is never held across a network fetch.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.slack.config import SlackConfig
from bot.slack.state import SlackState
from index.engine import Engine

T = TypeVar("T")

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<[!#@][^>]*>")

OPT_OUT_PREFIX = "//"
GENERIC_FAILURE = "Sorry, something went wrong on my side. It has been logged."


def plain_text(slack_text: str) -> str:
    """A user's message as plain text: mentions dropped, links unwrapped, entities decoded."""
    text = _MENTION.sub(" ", slack_text)
    text = _LINK.sub(r"\1", text)
    text = _SPECIAL.sub(" ", text)
    return " ".join(html.unescape(text).split())


@dataclass
class Services:
    engine: Engine
    config: SlackConfig
    state: SlackState
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("newsbot.slack"))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an engine call under the engine lock."""
        with self._lock:
            return fn(*args, **kwargs)
