"""Discord interactions: slash commands, message commands and the share button.

`Interactions.handle` turns one interaction (from the HTTP endpoint or the
gateway: the payload is the same) into a `Reply`: the first response, which
Discord must have within 3 seconds, and the work to do once it is sent.
Answers take milliseconds and are sent at once; when one is slow (the engine
busy with a write) the response is deferred and the answer edited in later.
Ingest is always deferred: fetching runs on the shared ingest queue and the
outcome replaces the "thinking" message, well within the token's 15 minutes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from newsbot.bot.chat import replies
from newsbot.bot.chat.channels import AnswerMode, answer_mode, stored_scope
from newsbot.bot.chat.replies import QUEUE_FULL, REFUSED_INGEST, readable
from newsbot.bot.chat.runtime import Question, Refusal, Runtime
from newsbot.bot.chat.work_pool import WorkPool
from newsbot.bot.discord import commands, render
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.discord.rest import DiscordAPI, DiscordAPIError
from newsbot.bot.server.http import has_shape
from newsbot.index import CollectionError, ConfigError, IngestError, IngestOutcome, collection_names

log = logging.getLogger("newsbot.discord")
T = TypeVar("T")

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT = 1, 2, 3
PONG, CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE = 1, 4, 5, 7
SLASH, MESSAGE_COMMAND = 1, 3

ANSWER_DEADLINE = 2.0  # seconds to answer at once before deferring (Discord allows 3)
REFUSED_FORGET = "Sorry, only newsbot admins can forget articles."
REFUSED_SETTING = "Sorry, only newsbot admins can change this channel's settings."
REFUSED_GAPS = "Sorry, only newsbot admins can read what nobody could answer."
GAPS_SHOWN = 10
# Discord sends the text of a message that does not mention newsbot only to bots with
# the privileged Message Content intent, which newsbot asks for only when configured.
QUESTIONS_NEED_CONTENT = (
    "Answering every question in a channel needs Discord's privileged Message Content "
    "intent: switch it on in the Developer Portal (Bot -> Message Content Intent) and "
    "set NEWSBOT_DISCORD_MESSAGE_CONTENT=1, then restart newsbot."
)
INGEST_USAGE = (
    "Give `/ingest` one of: a `url`, pasted `text`, or a `file` (.txt, .md, .html); "
    "`collection:` files it into collections too."
)
NO_QUESTION = "That message has no text to ask about."
NOTHING_TO_ADD = "That message has no link or .txt/.md/.html attachment to add."
UNKNOWN = "Sorry, newsbot does not know that command. Run `newsbot discord register` again?"

_LINK = re.compile(r"https?://[^\s<>]+")


@dataclass(frozen=True)
class Reply:
    """The first response to an interaction, and what to do once it is sent."""

    response: dict[str, Any]
    later: Callable[[], None] | None = None


def pong() -> Reply:
    return Reply({"type": PONG})


def say(text: str, *, ephemeral: bool = True) -> Reply:
    return Reply({"type": CHANNEL_MESSAGE, "data": render.message(text, ephemeral=ephemeral)})


def failure_text(error: BaseException) -> str:
    """What the user reads, in Discord's escaping (see bot/replies.py)."""
    return replies.failure_text(error, lambda reason: render.escaped_clip(reason, 1900))


# The shapes newsbot reads of an interaction; any other is not Discord's, however
# well signed (a 400, never a traceback).
_INTERACTION: dict[str, tuple[type, ...]] = {
    "type": (int,),
    "id": (str, int),
    "token": (str,),
    "data": (dict,),
    "member": (dict,),
    "user": (dict,),
    "message": (dict,),
    "channel_id": (str, int),
    "channel": (dict,),
    "guild_id": (str, int),
}
_DATA: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "type": (int,),
    "options": (list,),
    "resolved": (dict,),
    "custom_id": (str,),
    "target_id": (str, int),
}
_MEMBER: dict[str, tuple[type, ...]] = {"user": (dict,), "roles": (list,)}


def well_shaped(payload: Mapping[str, Any]) -> bool:
    """Whether an interaction has the shape Discord sends, as far as newsbot reads it."""
    if not isinstance(payload.get("type"), int) or not has_shape(payload, _INTERACTION):
        return False
    data = payload.get("data") or {}
    member = payload.get("member") or {}
    if not (has_shape(data, _DATA) and has_shape(member, _MEMBER)):
        return False
    options = list(data.get("options") or [])
    for option in options:  # a subcommand's options are options too
        if not isinstance(option, dict) or not isinstance(option.get("options", []), list):
            return False
        options.extend(option.get("options", []))
    # A message command's target and an upload: objects of objects, by id.
    resolved = data.get("resolved") or {}
    for kind in ("messages", "attachments"):
        found = resolved.get(kind, {})
        if not isinstance(found, dict) or not all(isinstance(v, dict) for v in found.values()):
            return False
    return True


