"""A fake Discord on 127.0.0.1: the REST API and the gateway, recording every call.

REST (under /api/v10): interaction callbacks, webhook edits and follow-ups,
channel messages, thread creation, command registration, `GET /gateway/bot`
(which points the client at this server's websocket), and attachments at
/attachments/<name>. It can answer 429 with `retry_after` a given number of
times, and refuse thread creation as Discord does inside a thread.

The gateway (/gateway) speaks HELLO, IDENTIFY, READY, heartbeats, RESUME and
RESUMED, with zlib-stream transport compression when the client asks for it,
as Discord does. Tests push MESSAGE_CREATE with `dispatch`, and can make the
gateway ask for a reconnect, after which it replays the last event, as a
resumed session may.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
import zlib
from collections import Counter
from typing import Any

from aiohttp import WSMsgType, web
from nacl.signing import SigningKey

APPLICATION_ID = "112233445566778899"
BOT_USER_ID = "998877665544332211"
# Discord's token shape: base64 of the bot's user id, a timestamp part, an HMAC part.
BOT_TOKEN = base64.b64encode(BOT_USER_ID.encode()).decode().rstrip("=") + ".GxYz12." + "a" * 38
SESSION_ID = "fake-session-1"
# Discord signs interactions with the application's key; the fake's is fixed.
SIGNING_KEY = SigningKey(bytes(range(32)))
PUBLIC_KEY = SIGNING_KEY.verify_key.encode().hex()


def sign(body: bytes, timestamp: str, key: SigningKey = SIGNING_KEY) -> str:
    """X-Signature-Ed25519 for a body sent at `timestamp`, as Discord computes it."""
    return key.sign(timestamp.encode() + body).signature.hex()


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.gateway_ops: list[dict[str, Any]] = []
        self.rate_limit: dict[str, int] = {}
        self.attachments: dict[str, bytes] = {}
        # Message ids Discord will not start a thread on: 400 for a message in a
        # thread already, 403 where newsbot lacks Create Public Threads.
        self.thread_refusals: dict[str, int] = {}
        self.connections = 0
        self.dispatched: Counter[str] = Counter()
        self._ids = itertools.count(500000000000000000)
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._socket: web.WebSocketResponse | None = None
        self._compressor: Any = None
        self._seq = 0
        self._last_dispatch: tuple[str, dict[str, Any]] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # Lifecycle.

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v10"

    def start(self) -> FakeDiscord:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{name}", self._attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # Recording.

    def record(self, call: dict[str, Any]) -> None:
        with self._lock:
            call["at"] = time.monotonic()
            self.calls.append(call)
            self._lock.notify_all()

    def of(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["name"] == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c["name"] == name]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [c["name"] for c in self.calls]
                    raise AssertionError(f"expected {count} {name} call(s); got {got}")
                self._lock.wait(left)
            return [c for c in self.calls if c["name"] == name]

    def replies(self) -> list[dict[str, Any]]:
        """Every call that puts words in front of a user."""
        names = {"callback", "edit_original", "followup", "create_message"}
        with self._lock:
            return [c for c in self.calls if c["name"] in names]

    # REST.

    @staticmethod
    def _name(method: str, parts: list[str]) -> str:
        match (method, parts):
            case ("GET", ["gateway", "bot"]):
                return "gateway_bot"
            case ("POST", ["interactions", _, _, "callback"]):
                return "callback"
            case ("PATCH", ["webhooks", _, _, "messages", "@original"]):
                return "edit_original"
            case ("POST", ["webhooks", _, _]):
                return "followup"
            case ("POST", ["channels", _, "messages"]):
                return "create_message"
            case ("POST", ["channels", _, "messages", _, "threads"]):
                return "start_thread"
            case ("POST", ["users", "@me", "channels"]):
                return "open_dm"
            case ("PUT", ["applications", _, "commands"]):
                return "overwrite_global_commands"
            case ("PUT", ["applications", _, "guilds", _, "commands"]):
                return "overwrite_guild_commands"
        return f"{method} /{'/'.join(parts)}"

    async def _rest(self, request: web.Request) -> web.Response:
        parts = request.match_info["tail"].split("/")
        name = self._name(request.method, parts)
        raw = await request.read()
        body = json.loads(raw) if raw else None
        call = {
            "name": name,
            "path": "/" + "/".join(parts),
            "auth": request.headers.get("Authorization"),
            "user_agent": request.headers.get("User-Agent"),
            "json": body,
        }
        with self._lock:
            limited = self.rate_limit.get(name, 0)
            if limited:
                self.rate_limit[name] = limited - 1
        if limited:
            self.record({**call, "status": 429})
            return web.json_response(
                {"message": "You are being rate limited.", "retry_after": 0.2, "global": False},
                status=429,
            )
        status, answer = self._answer(name, parts, body)
        self.record({**call, "status": status})
        if status == 204:
            return web.Response(status=204)
        return web.json_response(answer, status=status)

    def _answer(self, name: str, parts: list[str], body: Any) -> tuple[int, Any]:
        match name:
            case "gateway_bot":
                session = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
                url = f"ws://127.0.0.1:{self.port}/gateway"
                return 200, {"url": url, "shards": 1, "session_start_limit": session}
            case "callback":
                return 204, None
            case "open_dm":
                return 200, {"id": f"DM{body['recipient_id']}", "type": 1}
            case "edit_original" | "followup" | "create_message":
                return 200, {"id": str(next(self._ids)), **(body or {})}
            case "start_thread":
                refusal = self.thread_refusals.get(parts[3])
                if refusal == 403:
                    return 403, {"message": "Missing Permissions", "code": 50013}
                if refusal == 400:
                    reason = "Cannot execute action on this channel type"
                    return 400, {"message": reason, "code": 50024}
                return 201, {"id": str(next(self._ids)), "type": 11, "name": body["name"]}
            case "overwrite_global_commands" | "overwrite_guild_commands":
                return 200, [{"id": str(next(self._ids)), **command} for command in body]
        return 404, {"message": "404: Not Found", "code": 0}

    async def _attachment(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.record(
            {"name": "attachment", "path": name, "auth": request.headers.get("Authorization")}
        )
        if name not in self.attachments:
            return web.Response(status=404)
        return web.Response(body=self.attachments[name], content_type="text/plain")

    # The gateway.

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        self._compressor = zlib.compressobj() if compress else None
        self._socket = socket
        self.connections += 1
        await self._send({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for frame in socket:
            if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                continue
            payload = json.loads(frame.data)  # clients send JSON as text or binary frames
            op = payload.get("op")
            with self._lock:
                self.gateway_ops.append(payload)
                self._lock.notify_all()
            if op == 1:
                await self._send({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._dispatch("READY", self._ready())
            elif op == 6:
                await self._dispatch("RESUMED", {})
                if self._last_dispatch is not None:  # a resumed session replays what it missed
                    await self._dispatch(*self._last_dispatch)
        return socket

    def _ready(self) -> dict[str, Any]:
        user = {"id": BOT_USER_ID, "username": "newsbot", "discriminator": "0", "bot": True}
        return {
            "v": 10,
            "user": user,
            "guilds": [],
            "session_id": SESSION_ID,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "shard": [0, 1],
            "application": {"id": APPLICATION_ID, "flags": 0},
        }

    async def _send(self, payload: dict[str, Any]) -> None:
        assert self._socket is not None
        data = json.dumps(payload).encode()
        if self._compressor is None:
            await self._socket.send_str(data.decode())
        else:
            chunk = self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
            await self._socket.send_bytes(chunk)

    async def _dispatch(self, name: str, data: dict[str, Any]) -> None:
        self._seq += 1
        self.dispatched[name] += 1
        if name not in ("READY", "RESUMED"):
            self._last_dispatch = (name, data)
        await self._send({"op": 0, "t": name, "s": self._seq, "d": data})

    def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """Send a dispatch event to the connected client."""
        asyncio.run_coroutine_threadsafe(self._dispatch(name, data), self._loop).result(10)

    def close_gateway(self, code: int) -> None:
        """Close the websocket with `code` (4004: the token was refused, which a client
        must not retry)."""
        assert self._socket is not None
        close = self._socket.close(code=code, message=b"closed by the test")
        asyncio.run_coroutine_threadsafe(close, self._loop).result(10)

    def ask_reconnect(self) -> None:
        """op 7: the client should reconnect and resume (and gets the last event again)."""
        send = self._send({"op": 7, "d": None, "s": None, "t": None})
        asyncio.run_coroutine_threadsafe(send, self._loop).result(10)

    def wait_for_op(self, op: int, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([p for p in self.gateway_ops if p.get("op") == op]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} gateway op {op}; got {self.gateway_ops}"
                    )
                self._lock.wait(left)
            return [p for p in self.gateway_ops if p.get("op") == op]


def user_message(
    content: str,
    *,
    message_id: str,
    channel_id: str = "700000000000000001",
    guild_id: str | None = "600000000000000001",
    author_id: str = "300000000000000001",
    bot: bool = False,
    mentions_bot: bool = True,
) -> dict[str, Any]:
    """A MESSAGE_CREATE payload shaped like Discord's."""
    author = {
        "id": author_id,
        "username": "reader",
        "discriminator": "0",
        "global_name": "Reader",
        "avatar": None,
        **({"bot": True} if bot else {}),
    }
    mentions = [{"id": BOT_USER_ID, "username": "newsbot", "discriminator": "0", "bot": True}]
    payload: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": "2026-11-22T10:00:00.000000+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions if mentions_bot else [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    if guild_id:
        payload["guild_id"] = guild_id
    return payload


def main(argv: list[str] | None = None) -> None:
    """Run the fake by hand, to try `newsbot serve` and `newsbot discord register`:

    python -m tests.bot.discord.fake_discord serve            # prints the settings, then calls
    python -m tests.bot.discord.fake_discord sign body.json   # curl headers for a signed body
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m tests.bot.discord.fake_discord")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve")
    signing = commands.add_parser("sign")
    signing.add_argument("body", type=argparse.FileType("rb"))
    args = parser.parse_args(argv)
    if args.command == "sign":
        timestamp = str(int(time.time()))
        signature = sign(args.body.read(), timestamp)
        sys.stdout.write(f"X-Signature-Timestamp: {timestamp}\nX-Signature-Ed25519: {signature}\n")
        return
    fake = FakeDiscord().start()
    sys.stdout.write(
        f"fake Discord on {fake.url}\n"
        f"DISCORD_APPLICATION_ID={APPLICATION_ID}\nDISCORD_PUBLIC_KEY={PUBLIC_KEY}\n"
        f"DISCORD_BOT_TOKEN={BOT_TOKEN}\nDISCORD_API_URL={fake.api_url}\n"
    )
    sys.stdout.flush()
    shown = 0
    try:
        while True:
            time.sleep(0.2)
            with fake._lock:
                new = fake.calls[shown:]
                shown = len(fake.calls)
            for call in new:
                call = {k: v for k, v in call.items() if k != "at"}
                sys.stdout.write(
                    "RECORDED " + json.dumps(call, indent=1, ensure_ascii=False) + "\n"
                )
                sys.stdout.flush()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
