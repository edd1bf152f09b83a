"""Discord's REST API, the few calls newsbot makes, on a configurable base URL.

Every message newsbot sends goes through here, whether the event came over
HTTP or the gateway. A 429 is waited out (`retry_after`, at most
`max_wait` seconds) and tried again; a 5xx is tried again after a second;
anything else Discord refuses raises `DiscordAPIError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import httpx

from newsbot.bot.chat.downloads import SharedFile, check_size, download, readable_suffix
from newsbot.bot.discord.config import DiscordConfig
from newsbot.bot.server.logs import redact
from newsbot.index import IngestError

log = logging.getLogger("newsbot.discord")

USER_AGENT = "DiscordBot (newsbot, 0.1.0)"  # the form Discord asks of bots
MAX_RETRIES = 3
MAX_WAIT_SECONDS = 60.0
_CDN_HOSTS = {"cdn.discordapp.com", "media.discordapp.net"}
MESSAGE_LIMIT = 300  # characters of an API's refusal that reach a message


class DiscordAPIError(Exception):
    """Discord refused a call.

    `status` is the HTTP status, `code` Discord's JSON error code (0 when the
    body had none), `method` and `route` the call (without tokens).
    """

    def __init__(self, message: str, *, status: int, code: int, method: str, route: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.method = method
        self.route = route


class DiscordAPI:
    def __init__(
        self,
        base_url: str,
        *,
        bot_token: str | None = None,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT_SECONDS,
        timeout: float = 10.0,
    ) -> None:
        if max_retries < 0 or max_wait < 0:
            raise ValueError("max_retries and max_wait must not be negative")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_wait = max_wait
        headers = {"User-Agent": USER_AGENT}
        self._auth = {"Authorization": f"Bot {bot_token}"} if bot_token else {}
        self._token = bot_token
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    @classmethod
    def from_config(cls, config: DiscordConfig) -> DiscordAPI:
        return cls(config.api_url, bot_token=config.bot_token)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, route: str, *, json: Any = None, authorized: bool = True) -> Any:
        """Call `route` (like `/channels/1/messages`); the decoded JSON, or None for 204.

        Interaction callbacks and webhooks are authorised by the interaction
        token in their path: `authorized=False` sends no bot token with them.
        """
        headers = self._auth if authorized else {}
        for attempt in range(self.max_retries + 1):
            response = self._client.request(method, route, json=json, headers=headers)
            if response.status_code == 429 and attempt < self.max_retries:
                wait = min(_retry_after(response), self.max_wait)
                log.warning("Discord rate-limited %s; retrying in %.2f s", method, wait)
                time.sleep(wait)
                continue
            if response.status_code >= 500 and attempt < self.max_retries:
                time.sleep(1.0)
                continue
            break
        if response.status_code >= 400:
            body = _json_or_empty(response)
            code = body.get("code", 0) if isinstance(body, dict) else 0
            message = body.get("message", "") if isinstance(body, dict) else ""
            said = self._told(str(message or response.reason_phrase))
            raise DiscordAPIError(
                f"Discord answered {response.status_code} to {method} {_safe(route)}: {said}",
                status=response.status_code,
                code=int(code) if isinstance(code, int) else 0,
                method=method,
                route=_safe(route),
            )
        return None if response.status_code == 204 or not response.content else response.json()

    def _told(self, message: str) -> str:
        """What the API said, safe to print: an API (or a proxy) that echoes the request
        must not put the bot token on a terminal or in a log, so this client's own token
        and anything shaped like a token are redacted, and the text is clipped."""
        if self._token:
            message = message.replace(self._token, "[redacted]")
        message = redact(message)
        return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"

    # The calls newsbot makes.

    def respond(self, interaction_id: str, token: str, response: Mapping[str, Any]) -> None:
        """The first response to an interaction that arrived over the gateway."""
        self.request(
            "POST",
            f"/interactions/{interaction_id}/{token}/callback",
            json=response,
            authorized=False,
        )

    def edit_original(self, application_id: str, token: str, message: Mapping[str, Any]) -> Any:
        """Replace the deferred (or first) response, within the token's 15 minutes."""
        return self.request(
            "PATCH",
            f"/webhooks/{application_id}/{token}/messages/@original",
            json=message,
            authorized=False,
        )

    def followup(self, application_id: str, token: str, message: Mapping[str, Any]) -> Any:
        return self.request(
            "POST", f"/webhooks/{application_id}/{token}", json=message, authorized=False
        )

    def create_message(self, channel_id: str, message: Mapping[str, Any]) -> Any:
        return self.request("POST", f"/channels/{channel_id}/messages", json=message)

    def open_dm(self, user_id: str) -> str:
        """The id of newsbot's DM channel with a user (made if need be)."""
        channel = self.request("POST", "/users/@me/channels", json={"recipient_id": user_id})
        return str(channel["id"])

    def start_thread(self, channel_id: str, message_id: str, name: str) -> Any:
        """A public thread on a message; Discord's thread names are at most 100 characters."""
        body = {"name": name[:100] or "newsbot", "auto_archive_duration": 1440}
        return self.request(
            "POST", f"/channels/{channel_id}/messages/{message_id}/threads", json=body
        )

    def overwrite_commands(
        self, application_id: str, commands: list[dict[str, Any]], guild_id: str | None = None
    ) -> Any:
        """Replace all of the application's commands (global, or one guild's)."""
        if guild_id:
            route = f"/applications/{application_id}/guilds/{guild_id}/commands"
        else:
            route = f"/applications/{application_id}/commands"
        return self.request("PUT", route, json=commands)

    def download_attachment(self, attachment: Mapping[str, Any]) -> SharedFile:
        """An attachment's bytes, from Discord's CDN (or the configured API host)."""
        name = str(attachment.get("filename") or attachment.get("id") or "file")
        origin = f"discord-file:{name}"
        suffix = readable_suffix(name, origin)
        check_size(int(attachment.get("size") or 0), origin)
        url = str(attachment.get("url") or "")
        parsed = urlparse(url)
        trusted = parsed.netloc in _CDN_HOSTS or parsed.netloc == urlparse(self.base_url).netloc
        if parsed.scheme not in ("http", "https") or not trusted:
            raise IngestError("the attachment's link is not a Discord file link.", origin=origin)
        return SharedFile(origin, suffix, download(url, origin=origin, platform="Discord"))


def _retry_after(response: httpx.Response) -> float:
    body = _json_or_empty(response)
    value = body.get("retry_after") if isinstance(body, dict) else None
    if value is None:
        value = response.headers.get("Retry-After", "1")
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 1.0


def _json_or_empty(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


def _safe(route: str) -> str:
    """The route without the interaction token, for messages and logs."""
    parts = route.split("/")
    if len(parts) > 3 and parts[1] in ("webhooks", "interactions"):
        parts[3] = "[token]"
    return "/".join(parts)