def _user(payload: Mapping[str, Any]) -> dict[str, Any]:
    member = payload.get("member") or {}
    return member.get("user") or payload.get("user") or {}


def _roles(payload: Mapping[str, Any]) -> list[str]:
    return [str(role) for role in (payload.get("member") or {}).get("roles", [])]


_THREAD_TYPES = (10, 11, 12)  # announcement, public and private threads


def channel_of(payload: Mapping[str, Any]) -> str | None:
    """The channel whose settings apply: a thread's parent, else the channel itself."""
    channel = payload.get("channel") or {}
    if channel.get("type") in _THREAD_TYPES and channel.get("parent_id"):
        return str(channel["parent_id"])
    found = payload.get("channel_id") or channel.get("id")
    return str(found) if found else None


def _options(data: Mapping[str, Any]) -> dict[str, Any]:
    return {o["name"]: o.get("value") for o in data.get("options", []) if "name" in o}


class Interactions:
    def __init__(
        self,
        runtime: Runtime,
        config: DiscordConfig,
        api: DiscordAPI,
        *,
        answer_deadline: float = ANSWER_DEADLINE,
        workers: int = 4,
    ) -> None:
        if answer_deadline <= 0:
            raise ValueError("answer_deadline must be positive")
        self.runtime = runtime
        self.config = config
        self.api = api
        self.answer_deadline = answer_deadline
        self._pool = WorkPool(workers, "discord")

    def close(self) -> None:
        """Let answers in progress finish."""
        self._pool.shutdown()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no answer or later work is running; False if `timeout` passed first."""
        return self._pool.wait_idle(timeout)

    def hold(self, reply: Reply) -> Callable[[bool], None]:
        """Count the reply's later work as running from now, before its response is sent.

        Call the result once: True when the response went out (the work then
        runs off the caller's thread, errors logged), False when it did not
        (the work is dropped). Counting from now lets `wait_idle` see work
        whose response is still on its way.
        """
        later = reply.later
        if later is None:
            return lambda sent: None
        held = self._pool.hold()

        def then(sent: bool) -> None:
            if sent:
                held.run(lambda: self._logged(later))
            else:
                held.drop()

        return then

    @staticmethod
    def _logged(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("work after a Discord interaction failed")

    def handle(self, payload: Mapping[str, Any]) -> Reply:
        """The reply to one interaction. Never raises: a failure is an apology."""
        try:
            return self._route(payload)
        except Exception as exc:  # noqa: BLE001 - logged, with traceback, just below
            replies.log_failure(log, exc, "a Discord interaction")
            return say(failure_text(exc))

    def _route(self, payload: Mapping[str, Any]) -> Reply:
        kind = payload.get("type")
        data = payload.get("data") or {}
        if kind == PING:
            return pong()
        if kind == MESSAGE_COMPONENT:
            custom_id = str(data.get("custom_id", ""))
            if custom_id.startswith(render.SOURCES_PREFIX):
                return self._sources(*render.page_request(custom_id), update=True)
            if custom_id.startswith(render.VOTE_PREFIX):
                return self._vote(payload, custom_id.removeprefix(render.VOTE_PREFIX))
            return self._share(payload, custom_id)
        if kind != APPLICATION_COMMAND:
            return say(UNKNOWN)
        name, options = data.get("name"), _options(data)
        if data.get("type", SLASH) == MESSAGE_COMMAND:
            target = (
                (data.get("resolved") or {}).get("messages", {}).get(str(data.get("target_id")), {})
            )
            if name == commands.ASK_MESSAGE:
                question = str(target.get("content") or "").strip()
                return self._ask(payload, question) if question else say(NO_QUESTION)
            if name == commands.ADD_MESSAGE:
                return self._add_message(payload, target)
            return say(UNKNOWN)
        if name == commands.ASK:
            return self._ask(payload, str(options.get("question") or "").strip())
        if name == commands.INGEST:
            return self._ingest(payload, options, data)
        if name in (commands.NEWSBOT, commands.NEWSBOT_ADMIN):
            return self._newsbot(payload, data)
        return say(UNKNOWN)

    # /ask and "Ask newsbot"

    def _ask(self, payload: Mapping[str, Any], question: str) -> Reply:
        question = readable(question)
        if not question:
            return say("Usage: `/ask question:` your question.")
        asked = Question(
            "discord", question, user=_user(payload).get("id"), channel=channel_of(payload)
        )
        future = self._pool.submit(
            lambda: self.runtime.ask(asked, shown=lambda done: render.answer_message(done.answer))
        )
        try:
            return Reply(
                {
                    "type": CHANNEL_MESSAGE,
                    "data": render.private_reply(future.result(timeout=self.answer_deadline)),
                }
            )
        except FutureTimeout:
            pass
        # Slow (the engine busy with a write): deferred, and the answer edited in.
        token = str(payload["token"])

        def edit() -> None:
            try:
                body = render.private_reply(future.result())
            except Exception as exc:
                log.exception("a deferred Discord answer failed")
                body = render.message(failure_text(exc))
            self.api.edit_original(self.config.application_id, token, body)

        return Reply({"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": render.EPHEMERAL}}, edit)

    def _vote(self, payload: Mapping[str, Any], vote: str) -> Reply:
        """👍 or 👎 under an answer: kept, and the voter told privately."""
        way, _, answer_id = vote.partition(":")
        if way not in ("up", "down") or not answer_id:
            return say(UNKNOWN)
        user = str(_user(payload).get("id"))
        return say(render.said(self.runtime.vote(answer_id, user, up=way == "up")))

    def _share(self, payload: Mapping[str, Any], custom_id: str) -> Reply:
        """Post the answer the user saw, as they saw it (not asked again: the articles
        may have changed since), for everyone in the channel."""
        if not custom_id.startswith(render.SHARE_PREFIX):
            return say(UNKNOWN)
        shown = self.runtime.shown("discord", custom_id.removeprefix(render.SHARE_PREFIX))
        if isinstance(shown, Refusal):
            return say(render.said(shown))
        user = _user(payload).get("id")
        preface = f"Shared by <@{user}> via /ask" if user else "Shared via /ask"
        return Reply({"type": CHANNEL_MESSAGE, "data": render.shared_message(shown, preface)})

    # /ingest and "Add to newsbot"

    def _may_ingest(self, payload: Mapping[str, Any]) -> bool:
        return self.config.ingesters.allows(_user(payload).get("id"), _roles(payload))

    def _ingest(
        self, payload: Mapping[str, Any], options: Mapping[str, Any], data: Mapping[str, Any]
    ) -> Reply:
        if not self._may_ingest(payload):
            return say(REFUSED_INGEST)
        given = [name for name in ("url", "text", "file") if options.get(name)]
        if len(given) != 1:
            return say(INGEST_USAGE)
        try:
            names = collection_names(str(options.get("collection") or ""))
        except CollectionError as exc:
            return say(render.said(str(exc)))
        user = str(_user(payload).get("id"))
        match given[0]:
            case "url":
                url = str(options["url"]).strip()
                return self._deferred_ingest(
                    payload, lambda: self.runtime.ingest_url(url, collections=names)
                )
            case "text":
                raw = str(options["text"]).encode("utf-8")
                origin = f"discord:/ingest by {user}"
                return self._deferred_ingest(
                    payload, lambda: self._ingest_bytes(raw, origin, collections=names)
                )
            case _:
                attachments = (data.get("resolved") or {}).get("attachments", {})
                attachment = attachments.get(str(options["file"]))
                if attachment is None:
                    return say(INGEST_USAGE)
                return self._deferred_ingest(
                    payload, lambda: self._ingest_file(attachment, collections=names)
                )

    def _add_message(self, payload: Mapping[str, Any], target: Mapping[str, Any]) -> Reply:
        if not self._may_ingest(payload):
            return say(REFUSED_INGEST)
        attachments = list(target.get("attachments") or [])
        link = _LINK.search(str(target.get("content") or ""))
        if attachments:
            first = attachments[0]
            return self._deferred_ingest(payload, lambda: self._ingest_file(first))
        if link:
            url = link.group(0)
            return self._deferred_ingest(payload, lambda: self.runtime.ingest_url(url))
        return say(NOTHING_TO_ADD)

    def _ingest_bytes(
        self, raw: bytes, origin: str, suffix: str = "", collections: tuple[str, ...] = ()
    ) -> IngestOutcome:
        return self.runtime.ingest_bytes(raw, origin, suffix=suffix, collections=collections)

    def _ingest_file(
        self, attachment: Mapping[str, Any], collections: tuple[str, ...] = ()
    ) -> IngestOutcome:
        try:
            shared = self.api.download_attachment(attachment)
        except IngestError as exc:
            return IngestOutcome.failed(exc)
        return self._ingest_bytes(shared.data, shared.origin, shared.suffix, collections)

    def _deferred_ingest(
        self, payload: Mapping[str, Any], work: Callable[[], IngestOutcome]
    ) -> Reply:
        """Acknowledge now ("newsbot is thinking…"), ingest on the queue, edit in the outcome."""
        token = str(payload["token"])
        user = str(_user(payload).get("id"))

        def edit(text: str) -> None:
            try:
                self.api.edit_original(self.config.application_id, token, render.message(text))
            except (DiscordAPIError, httpx.HTTPError) as exc:  # the token expired, Discord down
                log.warning("could not edit the ingest outcome in: %s", exc)

        def queue() -> None:
            queued = self.runtime.queue_ingest(
                user,
                lambda: edit(render.outcome_text(work())),
                lambda error: edit(failure_text(error)),
            )
            if not queued:
                edit(QUEUE_FULL)

        deferred = {"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": render.EPHEMERAL}}
        return Reply(deferred, queue)

    # /newsbot sources | forget

    def _newsbot(self, payload: Mapping[str, Any], data: Mapping[str, Any]) -> Reply:
        subcommands = data.get("options") or [{}]
        if len(subcommands) != 1:
            return say(UNKNOWN)
        (sub,) = subcommands
        admin = self.config.admins.allows(_user(payload).get("id"), _roles(payload))
        match sub.get("name"):
            case "sources":
                return self._sources(1, str(_options(sub).get("match") or ""))
            case "scope" if data.get("name") == commands.NEWSBOT:
                described = self.runtime.describe_channel("discord", str(channel_of(payload)))
                return say(render.said(described))
            case "gaps":
                if not admin:
                    return say(REFUSED_GAPS)
                gaps = self.runtime.gaps(GAPS_SHOWN)
                return Reply({"type": CHANNEL_MESSAGE, "data": render.gaps_message(gaps)})
            case "scope" | "answer" as setting:
                if not admin:
                    return say(REFUSED_SETTING)
                return self._change(payload, setting, _options(sub))
            case "forget":
                if not admin:
                    return say(REFUSED_FORGET)
                article_id = _options(sub).get("id")
                if not isinstance(article_id, int) or article_id < 1:
                    return say("Usage: `/newsbot forget id:` an article number.")
                forgotten = self.runtime.forget(article_id)
                if isinstance(forgotten, Refusal):
                    return say(render.said(forgotten))
                headline = render.escaped_clip(forgotten.headline, 1500)
                return say(f"Forgot #{forgotten.id}: {headline}")
            case _:
                return say(UNKNOWN)

    def _change(
        self, payload: Mapping[str, Any], setting: str, options: Mapping[str, Any]
    ) -> Reply:
        """An admin's change to this channel's collections or answer mode, checked (a
        collection must exist) before it is kept."""
        channel = str(channel_of(payload))
        user = str(_user(payload).get("id"))
        if setting == "scope":
            names = str(options.get("collections") or "")
            done = self.runtime.change_channel(
                "discord", channel, by=user, scope=lambda: stored_scope(names)
            )
            return say(render.said(done))
        raw = str(options.get("mode") or "")

        def mode() -> AnswerMode:
            chosen = answer_mode(raw)
            if chosen is AnswerMode.QUESTIONS and not self.config.message_content:
                raise ConfigError(
                    QUESTIONS_NEED_CONTENT, variable="NEWSBOT_DISCORD_MESSAGE_CONTENT"
                )
            return chosen

        return say(render.said(self.runtime.change_channel("discord", channel, by=user, mode=mode)))

    def _sources(self, number: int, match: str, *, update: bool = False) -> Reply:
        """A page of the article list; Previous/Next (`update`) replace the page shown."""
        page = self.runtime.sources_page(match, number)
        data = render.sources_message(page)
        if update:  # an update keeps the message's flags; Discord takes none here
            data.pop("flags", None)
            return Reply({"type": UPDATE_MESSAGE, "data": data})
        return Reply({"type": CHANNEL_MESSAGE, "data": data})
