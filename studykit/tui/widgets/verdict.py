"""What the learner sees after answering: right or wrong, the feedback on what they picked, the
card's explanation and refs; and the rating bar with the suggested rating.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from studykit.tui.display import GOOD, RATING_NAMES
from studykit.tui.widgets.card_text import card_text, hang
from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, key_label


class VerdictPanel(Static):
    """Empty until `show(...)`; then the verdict (if graded), explanation, refs and rating keys."""

    DEFAULT_CSS = """
    VerdictPanel { height: auto; padding: 0 1; margin-top: 1; border-top: solid $primary 40%; }
    VerdictPanel.-empty { display: none; }
    """

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.add_class("-empty")
        self.update("")

    def _hang(self, line: str) -> Content:
        """A feedback line (card text) wrapped so its continuation lines sit under the text,
        not the bullet."""
        return hang(card_text(line), _wrap_width(self) - 2, 2)

    def show(self, card: Any, verdict: Any | None) -> None:
        parts: list[Content | str | tuple[str, str]] = []
        if verdict is not None:
            if verdict.correct:
                parts.append(("✓ Correct", RIGHT))
            elif verdict.score > 0:
                parts.append((f"✗ Partly right ({verdict.score:.0%})", WRONG))
            else:
                parts.append(("✗ Not quite", WRONG))
            # Other kinds mark the right answer in the card itself.
            if not verdict.correct and card.kind in ("short", "cloze"):
                parts += ["   ", ("Answer: ", "bold"), verdict.expected]
            parts.append("\n")
            for line in verdict.feedback:
                parts += [("• ", DIM), self._hang(line), "\n"]
        if card.explanation:
            parts += ["\n" if parts else "", card_text(card.explanation), "\n"]
        if card.refs:
            parts += [("Refs: ", DIM), ("; ".join(card.refs), DIM), "\n"]
        self.remove_class("-empty")
        self.update(Content.assemble(*parts))


class RatingBar(Static):
    """One line above the footer while a rating is awaited, so it never scrolls out of view."""

    DEFAULT_CSS = """
    RatingBar { height: 1; padding: 0 1; background: $boost; }
    RatingBar.-empty { display: none; }
    """

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.add_class("-empty")

    def show(self, suggested: int | None) -> None:
        self.update(rating_prompt(suggested))
        self.remove_class("-empty")


def _wrap_width(widget: Static) -> int:
    """The text width the panel will have (its parent's, less padding): it is hidden until
    shown, so its own size is still zero when the text is built."""
    parent = widget.parent
    return (parent.content_size.width if isinstance(parent, Widget) else 0) - 2


def rating_prompt(suggested: int | None) -> Content:
    """`1 Again  2 Hard  3 Good  4 Easy`, with what enter picks: the suggestion, else Good."""
    accepted = suggested or GOOD
    parts: list[Content | str | tuple[str, str]] = [("Rate: ", "bold")]
    for value, name in RATING_NAMES.items():
        style = "bold underline" if value == accepted else ""
        parts += [key_label(str(value)), (name, style), " "]
    parts += [key_label("enter"), f" {RATING_NAMES[accepted]}"]
    if suggested is not None:
        parts.append(("  (suggested)", DIM))
    return Content.assemble(*parts)
