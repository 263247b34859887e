"""Waiting for the screen to reach a state, not for time: pilot tests that check layout
(what is scrolled into view, what a refresh drew) poll their condition between pauses, and a
card is answered only once it holds the focus."""

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


async def dont_know_and_rate(pilot, screen, key: str) -> None:
    """Answer the shown card "don't know" on the study `screen` and rate it with `key`."""
    view = screen.view
    # A card takes the focus once it is drawn (a short card's answer box): wait for that, or it
    # can take the focus back from the view after the line below and `key` becomes text.
    assert await settled(pilot, lambda: view.has_focus_within)
    view.commit(None)
    view.focus()  # out of a short card's answer box, where keys would be text
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
