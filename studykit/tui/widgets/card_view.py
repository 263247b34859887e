"""The base of the per-kind card views: a focusable widget that shows one presented card.

A card view knows how to display its card and collect an answer with the keyboard. It never grades:
when the learner commits, it posts `CardView.Answered` with the answer in the study layer's
`Answer` form (original indexes, see docs/architecture.md) and the study screen does the rest.
After grading, the screen calls `reveal(verdict)` so the view can mark what was right.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from studykit.deck.markup import to_plain
from studykit.tui.widgets.card_text import card_text, hang

# Theme variables, so the marks read well in light and dark themes.
RIGHT = "bold $success"
WRONG = "bold $error"
DIM = "$text-muted"
KEY = "bold $accent"


class CardView(Vertical, can_focus=True):
    """One showing of a card. Subclasses render `self.presented` and call `commit(answer)`."""

    DEFAULT_CSS = """
    CardView { height: auto; padding: 0 1; }
    CardView > .card-body { height: auto; }
    """

    class Answered(Message):
        """The learner committed an answer (in the study layer's `Answer` form)."""

        def __init__(self, answer: Any) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, presented: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.presented = presented
        self.card = presented.card
        self.order: tuple[int, ...] = tuple(presented.order)
        self.answered = False
        self.verdict: Any = None

    def compose(self) -> ComposeResult:
        yield Static(classes="card-body")

    def on_mount(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        bodies = self.query(".card-body")
        if bodies:  # not yet composed when called from __init__-time code paths
            bodies.first(Static).update(self.render_card().rstrip("\n"))

    def render_card(self) -> Content:
        raise NotImplementedError

    def on_resize(self) -> None:
        self.refresh_view()  # re-wrap long choices and steps to the new width

    def hang(self, text: str, indent: int, prefix: str = "", style: str = "") -> Content:
        """Card text (with its Markdown) after `prefix`, wrapped to this view's width with
        continuation lines indented by `indent`, so a long choice lines up under its own first
        word rather than under its key."""
        content = card_text(text)
        if prefix:
            content = Content.assemble(prefix, content)
        if style:
            content = content.stylize_before(style)
        return hang(content, self.content_size.width - indent, indent)

    def one_line(self, text: str, indent: int, style: str = DIM) -> Content:
        """Card text cut to the rest of one line (with …): a part the learner no longer needs
        to read in full, so what matters after answering fits on a small screen."""
        plain = " ".join(to_plain(text).split())
        width = self.content_size.width - indent
        line = Content(plain).stylize_before(style)
        return line.truncate(width, ellipsis=True) if width >= 20 else line

    def focus_answer(self) -> None:
        """Give focus to whatever takes the answer (the view itself, or its input box)."""
        self.focus(scroll_visible=False)  # a card taller than the screen shows from its top

    def commit(self, answer: Any) -> None:
        """Lock the view and hand the answer to the screen (once)."""
        if self.answered:
            return
        self.answered = True
        self.refresh_view()
        self.post_message(self.Answered(answer))
        self.refresh_bindings()

    def reveal(self, verdict: Any) -> None:
        """Show the verdict in place (ticks and crosses); the screen shows the explanation."""
        self.verdict = verdict
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The answer keys leave the footer once the card is answered.
        return not self.answered


def prompt(text: str) -> Content:
    """The card's question (its text in bold, code highlighted), followed by a blank line."""
    return Content.assemble(card_text(text, "bold"), "\n\n")


def key_label(label: str) -> tuple[str, str]:
    """A key hint such as ` A ` drawn like a key cap."""
    return (f" {label} ", KEY)
