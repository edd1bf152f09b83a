"""Downloading a file shared with newsbot, without ever sending the token elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from slack_sdk import WebClient

from newsbot.bot.slack.services import Services
from newsbot.index import MAX_BYTES, READABLE_SUFFIXES, IngestError, TooLargeError

_SLACK_FILE_HOSTS = {"files.slack.com", "slack-files.com"}


def _trusted_host(services: Services, url: str) -> bool:
    """Slack's file hosts, or the configured API host (a test or Enterprise Grid proxy)."""
    parsed = urlparse(url)
    api_host = urlparse(services.config.api_url).netloc
    return parsed.scheme in ("https", "http") and (
        parsed.netloc in _SLACK_FILE_HOSTS or parsed.netloc == api_host
    )


@dataclass(frozen=True)
class SharedFile:
    origin: str
    suffix: str
    data: bytes


def download_shared_file(
    services: Services, client: WebClient, file_info: dict[str, Any]
) -> SharedFile:
    """The bytes of a file shared with newsbot, or IngestError with the reason."""
    name = str(file_info.get("name") or file_info.get("id") or "file")
    origin = f"slack-file:{name}"
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in READABLE_SUFFIXES:
        raise IngestError("only plain text, Markdown and HTML files can be added.", origin=origin)
    size = int(file_info.get("size") or 0)
    if size > MAX_BYTES:
        raise TooLargeError(f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit.", origin=origin)
    url = file_info.get("url_private_download") or file_info.get("url_private")
    if not url or not _trusted_host(services, url):
        raise IngestError("the file's download link is not a Slack file link.", origin=origin)
    headers = {"Authorization": f"Bearer {client.token}"}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=20.0) as response:
            if response.status_code != 200:
                raise IngestError(
                    f"Slack answered {response.status_code} to the download.", origin=origin
                )
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_BYTES:
                    raise TooLargeError(f"over the {MAX_BYTES:,}-byte limit.", origin=origin)
    except httpx.HTTPError as exc:
        raise IngestError(f"the download failed ({type(exc).__name__}).", origin=origin) from exc
    return SharedFile(origin, suffix, bytes(data))
