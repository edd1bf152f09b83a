"""Downloading a file shared with newsbot, without ever sending the token elsewhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import httpx
from slack_sdk import WebClient

from bot.slack.services import Services
from index.errors import IngestError, TooLargeError
from index.ingest import MAX_BYTES, READABLE_SUFFIXES, draft_from_bytes
from index.models import ArticleDraft

_SLACK_FILE_HOSTS = {"files.slack.com", "slack-files.com"}


def _trusted_host(services: Services, url: str) -> bool:
    """Slack's file hosts, or the configured API host (a test or Enterprise Grid proxy)."""
    parsed = urlparse(url)
    api_host = urlparse(services.config.api_url).netloc
    return parsed.scheme in ("https", "http") and (
        parsed.netloc in _SLACK_FILE_HOSTS or parsed.netloc == api_host
    )


def download_shared_file(
    services: Services, client: WebClient, file_info: dict[str, Any]
) -> ArticleDraft:
    name = str(file_info.get("name") or file_info.get("id") or "file")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in READABLE_SUFFIXES:
        raise IngestError(f"{name}: only plain text, Markdown and HTML files can be added.")
    size = int(file_info.get("size") or 0)
    if size > MAX_BYTES:
        raise TooLargeError(f"{name}: {size:,} bytes is over the {MAX_BYTES:,}-byte limit.")
    url = file_info.get("url_private_download") or file_info.get("url_private")
    if not url or not _trusted_host(services, url):
        raise IngestError(f"{name}: the file's download link is not a Slack file link.")
    headers = {"Authorization": f"Bearer {client.token}"}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=20.0) as response:
            if response.status_code != 200:
                raise IngestError(f"{name}: Slack answered {response.status_code} to the download.")
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_BYTES:
                    raise TooLargeError(f"{name}: over the {MAX_BYTES:,}-byte limit.")
    except httpx.HTTPError as exc:
        raise IngestError(f"{name}: the download failed ({type(exc).__name__}).") from exc
    return draft_from_bytes(bytes(data), f"slack-file:{name}", suffix=suffix)
