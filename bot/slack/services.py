"""What every Slack listener needs: the shared runtime and the Slack settings.

The app's middleware puts one `Services` into each request's context
(`context["newsbot"]`); listeners read it with `services_of(context)`. Engine
calls go through the runtime's lock (`call`, `write`), shared with any other
surface served by the same process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from newsbot.bot.chat_state import ChatState
from newsbot.bot.ingest_queue import IngestQueue
from newsbot.bot.runtime import Runtime
from newsbot.bot.slack.config import SlackConfig
from newsbot.index import Engine

T = TypeVar("T")
CONTEXT_KEY = "newsbot"


@dataclass(frozen=True)
class Services:
    runtime: Runtime
    config: SlackConfig

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    @property
    def state(self) -> ChatState:
        return self.runtime.state

    @property
    def ingest_queue(self) -> IngestQueue:
        return self.runtime.ingest_queue

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.runtime.call(fn, *args, **kwargs)

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.runtime.write(fn, *args, **kwargs)


def services_of(context: Mapping[str, Any]) -> Services:
    services = context[CONTEXT_KEY]
    if not isinstance(services, Services):
        raise TypeError("the newsbot middleware did not run for this request")
    return services
