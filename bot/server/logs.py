"""Log hygiene for the servers: no token reaches a log line, whoever logs it.

Slack tokens (`xoxb-…`, `xapp-…`), Discord bot tokens and the interaction
tokens in Discord's webhook URLs (which httpx logs with every request) are
replaced by `[redacted]`; whole request bodies (bolt logs them at debug level)
are clipped.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

LOG_LINE_LIMIT = 2000

_SLACK_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
# A Discord bot token: base64 user id, timestamp and HMAC, dot-separated.
_DISCORD_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
# Interaction tokens ride in URL paths: /webhooks/APP/TOKEN, /interactions/ID/TOKEN.
_INTERACTION_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.-]+")
_BEARER = re.compile(r"(\b(?:Bot|Bearer) )[A-Za-z0-9_.-]{16,}")


def redact(message: str) -> str:
    clean = _SLACK_TOKEN.sub(r"\1-[redacted]", message)
    clean = _INTERACTION_TOKEN.sub(r"\1[redacted]", clean)
    clean = _BEARER.sub(r"\1[redacted]", clean)
    return _DISCORD_TOKEN.sub("[redacted]", clean)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if len(clean) > LOG_LINE_LIMIT:
            clean = f"{clean[:LOG_LINE_LIMIT]}… [{len(clean) - LOG_LINE_LIMIT:,} more characters]"
        if clean != message:
            record.msg = clean
            record.args = ()
        # A traceback is rendered after filters run, from the exception itself: render
        # it now, redacted (an API error's text can echo the token it was sent).
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Fields a log call may pass in `extra` that the JSON format writes as its own keys.
FIELDS = ("surface", "latency_ms", "confidence", "quotes", "abstained")


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the
    FIELDS a call gave, and the traceback if any (redacted by RedactTokens before)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in FIELDS if hasattr(record, key)})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, level: int, json_lines: bool = False) -> None:
    """The root handler on stderr, timestamped text or JSON lines, tokens redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if json_lines else _iso_formatter())
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def _iso_formatter() -> logging.Formatter:
    formatter = logging.Formatter(TEXT_FORMAT)
    formatter.default_msec_format = "%s.%03d"
    return formatter
