"""A short-answer card: type the answer, Enter submits.

While the answer box has focus every printable key is text, so Esc leaves the box (the card's
other keys, such as l for its lab, then work) and Enter goes back to typing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from studykit.deck.model import MAX_TYPED
from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, CardView, prompt
from studykit.tui.widgets.verdict import typo_text


class ShortAnswerView(CardView):
    DEFAULT_CSS = """
    ShortAnswerView > Input { margin: 0 0 1 0; }
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
            placeholder="Type your answer, then Enter",
            id="short-answer",
            select_on_focus=False,
            max_length=MAX_TYPED,  # grading reads no more than this
        )

    def focus_answer(self) -> None:
        self.query_one(Input).focus()

    def render_card(self) -> Content:
        body = prompt(self.card.question)
        if self.verdict is None:
            return body
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
        self.typed = event.value
        self.commit(event.value)
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
