"""The bolt app: a WebClient on the configured API URL, one middleware, the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from newsbot.bot.slack import listeners
from newsbot.bot.slack.config import SlackConfig
from newsbot.bot.slack.services import CONTEXT_KEY, Services
from newsbot.bot.slack.state import CLAIM_LEASE_SECONDS, SlackState
from newsbot.index import Engine

RATE_LIMIT_RETRIES = 3


class _DropTokenUnusedWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it is ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_UNUSED_FILTER = _DropTokenUnusedWarning()


def create_app(
    engine: Engine, config: SlackConfig, *, claim_lease: float = CLAIM_LEASE_SECONDS
) -> tuple[App, Services]:
    """Build the app. Calls Slack's auth.test once, to learn newsbot's own user id.

    `claim_lease`: how long a claimed event waits for its reply before another
    delivery, or a restarted newsbot, may answer it (see state.py).
    """
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
    state = SlackState(engine.db_path, lease=claim_lease)
    services = Services(engine=engine, config=config, state=state)

    def inject_services(context: BoltContext, next: Callable[[], Any]) -> None:
        context[CONTEXT_KEY] = services  # what every listener reads: services_of(context)
        next()

    app.use(inject_services)
    listeners.register(app)
    return app, services
