"""Where the bundled seed articles are: the repo's seeds/, or the installed copy."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def find_seeds_dir() -> Path | None:
    """$NEWSBOT_SEEDS, else seeds/ beside the package (a checkout), else the wheel's copy."""
    configured = os.environ.get("NEWSBOT_SEEDS")
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_dir() else None
    for candidate in (
        Path(__file__).resolve().parent.parent / "seeds",
        Path(sys.prefix) / "share" / "newsbot" / "seeds",
    ):
        if candidate.is_dir():
            return candidate
    return None
