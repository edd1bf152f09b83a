"""Events API: @mentions, DMs, follow-ups in threads newsbot answered, files shared in DMs.

Whether to answer is decided by `routing` (pure rules); these functions do
the I/O: claim the event once, ask the engine, post the reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from newsbot.bot.replies import QUEUE_FULL, REFUSED_INGEST
from newsbot.bot.slack import render
from newsbot.bot.slack.files import download_shared_file
from newsbot.bot.slack.listeners.errors import failure_text
from newsbot.bot.slack.routing import Action, Reply, route_mention, route_message
from newsbot.bot.slack.services import Services, services_of
from newsbot.index import IngestError, IngestOutcome

HELP = (
    "Ask me a question about the articles I know, e.g. “How many countries pledged to send troops?”"
)


def handle_mention(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    services = services_of(context)
    mode = services.state.channel("slack", str(event.get("channel"))).mode
    reply = route_mention(event, _thread_question(services, event), mode)
    if reply is not None:
        _reply_once(services, client, body, event, reply, context)
    elif context.get(EVENT_CLAIMED) and body.get("event_id"):
        services.state.finish(f"event:{body['event_id']}")  # claimed, nothing to answer


def handle_message(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    services = services_of(context)
    reply = route_message(
        event,
        bot_user_id=context.get("bot_user_id"),
        thread_question=_thread_question(services, event),
        mode=services.state.channel("slack", str(event.get("channel"))).mode,
    )
    if reply is not None:
        _reply_once(services, client, body, event, reply, context)
    elif context.get(EVENT_CLAIMED) and body.get("event_id"):
        services.state.finish(f"event:{body['event_id']}")  # claimed, nothing to answer


def _reply_once(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    event: dict[str, Any],
    reply: Reply,
    context: dict[str, Any],
) -> None:
    """Perform `reply` unless another delivery of the event (or message) has it."""
    keys = _claim_once(services, body, event, context)
    if keys is None:
        return
    try:
        _perform(services, client, reply, event)
    finally:  # a crash (no finally) leaves the claim open, for a restart to answer
        services.state.finish(*keys)


DM_MARK = "dm"  # a DM's own conversation, outside any thread, keeps its context here


def _conversation(event: dict[str, Any]) -> tuple[str, str] | None:
    """Where a message's conversation keeps its context: its thread, or a DM itself."""
    if event.get("thread_ts"):
        return str(event.get("channel")), str(event["thread_ts"])
    if event.get("channel_type") == "im":
        return str(event.get("channel")), DM_MARK
    return None


def _thread_question(services: Services, event: dict[str, Any]) -> str | None:
    """The conversation's context: what its previous question is read as (see
    Engine.next_context), or None where newsbot never answered."""
    where = _conversation(event)
    return services.state.thread_question(*where) if where else None


EVENT_CLAIMED = "newsbot_event_claimed"  # in the context: this delivery claimed its event
ANSWERED_EVENTS = ("app_mention", "message")  # the events these listeners take


def claim_before_ack(body: dict[str, Any], context: BoltContext, next: Callable[[], Any]) -> None:
    """Middleware: claim an event, with its body, before bolt acknowledges it.

    Slack never resends an event it had a 200 for, so a newsbot killed between the
    acknowledgement and the listener's own work would lose it; claimed here, in the
    request's thread before the response, a restarted newsbot finds it unfinished
    and answers it (`server.answer_unfinished`). The listener reads the outcome.
    """
    event_id = body.get("event_id")
    event_type = (body.get("event") or {}).get("type")
    if event_type in ANSWERED_EVENTS and isinstance(event_id, str):
        services = services_of(context)
        context[EVENT_CLAIMED] = services.state.claim(f"event:{event_id}", body=json.dumps(body))
    next()


def _claim_once(
    services: Services, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
) -> list[str] | None:
    """The claimed keys, only for the first delivery of this event and the first event
    for this message; None when another delivery has it."""
    keys = []
    event_id = body.get("event_id")
    if event_id:
        key = f"event:{event_id}"
        claimed = context.get(EVENT_CLAIMED)
        if claimed is None:  # dispatched without the middleware's claim
            claimed = services.state.claim(key, body=json.dumps(body))
        if not claimed:
            return None
        keys.append(key)
    # The same user message reaches us as app_mention and as message.im: one key for both.
    message_key = f"message:{event.get('channel')}:{event.get('ts')}"
    if not services.state.claim(message_key):
        services.state.finish(*keys)  # the other event answers it; nothing left to do here
        return None
    return [*keys, message_key]


def _perform(services: Services, client: WebClient, reply: Reply, event: dict[str, Any]) -> None:
    match reply.action:
        case Action.HELP:
            client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts, text=HELP)
        case Action.ANSWER:
            user = event.get("user")
            refused = services.runtime.admit("slack", user, reply.channel)
            if refused:  # one private line, nothing answered
                client.chat_postEphemeral(
                    channel=reply.channel, user=str(user), thread_ts=reply.thread_ts, text=refused
                )
                return
            answer = services.runtime.answer(
                reply.question, surface="slack", context=reply.context, channel=reply.channel
            )
            vote_id = None
            if not answer.abstained:
                vote_id = services.runtime.keep_answer(
                    answer, surface="slack", channel=reply.channel
                )
            # The topic is kept before the answer is posted: the asker's follow-up may
            # arrive the moment they see it, and must be read with it.
            where = (reply.channel, reply.thread_ts or DM_MARK)
            topic = services.engine.next_context(reply.question, reply.context)
            services.state.remember_thread(*where, topic)
            client.chat_postMessage(
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **render.answer_message(answer, vote_id=vote_id),
            )
        case Action.INGEST_FILES:
            _ingest_files(services, client, reply, event)


def _ingest_files(
    services: Services, client: WebClient, reply: Reply, event: dict[str, Any]
) -> None:
    """Files shared with newsbot in a DM become articles, for users allowed to ingest.

    Downloading and adding them runs on the ingest queue, like /ingest.
    """
    user = str(event.get("user"))
    if not services.config.ingest_users.allows(user):
        client.chat_postMessage(channel=reply.channel, text=REFUSED_INGEST)
        return

    def job() -> None:
        lines = []
        for file_info in event.get("files", []):
            try:
                shared = download_shared_file(services, client, file_info)
            except IngestError as exc:  # one bad file does not stop the others
                lines.append(render.outcome_text(IngestOutcome.failed(exc)))
                continue
            outcome = services.runtime.ingest_bytes(
                shared.data, shared.origin, suffix=shared.suffix
            )
            lines.append(render.outcome_text(outcome))
        if lines:
            client.chat_postMessage(channel=reply.channel, text="\n".join(lines))

    def tell(error: Exception) -> None:
        client.chat_postMessage(channel=reply.channel, text=failure_text(error))

    if not services.ingest_queue.submit(user, job, tell):
        client.chat_postMessage(channel=reply.channel, text=QUEUE_FULL)
