"""An order card, keyboard only: arrange shuffled steps, then confirm.

↑/↓ move the highlight; shift+↑/↓ (or space to grab, then ↑/↓, then space to drop) move the
highlighted step. Enter confirms. Works the same in any terminal, including inside tmux.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content

from studykit.tui.widgets.card_text import card_text, hang
from studykit.tui.widgets.card_view import DIM, KEY, RIGHT, WRONG, CardView, key_label, prompt


class OrderView(CardView):
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("shift+up,K", "move(-1)", "Move up", show=False),
        Binding("shift+down,J", "move(1)", "Move down", show=False),
        Binding("space", "grab", "Grab/drop", id="grab"),
        Binding("enter", "confirm", "Confirm", id="confirm"),
    ]

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self.row = 0
        self.grabbed = False
        # The learner's arrangement: position -> original step index.
        self.arrangement: list[int] = list(self.order)

    def render_card(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.prompt)]
        for position, original in enumerate(self.arrangement):
            here = position == self.row and not self.answered
            cursor = ("▸ ", KEY) if here else "  "
            if here and self.grabbed:
                cursor = ("⇅ ", KEY)
            style = "reverse" if here else ""
            note: tuple[str, str] = ("", "")
            if self.verdict is not None:  # the mark where the cursor was; wrapped with the step
                right = original == position
                cursor = ("✓ ", RIGHT) if right else ("✗ ", WRONG)
                note = ("", "") if right else (f"  (belongs at {original + 1})", WRONG)
            text = card_text(self.card.steps[original])
            step = Content.assemble(f"{position + 1}. ", text, note)
            if style:
                step = step.stylize_before(style)
            parts += [cursor, hang(step, self.content_size.width - 5, 5), "\n"]
        if not self.answered:
            parts += [
                ("\n↑↓ highlight · ", DIM),
                key_label("space"),
                (" grab/drop (or shift+↑↓) · ", DIM),
                key_label("enter"),
                (" confirms", DIM),
            ]
        return Content.assemble(*parts)

    def action_cursor(self, delta: int) -> None:
        if self.answered:
            return
        if self.grabbed:
            self.action_move(delta)
            return
        self.row = (self.row + delta) % len(self.arrangement)
        self.refresh_view()

    def action_move(self, delta: int) -> None:
        target = self.row + delta
        if self.answered or not 0 <= target < len(self.arrangement):
            return
        steps = self.arrangement
        steps[self.row], steps[target] = steps[target], steps[self.row]
        self.row = target
        self.refresh_view()

    def action_grab(self) -> None:
        if not self.answered:
            self.grabbed = not self.grabbed
            self.refresh_view()

    def action_confirm(self) -> None:
        self.grabbed = False
        self.commit(tuple(self.arrangement))
