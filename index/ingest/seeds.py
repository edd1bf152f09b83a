"""Where the bundled seed articles are: package data of `newsbot.seeds`."""

from __future__ import annotations

from pathlib import Path

import newsbot.seeds


def bundled_seeds_dir() -> Path:
    """The seeds/ folder of this checkout, or its installed copy (the same files)."""
    return Path(newsbot.seeds.__file__).resolve().parent
