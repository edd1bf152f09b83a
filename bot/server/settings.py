"""The one reader of settings from the environment.

Every `from_env` (the engine's, the HTTP server's, `serve`'s, Slack's and
Discord's) reads through `Env`, so a value is trimmed, parsed, bounded and
refused the same way whichever setting it is: a malformed one is one
ConfigError line naming the variable. Only entry points build an `Env` from
the process environment; tests give it a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from newsbot.index import ConfigError

_TRUE = frozenset({"1", "on", "yes", "true"})
_FALSE = frozenset({"0", "off", "no", "false"})


@dataclass(frozen=True)
class Env:
    values: Mapping[str, str]

    @classmethod
    def of(cls, env: Mapping[str, str] | None = None) -> Env:
        """`env`, or the process environment when None (entry points only)."""
        return cls(os.environ if env is None else env)

    def text(self, name: str) -> str | None:
        """The value with its surrounding spaces trimmed; None when unset or blank."""
        value = self.values.get(name, "").strip()
        return value or None

    def present(self, *names: str) -> bool:
        """Whether any of these settings has a value."""
        return any(self.text(name) for name in names)

    def flag(self, name: str, *, default: bool = False) -> bool:
        """1/0, on/off, yes/no or true/false (any case); `default` when unset."""
        value = (self.text(name) or "").lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(
            f"{name} must be 1 or 0 (on/off, yes/no, true/false), not {value!r}.", variable=name
        )

    def number(self, name: str, default: int, low: int, high: int, what: str) -> int:
        """A whole number from `low` to `high`; `default` when unset."""
        raw = self.text(name) or str(default)
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ConfigError(f"{name} must be {what} ({low}-{high}), not {raw!r}.", variable=name)
        return int(raw)

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """One of `choices` (any case); `default` when unset."""
        value = (self.text(name) or default).lower()
        if value not in choices:
            raise ConfigError(
                f"{name} must be {' or '.join(choices)}, not {value!r}.", variable=name
            )
        return value

    def url(self, name: str, default: str) -> str:
        """An http(s) URL with a host; `default` when unset."""
        value = self.text(name) or default
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"{name} must be an http(s) URL, not {value!r}.", variable=name)
        return value
