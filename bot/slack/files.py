"""Downloading a file shared with newsbot, without ever sending the token elsewhere."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from slack_sdk import WebClient

from newsbot.bot.chat.downloads import SharedFile, check_size, download, readable_suffix
from newsbot.bot.slack.config import SlackConfig
from newsbot.index import IngestError

_SLACK_FILE_HOSTS = {"files.slack.com", "slack-files.com"}


def _trusted_host(config: SlackConfig, url: str) -> bool:
    """Slack's file hosts, or the configured API host (a test or Enterprise Grid proxy)."""
    parsed = urlparse(url)
    api_host = urlparse(config.api_url).netloc
    return parsed.scheme in ("https", "http") and (
        parsed.netloc in _SLACK_FILE_HOSTS or parsed.netloc == api_host
    )


def download_shared_file(
    config: SlackConfig, client: WebClient, file_info: dict[str, Any]
) -> SharedFile:
    """The bytes of a file shared with newsbot, or IngestError with the reason."""
    name = str(file_info.get("name") or file_info.get("id") or "file")
    origin = f"slack-file:{name}"
    suffix = readable_suffix(name, origin)
    check_size(int(file_info.get("size") or 0), origin)
    url = file_info.get("url_private_download") or file_info.get("url_private")
    if not url or not _trusted_host(config, url):
        raise IngestError("the file's download link is not a Slack file link.", origin=origin)
    headers = {"Authorization": f"Bearer {client.token}"}
    data = download(url, origin=origin, platform="Slack", headers=headers)
    return SharedFile(origin, suffix, data)
