"""Discord's gateway: @mentions answered in a thread on the message, and DMs.

hikari keeps the websocket (heartbeats, resume, reconnect); it is given the
configured API URL (`rest_url`), and asks that API for the gateway's URL, so
tests run it against local fakes. newsbot reads raw payloads
(`ShardPayloadEvent`), the same JSON the interactions endpoint receives, with
hikari's cache off: the few fields it needs are read by `route_message`.
Replies go through newsbot's own REST client, as over HTTP.

A message is claimed in the shared chat state before it is answered, so a
replay after a resume or reconnect (or a second newsbot) answers it once; a
claim whose owner died is answered by the next newsbot to connect.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import hikari

from newsbot.bot.chat import replies
from newsbot.bot.chat.channels import AnswerMode, ChannelSettings
from newsbot.bot.chat.replies import readable
from newsbot.bot.chat.runtime import Question, Refusal, Runtime
from newsbot.bot.chat.work_pool import WorkPool
from newsbot.bot.discord import render
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.discord.interactions import Interactions, failure_text
from newsbot.bot.discord.rest import DiscordAPI, DiscordAPIError
from newsbot.bot.server.health import CONNECTED, CONNECTING, DOWN

log = logging.getLogger("newsbot.discord")

INTENTS = hikari.Intents.GUILD_MESSAGES | hikari.Intents.DM_MESSAGES
HELP = "Ask me a question about the articles I know, e.g. “How many countries pledged troops?”"
CLAIM_PREFIX = "discord:message:"
THREAD_MARK = "discord"  # the chat state's thread key, beside Slack's thread_ts
_USER_MESSAGE_TYPES = (0, 19)  # a plain message, a reply
CLOSE_TIMEOUT = 10.0
# Discord refuses a thread on a message already in a thread (400) or without the
# Create Public Threads permission (403): the answer then goes as a reply.
_NO_THREAD_STATUSES = (400, 403)


@dataclass(frozen=True)
class Mention:
    """A message newsbot should answer: where, and the question (empty: say how)."""

    message_id: str
    channel_id: str
    question: str
    in_guild: bool
    author_id: str = ""


def intents(config: DiscordConfig) -> hikari.Intents:
    """The gateway intents: messages and DMs, and message content when configured."""
    if config.message_content:
        return INTENTS | hikari.Intents.MESSAGE_CONTENT
    return INTENTS


def route_message(
    payload: Mapping[str, Any],
    bot_user_id: str | None,
    mode: AnswerMode = AnswerMode.MENTIONS,
) -> Mention | None:
    """Whether to answer a MESSAGE_CREATE: DMs, guild messages that mention newsbot,
    and, in a channel set to answer questions, any message that ends with "?"; in a
    channel set to answer only /ask, no guild message at all.

    Messages from bots (newsbot included), webhooks and the system are never answered.
    """
    author = payload.get("author") or {}
    if author.get("bot") or author.get("system") or payload.get("webhook_id"):
        return None
    if bot_user_id is None or author.get("id") == bot_user_id:
        return None
    if payload.get("type", 0) not in _USER_MESSAGE_TYPES:
        return None
    in_guild = bool(payload.get("guild_id"))
    if in_guild and mode is AnswerMode.SILENT:
        return None
    content = readable(str(payload.get("content") or ""))
    mentioned = any(u.get("id") == bot_user_id for u in payload.get("mentions") or [])
    asked = mode is AnswerMode.QUESTIONS and content.strip().endswith("?")
    if in_guild and not (mentioned or asked):
        return None
    question = re.sub(rf"<@!?{re.escape(bot_user_id)}>", " ", content).strip()
    return Mention(
        str(payload["id"]), str(payload["channel_id"]), question, in_guild, str(author.get("id"))
    )


class Gateway:
    def __init__(
        self,
        runtime: Runtime,
        config: DiscordConfig,
        api: DiscordAPI,
        interactions: Interactions,
        *,
        workers: int = 4,
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.api = api
        self.interactions = interactions
        self.bot_user_id: str | None = None
        self.ready = threading.Event()
        self._pool = WorkPool(workers, "gateway")
        self._unfinished: threading.Thread | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: hikari.GatewayBot | None = None
        self._stopping: asyncio.Event | None = None
        self._closing = threading.Event()
        self.received: Counter[str] = Counter()  # dispatch events by name, for operators and tests

    # The websocket, in its own thread and event loop.

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="discord-gateway", daemon=True)
        self._thread.start()
        return self._thread

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        bot = hikari.GatewayBot(
            self.config.require_token(),
            intents=intents(self.config),
            rest_url=self.config.api_url,
            banner=None,
            logs=None,  # newsbot's logging stays as the entry point set it
            cache_settings=hikari.impl.CacheSettings(components=hikari.api.CacheComponents.NONE),
            auto_chunk_members=False,
            suppress_optimization_warning=True,
        )
        self._bot = bot
        bot.subscribe(hikari.ShardPayloadEvent, self._on_payload)
        await bot.start(check_for_updates=False)
        try:
            await self._stopping.wait()
        finally:
            await bot.close()

    def stop(self) -> None:
        """Close the websocket, then let answers in progress finish."""
        self._closing.set()
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=CLOSE_TIMEOUT)  # hikari says goodbye to the gateway
        if self._unfinished is not None:
            self._unfinished.join()
        self._pool.shutdown()

    def connection(self) -> str:
        """The websocket's state, for /healthz: connecting until the first READY, then
        connected while every shard is, else down (hikari reconnects by itself; a
        refused token stops it for good)."""
        if self._thread is None or not self._thread.is_alive():
            return DOWN
        bot = self._bot
        if bot is None or not self.ready.is_set():
            return CONNECTING
        shards = list(bot.shards.values())
        return CONNECTED if shards and all(shard.is_connected for shard in shards) else DOWN

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every event received so far has been handled."""
        return self._pool.wait_idle(timeout)

    async def _on_payload(self, event: hikari.ShardPayloadEvent) -> None:
        payload = dict(event.payload)
        self.received[event.name] += 1
        match event.name:
            case "READY":
                self.bot_user_id = str(payload["user"]["id"])
                self.ready.set()
                if self._unfinished is None:  # once: a new session's READY comes again
                    self._unfinished = self.runtime.replay_unfinished(
                        CLAIM_PREFIX, self.on_message, name="discord", stop=self._closing
                    )
            case "MESSAGE_CREATE":
                self._pool.submit(self.on_message, payload)
            case "INTERACTION_CREATE":  # when no interactions endpoint URL is set
                self._pool.submit(self.on_interaction, payload)

    # The work, in worker threads: the engine and REST calls block.

    def on_interaction(self, payload: Mapping[str, Any]) -> None:
        reply = self.interactions.handle(payload)
        then = self.interactions.hold(reply)
        try:
            self.api.respond(str(payload["id"]), str(payload["token"]), reply.response)
        except DiscordAPIError:
            log.exception("Discord refused the response to an interaction")
            then(False)
            return
        then(True)

    def on_message(self, payload: Mapping[str, Any]) -> None:
        """Answer a message once, whatever replays of it the gateway sends."""
        settings = self.runtime.channel("discord", str(payload.get("channel_id")))
        mention = route_message(payload, self.bot_user_id, settings.mode)
        if mention is None:
            return
        claim = self.runtime.claim_once([CLAIM_PREFIX + mention.message_id], body=payload)
        if claim is None:
            return
        with claim:  # a crash (no exit) leaves the claim open, for a restart to answer
            try:
                self._answer(mention, settings)
            except Exception as exc:  # noqa: BLE001 - logged, with traceback, just below
                replies.log_failure(log, exc, "answering a Discord message")
                try:
                    self._reply_here(mention, render.message(failure_text(exc)))
                except DiscordAPIError:
                    log.exception("could not tell the user about the failure")

    def _answer(self, mention: Mention, settings: ChannelSettings) -> None:
        if not mention.question:
            self._reply(mention, render.message(HELP))
            return
        question = Question(
            "discord",
            mention.question,
            user=mention.author_id,
            channel=mention.channel_id,
            context=self.runtime.topic((mention.channel_id, THREAD_MARK)),
            settings=settings,
        )
        asked = self.runtime.ask(question)
        if isinstance(asked, Refusal):  # one private line, in a DM; nothing answered
            dm = self.api.open_dm(mention.author_id)
            self.api.create_message(dm, render.message(render.said(asked)))
            return

        def before_posting(channel: str) -> None:
            # Kept before the answer is posted: the asker's next message may arrive
            # the moment they see it, and must be read with this topic.
            if channel != mention.channel_id:  # a thread newsbot started: its parent's
                self.runtime.link_channel("discord", channel, mention.channel_id)
            self.runtime.remember_topic((channel, THREAD_MARK), asked)

        self._reply(mention, render.asked_message(asked), before_posting)

    def _reply(
        self,
        mention: Mention,
        body: dict[str, Any],
        before_posting: Callable[[str], None] | None = None,
    ) -> str:
        """Post `body` in a new thread on the message (in a guild), else as a reply;
        `before_posting(channel)` runs once the channel is known, before the post.

        Returns the channel it went to. A message already in a thread cannot
        start one, nor can newsbot without the permission: the reply then goes
        where the message is.
        """
        if mention.in_guild:
            name = " ".join(mention.question.split()) or "newsbot"  # one line
            try:
                thread = self.api.start_thread(mention.channel_id, mention.message_id, name)
            except DiscordAPIError as exc:
                if exc.status not in _NO_THREAD_STATUSES:
                    raise
            else:
                channel = str(thread["id"])
                if before_posting is not None:
                    before_posting(channel)
                self.api.create_message(channel, body)
                return channel
        if before_posting is not None:
            before_posting(mention.channel_id)
        self._reply_here(mention, body)
        return mention.channel_id

    def _reply_here(self, mention: Mention, body: dict[str, Any]) -> None:
        """`body` as a reply to the message, in its own channel."""
        reference = {"message_id": mention.message_id, "fail_if_not_exists": False}
        self.api.create_message(mention.channel_id, {**body, "message_reference": reference})
