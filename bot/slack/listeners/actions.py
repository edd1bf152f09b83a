"""Interactivity: the "Share in channel" button under a private /ask answer."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack import render
from bot.slack.services import GENERIC_FAILURE, Services


def register(app: App, services: Services) -> None:
    @app.action(render.SHARE_ACTION)
    def share(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            question = str(value["q"])
            k = int(value.get("k", 3))
            channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
                "channel_id"
            )
            answer = services.call(services.engine.answer, question, k)
            user = body.get("user", {}).get("id")
            preface = f"Shared by <@{user}> via /ask" if user else None
            message = render.answer_message(answer, preface=preface)
            client.chat_postMessage(channel=channel, unfurl_links=False, **message)
            respond(delete_original=True)
        except (KeyError, ValueError, TypeError):
            services.logger.exception("malformed share button payload")
            respond(response_type="ephemeral", text=GENERIC_FAILURE, replace_original=False)
        except Exception:
            services.logger.exception("sharing an answer failed")
            respond(response_type="ephemeral", text=GENERIC_FAILURE, replace_original=False)
