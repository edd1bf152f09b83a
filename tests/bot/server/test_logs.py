"""Log hygiene: no token in a log line, a traceback's text included."""

from __future__ import annotations

import io
import logging

from newsbot.bot.server.logs import RedactTokens

SLACK = "xoxb-1234567890-abcdefghij"
DISCORD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz012345"


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactTokens())
    logger = logging.getLogger(f"test-logs-{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    return logger


def test_a_traceback_that_echoes_a_token_is_redacted() -> None:
    out = io.StringIO()
    try:
        raise RuntimeError(f"The API answered: invalid_auth for {SLACK} and Bot {DISCORD}")
    except RuntimeError:
        _logger(out).exception("posting the answer failed")
    text = out.getvalue()
    assert "Traceback (most recent call last)" in text and "RuntimeError" in text
    assert SLACK not in text and DISCORD not in text
    assert "xoxb-[redacted]" in text and "Bot [redacted]" in text


def test_a_stack_and_a_long_message_are_redacted_and_clipped() -> None:
    out = io.StringIO()
    logger = _logger(out)
    logger.warning("token %s", SLACK + " " + "x" * 5000, stack_info=True)
    text = out.getvalue()
    assert SLACK not in text
    assert "more characters]" in text
    assert "Stack (most recent call last)" in text
