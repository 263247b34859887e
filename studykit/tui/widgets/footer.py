"""Textual's footer, rebuilt once per refresh and only when the keys it shows changed.

Textual's `Footer` rebuilds all its keys after every `refresh_bindings` (and every focus change
sends one): rating a card sent about seven, half of them leaving the keys as they were, and
those rebuilds were a sixth of the study screen's time. This one queues a single rebuild,
which reads the bindings as they are when it runs (so it shows what the last of the seven
would), and skips it when the keys, labels and enabled states are the ones already shown.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """A `Footer` that coalesces binding changes into one recompose, if any is needed."""

    _rebuild_queued = False
    _shown: Hashable = None  # what the keys were composed from

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False  # a change from now on queues the next rebuild
        if not self.is_attached or self._pruning:  # its screen closed meanwhile
            return
        shown = self._keys_to_show()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def compose(self) -> ComposeResult:
        # Each key binds to the footer's `compact`, and the binding's first call adds the
        # "-compact" class on mount, which restyles that key at once: about a third of a
        # rebuild. A key that has the class already is styled once, with it.
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    def _keys_to_show(self) -> Hashable:
        """Everything `Footer.compose` draws from: each active binding (a frozen dataclass,
        compared field by field), whether it is enabled, its tooltip, and the palette key."""
        bindings = tuple(
            (key, binding, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
        return bindings, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE
