"""What every Slack listener reads from its request's context: the shared chat runtime
and the Slack settings, put there by the app's middleware (app.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.slack.config import SlackConfig

RUNTIME_KEY = "newsbot_runtime"
CONFIG_KEY = "newsbot_slack_config"


def runtime_of(context: Mapping[str, Any]) -> Runtime:
    runtime = context.get(RUNTIME_KEY)
    if not isinstance(runtime, Runtime):
        raise TypeError("the newsbot middleware did not run for this request")
    return runtime


def config_of(context: Mapping[str, Any]) -> SlackConfig:
    config = context.get(CONFIG_KEY)
    if not isinstance(config, SlackConfig):
        raise TypeError("the newsbot middleware did not run for this request")
    return config
