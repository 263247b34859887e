"""Waiting for the screen to reach a state, not for time: pilot tests that check layout
(what is scrolled into view, what a refresh drew) poll their condition between pauses."""

from __future__ import annotations

import time
from collections.abc import Callable


async def settled(pilot, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Pause until `condition()` holds or `timeout` seconds pass; whether it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await pilot.pause()
    return True
