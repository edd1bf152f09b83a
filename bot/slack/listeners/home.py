"""The App Home tab: admins read what nobody could answer; everyone else, how to ask."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from newsbot.bot.slack import render
from newsbot.bot.slack.context import config_of, runtime_of

GAPS_SHOWN = 15
NEWEST_SHOWN = 10


def handle_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    if event.get("tab") != "home":
        return  # the Messages tab is the DM itself
    user = str(event.get("user"))
    admin = config_of(context).admins.allows(user)
    home = runtime_of(context).home(admin=admin, gaps=GAPS_SHOWN, newest=NEWEST_SHOWN)
    client.views_publish(user_id=user, view=render.home_view(admin=admin, home=home))
