"""The bolt app: a WebClient on the configured API URL, one middleware, the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from newsbot.bot.chat.runtime import Runtime
from newsbot.bot.slack import listeners
from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.context import CONFIG_KEY, RUNTIME_KEY
from newsbot.bot.slack.listeners.events import claim_before_ack
from newsbot.index import ConfigError

RATE_LIMIT_RETRIES = 3


class _DropTokenUnusedWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it is ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_UNUSED_FILTER = _DropTokenUnusedWarning()


def create_app(runtime: Runtime, config: SlackConfig) -> App:
    """Build the app. Calls Slack's auth.test once, to learn newsbot's own user id."""
    client = WebClient(token=config.bot_token, base_url=config.api_url)
    # HTTP 429: wait for Retry-After, then try again (up to RATE_LIMIT_RETRIES times).
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    bolt_logger = logging.getLogger("newsbot.slack.bolt")
    if _TOKEN_UNUSED_FILTER not in bolt_logger.filters:
        bolt_logger.addFilter(_TOKEN_UNUSED_FILTER)
    app = App(
        client=client,
        signing_secret=config.signing_secret or "",
        # Socket Mode requests come over newsbot's own websocket, not signed HTTP.
        request_verification_enabled=not config.socket_mode,
        logger=bolt_logger,
        # Listeners run after the acknowledgement, in bolt's worker threads.
        process_before_response=False,
    )

    def inject(context: BoltContext, next: Callable[[], Any]) -> None:
        # What every listener reads: runtime_of(context), config_of(context).
        context[RUNTIME_KEY] = runtime
        context[CONFIG_KEY] = config
        next()

    app.use(inject)
    app.use(claim_before_ack)
    listeners.register(app)
    return app


def connect_slack(runtime: Runtime, config: SlackConfig) -> App:
    """`create_app` for `newsbot serve`: a refused token or an unreachable Slack
    is one ConfigError line naming the variable to check."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    # slack_sdk logs each failed attempt itself; at start-up the one line below says it.
    sdk_logger = logging.getLogger("slack_sdk")
    level = sdk_logger.level
    sdk_logger.setLevel(logging.CRITICAL)
    try:
        return create_app(runtime, config)
    except (BoltError, SlackApiError) as exc:
        message = f"Slack refused the bot token: {exc}".splitlines()[0]
        raise ConfigError(message, variable="SLACK_BOT_TOKEN") from exc
    except (SlackClientError, OSError) as exc:  # urllib's URLError is an OSError
        reason = str(getattr(exc, "reason", None) or exc).splitlines()[0]
        raise ConfigError(
            f"Cannot reach Slack at {config.api_url} ({reason}). Check the network "
            "and SLACK_API_URL.",
            variable="SLACK_API_URL",
        ) from exc
    finally:
        sdk_logger.setLevel(level)
