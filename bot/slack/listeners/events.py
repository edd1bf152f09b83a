"""Events API: @mentions, DMs, follow-ups in threads newsbot answered, files shared in DMs.

Whether to answer is decided by `routing` (pure rules); these functions turn
the event into the runtime's calls (claim once, ask) and post what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from newsbot.bot.chat.channels import ChannelSettings
from newsbot.bot.chat.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.chat.runtime import Question, Refusal
from newsbot.bot.slack import render
from newsbot.bot.slack.context import config_of, runtime_of
from newsbot.bot.slack.files import download_shared_file
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.routing import Action, Reply, route_mention, route_message
from newsbot.index import IngestError, IngestOutcome

HELP = (
    "Ask me a question about the articles I know, e.g. “How many countries pledged to send troops?”"
)


def handle_mention(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    runtime = runtime_of(context)
    settings = runtime.channel("slack", str(event.get("channel")))
    reply = route_mention(event, runtime.topic(conversation(event)), settings.mode)
    _reply_once(context, client, body, event, reply, settings)


def handle_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    runtime = runtime_of(context)
    settings = runtime.channel("slack", str(event.get("channel")))
    reply = route_message(
        event,
        bot_user_id=context.get("bot_user_id"),
        thread_question=runtime.topic(conversation(event)),
        mode=settings.mode,
    )
    _reply_once(context, client, body, event, reply, settings)


DM_MARK = "dm"  # a DM's own conversation, outside any thread, keeps its context here


def conversation(event: dict[str, Any]) -> tuple[str, str] | None:
    """Where a message's conversation keeps its topic: its thread, or a DM itself."""
    if event.get("thread_ts"):
        return str(event.get("channel")), str(event["thread_ts"])
    if event.get("channel_type") == "im":
        return str(event.get("channel")), DM_MARK
    return None


EVENT_CLAIMED = "newsbot_event_claimed"  # in the context: this delivery claimed its event
ANSWERED_EVENTS = ("app_mention", "message")  # the events these listeners take


CLAIMED_COMMANDS = ("/ask",)  # answered by response_url after the ack: claimed too


def _event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"event:{event_id}" if isinstance(event_id, str) else None


def command_key(body: dict[str, Any]) -> str | None:
    """A claimed command's key: Slack gives each invocation its own trigger_id."""
    trigger = body.get("trigger_id")
    if body.get("command") in CLAIMED_COMMANDS and isinstance(trigger, str) and trigger:
        return f"command:{trigger}"
    return None


def claim_before_ack(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> None:
    """Middleware: claim an event or an /ask, with its body, before bolt acknowledges it.

    Slack never resends a delivery it had a 200 for, so a newsbot killed between the
    acknowledgement and the listener's own work would lose it; claimed here, in the
    request's thread before the response, a restarted newsbot finds it unfinished
    and answers it (`server.answer_unfinished`). The listener reads the outcome.
    """
    event_key = _event_key(body)
    key = command_key(body) or (
        event_key if (body.get("event") or {}).get("type") in ANSWERED_EVENTS else None
    )
    if key is not None:
        context[EVENT_CLAIMED] = runtime_of(context).claim(key, body=json.dumps(body))
    next()


def _reply_once(
    context: dict[str, Any],
    client: WebClient,
    body: dict[str, Any],
    event: dict[str, Any],
    reply: Reply | None,
    settings: ChannelSettings,
) -> None:
    """Perform `reply` once, whatever other deliveries of the event (Slack's retries) or
    of the message (one DM arrives as app_mention and as message.im) there are."""
    runtime = runtime_of(context)
    key = _event_key(body)
    claimed = {key: context[EVENT_CLAIMED]} if key and EVENT_CLAIMED in context else {}
    if reply is None:
        if claimed.get(key):
            runtime.finish(key)  # claimed, nothing to answer
        return
    # The same user message reaches us as app_mention and as message.im: one key for both.
    keys = [k for k in (key, f"message:{event.get('channel')}:{event.get('ts')}") if k]
    claim = runtime.claim_once(keys, body=body, claimed=claimed)
    if claim is None:
        return  # another delivery answers it
    with claim:
        _perform(context, client, reply, event, settings)


def _perform(
    context: dict[str, Any],
    client: WebClient,
    reply: Reply,
    event: dict[str, Any],
    settings: ChannelSettings,
) -> None:
    match reply.action:
        case Action.HELP:
            client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts, text=HELP)
        case Action.ANSWER:
            user = event.get("user")
            where = (reply.channel, reply.thread_ts or DM_MARK)
            question = Question(
                "slack",
                reply.question,
                user=user,
                channel=reply.channel,
                conversation=where,
                context=reply.context,
                settings=settings,
            )
            asked = runtime_of(context).ask(question)
            if isinstance(asked, Refusal):  # one private line, nothing answered
                client.chat_postEphemeral(
                    channel=reply.channel,
                    user=str(user),
                    thread_ts=reply.thread_ts,
                    text=render.said(asked),
                )
                return
            client.chat_postMessage(
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **render.asked_message(asked),
            )
        case Action.INGEST_FILES:
            _ingest_files(context, client, reply, event)


def _ingest_files(
    context: dict[str, Any], client: WebClient, reply: Reply, event: dict[str, Any]
) -> None:
    """Files shared with newsbot in a DM become articles, for users allowed to ingest.

    Downloading and adding them runs on the ingest queue, like /ingest.
    """
    runtime, config = runtime_of(context), config_of(context)
    user = str(event.get("user"))
    if not config.ingest_users.allows(user):
        client.chat_postMessage(channel=reply.channel, text=REFUSED_INGEST)
        return

    def job() -> None:
        lines = []
        for file_info in event.get("files", []):
            try:
                shared = download_shared_file(config, client, file_info)
            except IngestError as exc:  # one bad file does not stop the others
                lines.append(render.outcome_text(IngestOutcome.failed(exc)))
                continue
            outcome = runtime.ingest_bytes(shared.data, shared.origin, suffix=shared.suffix)
            lines.append(render.outcome_text(outcome))
        if lines:
            client.chat_postMessage(channel=reply.channel, text="\n".join(lines))

    def tell(error: Exception) -> None:
        client.chat_postMessage(channel=reply.channel, text=failure_text(error))

    if not runtime.queue_ingest(user, job, tell):
        client.chat_postMessage(channel=reply.channel, text=QUEUE_FULL)
