"""Listeners split by Slack surface, as plain functions; `register` wires them to the app.

Every listener that acknowledges by hand is registered `acknowledged`: it never
raises into bolt (see errors.py). Events are acknowledged by bolt before their
listener runs; their failures reach `handle_error`.
"""

from slack_bolt import App

from newsbot.bot.slack import render
from newsbot.bot.slack.listeners.actions import handle_share, handle_sources_page, handle_vote
from newsbot.bot.slack.listeners.commands import handle_ask, handle_ingest, handle_newsbot
from newsbot.bot.slack.listeners.errors import acknowledged, handle_error
from newsbot.bot.slack.listeners.events import handle_mention, handle_message
from newsbot.bot.slack.listeners.home import handle_home_opened
from newsbot.bot.slack.listeners.shortcuts import (
    ADD_SHORTCUT,
    ASK_SHORTCUT,
    handle_add_shortcut,
    handle_ask_shortcut,
    handle_ask_submission,
)


def register(app: App) -> None:
    app.event("app_mention")(handle_mention)
    app.event("message")(handle_message)
    app.event("app_home_opened")(handle_home_opened)
    app.command("/ask")(acknowledged(handle_ask))
    app.command("/ingest")(acknowledged(handle_ingest))
    app.command("/newsbot")(acknowledged(handle_newsbot))
    app.action(render.SHARE_ACTION)(acknowledged(handle_share))
    app.action(render.SOURCES_ACTION)(acknowledged(handle_sources_page))
    app.action(render.VOTE_ACTION)(acknowledged(handle_vote))
    app.shortcut(ASK_SHORTCUT)(acknowledged(handle_ask_shortcut))
    app.shortcut(ADD_SHORTCUT)(acknowledged(handle_add_shortcut))
    app.view(render.ASK_MODAL)(acknowledged(handle_ask_submission))
    app.error(handle_error)
