"""A cloze deletion: the text with one gap. Type what is missing and Enter (graded like a short
answer), or Enter on an empty box to show it and rate yourself, like a flashcard.

While the box has focus every printable key is text, so Esc leaves it (then l opens the card's
lab) and Enter goes back to typing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from studykit.deck import cloze
from studykit.deck.model import MAX_TYPED
from studykit.tui.widgets.card_text import card_text
from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, CardView
from studykit.tui.widgets.verdict import typo_text


class ClozeView(CardView):
    DEFAULT_CSS = """
    ClozeView > Input { margin: 0 0 1 0; }
    """
    BINDINGS = [
        Binding("escape", "stop_typing", "Stop typing", id="stop-typing"),
        Binding("enter", "type", "Type the answer", id="type"),
    ]

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self.typed = ""

    def compose(self) -> ComposeResult:
        yield Static(classes="card-body")
        yield Input(
            placeholder="Type the missing text, then Enter (Enter alone shows the answer)",
            id="cloze-answer",
            select_on_focus=False,
            max_length=MAX_TYPED,  # grading reads no more than this
        )

    def focus_answer(self) -> None:
        self.query_one(Input).focus()

    def render_card(self) -> Content:
        text = cloze.show(self.card.text, self.card.number, reveal=self.answered)
        body = Content.assemble(card_text(text), "\n\n")
        if not self.answered:
            return body
        if self.verdict is None:  # shown, not typed: the learner rates themselves
            return Content.assemble(body, ("Rate how well you knew it.", DIM))
        if self.verdict.typo is not None:  # as grading compared it, the slip highlighted
            typo = self.verdict.typo
            return Content.assemble(
                body, ("You typed: ", DIM), typo_text(typo.typed, typo.typed_span)
            )
        ok = self.verdict.correct
        return Content.assemble(
            body, ("You typed: ", DIM), (self.typed or "(nothing)", RIGHT if ok else WRONG)
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.typed = event.value.strip()
        # An empty box means "show me": the screen then asks for a self-rating.
        self.commit(self.typed or None)
        self.query_one(Input).display = False
        self.focus()

    def action_stop_typing(self) -> None:
        self.focus()

    def action_type(self) -> None:
        self.focus_answer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.answered:
            return False
        typing = self.query_one(Input).has_focus
        if action == "stop_typing":
            return typing
        if action == "type":
            return not typing
        return True
