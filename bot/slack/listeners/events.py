"""Events API: @mentions, DMs, follow-ups in threads newsbot answered, files shared in DMs."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import render
from bot.slack.files import download_shared_file
from bot.slack.services import GENERIC_FAILURE, OPT_OUT_PREFIX, Services, plain_text
from index.errors import NewsbotError

HELP = (
    "Ask me a question about the articles I know, e.g. “How many countries pledged to send troops?”"
)


def _claim_once(services: Services, body: dict[str, Any], event: dict[str, Any]) -> bool:
    """True only for the first delivery of this event and the first event for this message."""
    event_id = body.get("event_id")
    if event_id and not services.state.claim(f"event:{event_id}"):
        return False
    # The same user message reaches us as app_mention and as message.im: one key for both.
    return services.state.claim(f"message:{event.get('channel')}:{event.get('ts')}")


def answer_in_thread(
    services: Services,
    client: WebClient,
    *,
    channel: str,
    thread_ts: str | None,
    question: str,
    context: str | None,
) -> None:
    """Answer `question` and post it in the thread; remember the thread for follow-ups."""
    try:
        answer = services.call(services.engine.answer, question, context=context)
    except NewsbotError as exc:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=render.escape(str(exc)))
        return
    message = render.answer_message(answer)
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **message
    )
    if thread_ts:
        services.state.remember_thread(channel, thread_ts, question)


def _report_failure(services: Services, client: WebClient, event: dict[str, Any]) -> None:
    services.logger.exception("failed to handle a Slack event")
    try:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event.get("ts"),
            text=GENERIC_FAILURE,
        )
    except Exception:
        services.logger.exception("could not tell the user about the failure")


def register(app: App, services: Services) -> None:
    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if not _claim_once(services, body, event):
            return
        try:
            question = plain_text(event.get("text", ""))
            thread_ts = event.get("thread_ts") or event["ts"]
            if not question:
                client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=HELP)
                return
            context = None
            if event.get("thread_ts"):
                context = services.state.thread_question(event["channel"], event["thread_ts"])
            answer_in_thread(
                services,
                client,
                channel=event["channel"],
                thread_ts=thread_ts,
                question=question,
                context=context,
            )
        except Exception:  # noqa: BLE001  (the listener boundary: log it, tell the user)
            _report_failure(services, client, event)

    @app.event("message")
    def on_message(
        event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        subtype = event.get("subtype")
        if subtype not in (None, "file_share") or event.get("bot_id"):
            return  # edits, joins, and every bot's messages (newsbot's own included)
        if event.get("user") in (None, context.get("bot_user_id")):
            return
        text = event.get("text", "")
        is_dm = event.get("channel_type") == "im"
        mentions_bot = f"<@{context.get('bot_user_id')}" in text
        if not is_dm and (mentions_bot or not event.get("thread_ts")):
            return  # channel mentions arrive as app_mention; plain channel chatter is not ours
        if plain_text(text).startswith(OPT_OUT_PREFIX):
            return
        thread_question = None
        if event.get("thread_ts"):
            thread_question = services.state.thread_question(event["channel"], event["thread_ts"])
            if not is_dm and thread_question is None:
                return  # a thread newsbot never answered
        if not _claim_once(services, body, event):
            return
        try:
            if subtype == "file_share":
                _ingest_files(services, client, event)
                return
            question = plain_text(text)
            if not question:
                return
            answer_in_thread(
                services,
                client,
                channel=event["channel"],
                thread_ts=event.get("thread_ts") or (None if is_dm else event["ts"]),
                question=question,
                context=thread_question,
            )
        except Exception:  # noqa: BLE001  (the listener boundary: log it, tell the user)
            _report_failure(services, client, event)


def _ingest_files(services: Services, client: WebClient, event: dict[str, Any]) -> None:
    """Files shared with newsbot in a DM become articles, for users allowed to ingest."""
    channel = event["channel"]
    if event.get("channel_type") != "im":
        return
    if not services.config.ingest_users.allows(event.get("user")):
        client.chat_postMessage(
            channel=channel, text="Sorry, you are not allowed to add articles to newsbot."
        )
        return
    lines = []
    for file_info in event.get("files", []):
        try:
            draft = download_shared_file(services, client, file_info)
        except NewsbotError as exc:
            lines.append(
                f"Could not add {render.escape(file_info.get('name', 'a file'))}: "
                f"{render.escape(str(exc))}"
            )
            continue
        outcome = services.call(services.engine.ingest, draft)
        lines.append(render.outcome_text(outcome))
    if lines:
        client.chat_postMessage(channel=channel, text="\n".join(lines))
