"""A flashcard: the front, then (space) the back. The learner rates it themselves."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content

from studykit.tui.widgets.card_text import card_text
from studykit.tui.widgets.card_view import DIM, CardView, key_label, prompt


class FlashcardView(CardView):
    BINDINGS = [Binding("space", "flip", "Show answer", id="flip")]

    def render_card(self) -> Content:
        front = prompt(self.card.front)
        if not self.answered:
            return Content.assemble(
                front, ("Recall the answer, then press ", DIM), key_label("space")
            )
        return Content.assemble(front, ("─" * 20, DIM), "\n", card_text(self.card.back))

    def action_flip(self) -> None:
        # Flipping is the flashcard's "answer": the screen then asks for a self-rating.
        self.commit(None)
