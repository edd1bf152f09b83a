"""Interactivity: the "Share in channel" button under a private /ask answer."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from newsbot.bot.slack import render
from newsbot.bot.slack.services import services_of


def handle_share(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: dict[str, Any],
) -> None:
    ack()
    services = services_of(context)
    question = str(json.loads(action.get("value") or "{}")["q"])
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    answer = services.runtime.answer(question, surface="slack")
    user = body.get("user", {}).get("id")
    preface = f"Shared by <@{user}> via /ask" if user else None
    message = render.answer_message(answer, preface=preface)
    client.chat_postMessage(channel=channel, unfurl_links=False, **message)
    respond(delete_original=True)
