"""Textual's footer, rebuilt once per refresh however often the key bindings changed.

Textual's `Footer` rebuilds all its keys after every `refresh_bindings` (and every focus change
sends one): rating a card sent about seven, and those rebuilds were a sixth of the study
screen's time. This one queues a single rebuild, which reads the bindings as they are when it
runs, so it shows the same keys as the last of the seven would.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """A `Footer` that coalesces binding changes into one recompose."""

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False  # a change from now on queues the next rebuild
        await self.recompose()
