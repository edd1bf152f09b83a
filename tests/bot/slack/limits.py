"""Slack's limits, asserted on a message as it would be sent (a test helper)."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block

from newsbot.bot.slack import render

# After escaping, "&" only starts &amp; &lt; &gt;; "<" and ">" only open and close a
# link or mention, whole, or (">" at a line's start) mark a block quote.
_BROKEN_ESCAPE = re.compile(r"&(?!amp;|lt;|gt;)")
_WHOLE_LINK = re.compile(r"<[^<>]*>")
_QUOTE_MARK = re.compile(r"^>", re.MULTILINE)  # a block quote's own mark


def texts(node: Any) -> list[str]:
    """Every "text" string in blocks as JSON."""
    if isinstance(node, dict):
        return [
            t
            for k, v in node.items()
            for t in ([v] if k == "text" and isinstance(v, str) else texts(v))
        ]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    blocks = message.get("blocks", [])
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()  # slack_sdk's own checks: 3,000 per section, 10 elements...
        assert parsed.to_dict() == block
    size = render.message_size(message)
    assert size == sum(len(t) for t in texts(blocks))
    assert size <= render.MESSAGE_LIMIT, f"{size:,} characters of block text"
    assert message["text"] and len(message["text"]) <= render.FALLBACK_LIMIT
    for text in [message["text"], *texts(blocks)]:
        assert not _BROKEN_ESCAPE.search(text), text
        outside_links = _WHOLE_LINK.sub("", _QUOTE_MARK.sub("", text))
        assert "<" not in outside_links and ">" not in outside_links, text
