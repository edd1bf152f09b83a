"""Listeners split by Slack surface; each module has `register(app, services)`."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, events
from bot.slack.services import Services


def register_all(app: App, services: Services) -> None:
    events.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
