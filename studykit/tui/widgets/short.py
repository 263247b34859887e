"""A short-answer card: type the answer, Enter submits."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, CardView, prompt


class ShortAnswerView(CardView):
    DEFAULT_CSS = """
    ShortAnswerView > Input { margin: 0 0 1 0; }
    """

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self.typed = ""

    def compose(self) -> ComposeResult:
        yield Static(classes="card-body")
        yield Input(placeholder="Type your answer, then Enter", id="short-answer")

    def on_focus(self) -> None:
        # The input is what the learner types into; the view itself just passes focus on.
        if not self.answered:
            self.query_one(Input).focus()

    def render_card(self) -> Content:
        body = prompt(self.card.question)
        if self.verdict is None:
            return body
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
