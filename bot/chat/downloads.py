"""Downloading a file a user shared in chat: by size-capped stream, from a trusted host."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from newsbot.index import MAX_BYTES, READABLE_SUFFIXES, IngestError, TooLargeError

DOWNLOAD_TIMEOUT = 20.0


@dataclass(frozen=True)
class SharedFile:
    origin: str
    suffix: str
    data: bytes


def readable_suffix(name: str, origin: str) -> str:
    """The file's suffix, or IngestError when newsbot cannot read that kind of file."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in READABLE_SUFFIXES:
        raise IngestError("only plain text, Markdown and HTML files can be added.", origin=origin)
    return suffix


def check_size(size: int, origin: str) -> None:
    if size > MAX_BYTES:
        raise TooLargeError(f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit.", origin=origin)


def download(
    url: str, *, origin: str, platform: str, headers: dict[str, str] | None = None
) -> bytes:
    """The body at `url`, at most MAX_BYTES, or IngestError with the reason.

    The caller has checked that `url` is the platform's own file host: only then
    may `headers` carry a token.
    """
    try:
        with httpx.stream("GET", url, headers=headers, timeout=DOWNLOAD_TIMEOUT) as response:
            if response.status_code != 200:
                raise IngestError(
                    f"{platform} answered {response.status_code} to the download.", origin=origin
                )
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_BYTES:
                    raise TooLargeError(f"over the {MAX_BYTES:,}-byte limit.", origin=origin)
    except httpx.HTTPError as exc:
        raise IngestError(f"the download failed ({type(exc).__name__}).", origin=origin) from exc
    return bytes(data)
