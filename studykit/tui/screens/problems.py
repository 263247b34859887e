"""Problems found while loading decks, one line each (file:line:column: message).

Shown at start when a deck is broken; the decks that loaded stay usable behind it.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Static

from studykit.tui.widgets.footer import Footer


class ProblemsScreen(Screen[None]):
    BINDINGS = [Binding("escape,enter,q", "back", "Back", id="back")]

    def __init__(self, problems: list[Any], deck_count: int) -> None:
        super().__init__()
        self.problems = problems
        self.deck_count = deck_count

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="problems"):
            yield Static(self._summary(), id="problems-summary")
            yield Static(self._lines(), id="problems-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Deck problems"

    def _summary(self) -> Content:
        errors = sum(1 for p in self.problems if p.severity == "error")
        warnings = len(self.problems) - errors
        if not self.problems:
            return Content("No problems: every deck loaded cleanly.")
        usable = (
            f"{self.deck_count} deck(s) loaded and can be studied; the broken ones are left out."
            if self.deck_count
            else "No deck could be loaded. Fix the errors below, then start studykit again."
        )
        return Content.assemble(
            (f"{errors} error(s), {warnings} warning(s). ", "bold $error" if errors else "bold"),
            usable,
            "\n",
            ("Check a deck from the shell with `studykit deck validate FILE`.\n", "$text-muted"),
        )

    def _lines(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        for problem in self.problems:
            style = "$error" if problem.severity == "error" else "$warning"
            parts += [(str(problem), style), "\n"]
        return Content.assemble(*parts)

    def action_back(self) -> None:
        self.dismiss()
