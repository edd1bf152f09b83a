"""A fake Slack Web API on 127.0.0.1 that records every call, as bolt-python's tests do.

It answers auth.test and chat.* methods, takes response_url posts at
/response/<id>, serves shared files at /files/<name> (only with the bot token),
serves web pages at /web/<name> for URL ingest, and can answer 429 with
Retry-After to a method a given number of times.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.rate_limit: dict[str, int] = {}
        # response_url paths whose in_channel posts Slack refuses: (status, body)
        self.refused_responses: dict[str, tuple[int, str]] = {}
        # Web API methods Slack refuses, with the error it gives (not_in_channel...)
        self.api_errors: dict[str, str] = {}
        self.files: dict[str, bytes] = {}
        self.pages: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Condition()
        self._ts = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, call: dict[str, Any]) -> None:
        with self._lock:
            call["at"] = time.monotonic()
            self.calls.append(call)
            self._lock.notify_all()

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def calls_except_auth(self) -> list[dict[str, Any]]:
        """Every recorded call but auth.test (which bolt makes on its own)."""
        with self._lock:
            return [c for c in self.calls if c["method"] != "auth.test"]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len([c for c in self.calls if c["method"] == method]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [c["method"] for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s); got {got}")
                self._lock.wait(left)
            return [c for c in self.calls if c["method"] == method]

    def wait_for_in(
        self,
        channel: str,
        count: int = 1,
        *,
        method: str = "chat.postMessage",
        timeout: float = 20.0,
    ) -> list[dict[str, Any]]:
        """Wait until `count` calls of `method` were made in `channel`; all of them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [
                    c for c in self.calls if c["method"] == method and c.get("channel") == channel
                ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} {method} in {channel}; got {len(found)}")
            time.sleep(0.02)

    def next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1700000000.{self._ts:06d}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _send(
                self, status: int, body: bytes, content_type: str, extra: dict | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: dict, extra: dict | None = None) -> None:
                self._send(status, json.dumps(data).encode(), "application/json", extra)

            def do_GET(self) -> None:
                if self.path.startswith("/files/"):
                    name = self.path.removeprefix("/files/")
                    auth = self.headers.get("Authorization")
                    fake.record({"method": "file_download", "name": name, "auth": auth})
                    if auth != f"Bearer {BOT_TOKEN}":
                        self._send(403, b"forbidden", "text/plain")
                    elif name in fake.files:
                        self._send(200, fake.files[name], "application/octet-stream")
                    else:
                        self._send(404, b"missing", "text/plain")
                    return
                if self.path.startswith("/web/"):
                    name = self.path.removeprefix("/web/")
                    if name in fake.pages:
                        content_type, body = fake.pages[name]
                        self._send(200, body, content_type)
                    else:
                        self._send(404, b"not found", "text/plain")
                    return
                self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or b"{}")
                else:
                    params = dict(parse_qsl(raw.decode()))
                    if isinstance(params.get("blocks"), str):
                        params["blocks"] = json.loads(params["blocks"])
                if self.path.startswith("/response/"):
                    fake.record({"method": "response_url", "path": self.path, **params})
                    refused = fake.refused_responses.get(self.path)
                    if refused is not None and params.get("response_type") == "in_channel":
                        self._send(refused[0], refused[1].encode(), "text/plain")
                    else:
                        self._json(200, {"ok": True})
                    return
                method = self.path.removeprefix("/api/")
                auth = self.headers.get("Authorization")
                if fake.rate_limit.get(method, 0) > 0:
                    fake.rate_limit[method] -= 1
                    fake.record({"method": method, "status": 429, "auth": auth, **params})
                    self._json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                    return
                fake.record({"method": method, "status": 200, "auth": auth, **params})
                if method == "auth.test":
                    self._json(
                        200,
                        {
                            "ok": True,
                            "url": "https://t.slack.com/",
                            "team": "T",
                            "user": "newsbot",
                            "team_id": "T1",
                            "user_id": BOT_USER,
                            "bot_id": "BBOT",
                            "is_enterprise_install": False,
                        },
                    )
                elif method == "chat.postMessage":
                    self._json(
                        200,
                        {
                            "ok": True,
                            "channel": params.get("channel"),
                            "ts": fake.next_ts(),
                            "message": {"text": params.get("text")},
                        },
                    )
                elif method in fake.api_errors:  # Slack's refusal: HTTP 200, ok false
                    self._json(200, {"ok": False, "error": fake.api_errors[method]})
                else:
                    self._json(200, {"ok": True})

        return Handler
