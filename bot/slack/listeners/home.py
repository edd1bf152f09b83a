"""The App Home tab: admins read what nobody could answer; everyone else, how to ask."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from newsbot.bot.slack import render
from newsbot.bot.slack.services import services_of

GAPS_SHOWN = 15
NEWEST_SHOWN = 10


def handle_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
    if event.get("tab") != "home":
        return  # the Messages tab is the DM itself
    services = services_of(context)
    user = str(event.get("user"))
    admin = services.config.admins.allows(user)
    engine = services.engine
    total = services.call(engine.count_articles)
    gaps = services.call(engine.gaps, GAPS_SHOWN) if admin else []
    collections = services.call(engine.collections) if admin else {}
    newest: list = []
    if admin and total:
        newest = services.call(
            engine.sources, offset=max(0, total - NEWEST_SHOWN), limit=NEWEST_SHOWN
        )[::-1]
    view = render.home_view(
        admin=admin, gaps=gaps, collections=collections, newest=newest, total=total
    )
    client.views_publish(user_id=user, view=view)
