"""One HTTP GET under limits that hold against a hostile server.

- One wall-clock deadline over connecting, the headers and the body: every
  socket operation gets at most the time that is left, so a server that
  trickles one byte every few seconds is cut off at the deadline.
- Decompressed bytes are capped while decoding, never after: at most one
  content coding (gzip or deflate), decoded chunk by chunk with a bounded
  output; a stack of codings or an unknown one is refused.
- Headers are capped by h11 at 100 KiB (httpcore's limit), which also bounds
  their count.

It speaks httpcore directly because the deadline lives in the network
backend, which httpx's transport does not let one replace.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

from newsbot.index.errors import FetchError, TooLargeError

ACCEPT_ENCODING = "gzip, deflate"
_GZIP = ("gzip", "x-gzip")


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[httpcore.TimeoutException]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("the deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = self._left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: float) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("the deadline passed")
        timeout = left if timeout is None else min(timeout, left)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for fetching")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class BodyDecoder:
    """Decodes one content coding with the output capped at `limit` bytes, as it goes."""

    def __init__(self, content_encoding: str, limit: int, *, origin: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1:
            raise FetchError(
                f"the page is compressed {len(codings)} times over ({', '.join(codings)}); "
                "refused.",
                origin=origin,
            )
        coding = codings[0] if codings else None
        if coding is not None and coding not in (*_GZIP, "deflate"):
            raise FetchError(f"unsupported content encoding {coding!r}.", origin=origin)
        self.coding = coding
        self.limit = limit
        self.origin = origin
        self.size = 0
        # gzip now; deflate at its first bytes, which say how it is wrapped.
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding in _GZIP else None

    def feed(self, chunk: bytes) -> bytes:
        """The decoded bytes of one chunk; TooLargeError as soon as the cap is passed."""
        if self.coding is None:
            out = chunk
        elif not chunk:
            out = b""
        else:
            if self._zlib is None:
                # "deflate" is zlib-wrapped by the standard, raw in much of the wild:
                # a zlib header names method 8 and is a multiple of 31.
                wrapped = (
                    len(chunk) >= 2
                    and chunk[0] & 0x0F == 8
                    and ((chunk[0] << 8) | chunk[1]) % 31 == 0
                )
                self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            try:
                # At most one byte past the cap, whatever the compression ratio.
                out = self._zlib.decompress(chunk, self.limit - self.size + 1)
            except zlib.error as exc:
                raise FetchError("the compressed body is corrupt.", origin=self.origin) from exc
        self.size += len(out)
        if self.size > self.limit:
            raise TooLargeError(
                f"the page is over the {self.limit:,}-byte limit.", origin=self.origin
            )
        return out


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    _stream: Any

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def iter_raw(self) -> Iterator[bytes]:
        yield from self._stream


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


@contextmanager
def open_response(
    url: str,
    *,
    headers: dict[str, str],
    sni_hostname: str,
    deadline: float,
    connect_timeout: float,
    read_timeout: float,
) -> Iterator[Response]:
    """GET `url` (the pinned address) and yield the response once its headers are in.

    httpcore's own errors pass through; the caller words them for the user.
    """
    pool = httpcore.ConnectionPool(
        network_backend=_DeadlineBackend(deadline), max_connections=1, retries=0
    )
    timeouts = {"connect": connect_timeout, "read": read_timeout, "write": read_timeout}
    with (
        pool,
        pool.stream(
            "GET",
            url,
            headers=list(headers.items()),
            extensions={"timeout": timeouts, "sni_hostname": sni_hostname},
        ) as response,
    ):
        yield Response(response.status, _headers(response.headers), response.iter_stream())
