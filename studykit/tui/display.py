"""Small torch-free adapters from study-layer data to what the screens print. No domain logic:
names, bars and bucketing for display only.
"""

from __future__ import annotations

import math
from datetime import datetime

# fsrs.Rating values 1-4 (Again, Hard, Good, Easy), named as the learner sees them.
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
GOOD = 3


def bar(fraction: float, width: int = 10) -> str:
    """A block bar for 0..1, e.g. `███████░░░` for 0.7."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


SHADES = " ░▒▓█"


def shade(count: int, most: int) -> str:
    """One heatmap cell: blank for no reviews, darker for more (relative to the busiest day)."""
    if count <= 0 or most <= 0:
        return "·"
    level = 1 + min(3, (count * 4 - 1) // most)
    return SHADES[level]


def due_in(due: datetime, now: datetime) -> str:
    """When a card falls due, as a learner reads it: `in 4 min (14:32)`, `in 40 s (14:28)`."""
    seconds = max(0, math.ceil((due - now).total_seconds()))
    wait = f"{seconds} s" if seconds < 60 else f"{math.ceil(seconds / 60)} min"
    return f"in {wait} ({due.astimezone():%H:%M})"
