"""What the learner sees after answering: right, almost or wrong (and what a partial score
counts), why a rating is suggested, the feedback on what they picked, the card's explanation and
refs; and the rating bar with the suggested rating.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from studykit.tui.display import GOOD, RATING_NAMES
from studykit.tui.widgets.card_text import card_text, hang
from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, key_label

ALMOST = "bold $warning"
SLIP = "bold reverse $warning"  # the typed slip, and what it should have been
# Kinds whose card view marks every part right or wrong (the pairs, the steps): the panel does
# not repeat those marks as feedback lines, so the explanation stays on a small screen.
MARKED_IN_CARD = ("matching", "order")


def typo_text(text: str, span: tuple[int, int]) -> Content:
    """`text` with `text[span]` highlighted; an empty span (a letter missing there) as `_`."""
    start, end = span
    slip = (text[start:end] or "_", SLIP)
    return Content.assemble(text[:start], slip, text[end:])


class VerdictPanel(Static):
    """Empty until `show(...)`; then the verdict (if graded), explanation, refs and rating keys."""

    DEFAULT_CSS = """
    VerdictPanel { height: auto; padding: 0 1; margin-top: 1; border-top: solid $primary 40%; }
    VerdictPanel.-empty { display: none; }
    """
    DEFAULT_CLASSES = "-empty"  # hidden from the start: adding it on mount restyled it again

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._shown: tuple[Any, Any, Any] | None = None
        self.add_class("-empty")
        self.update("")

    def on_resize(self) -> None:
        # Wrapped again at the width it got (a scrollbar may have appeared beside it), and kept
        # in view: after answering, the verdict and explanation are what the learner reads.
        if self._shown is not None:
            self.show(*self._shown)
            self.call_after_refresh(self.scroll_visible, animate=False)

    def _hang(self, line: str) -> Content:
        """A feedback line (card text) wrapped so its continuation lines sit under the text,
        not the bullet."""
        return hang(card_text(line), _wrap_width(self) - 2, 2)

    def show(self, card: Any, verdict: Any | None, suggestion: Any | None = None) -> None:
        """`suggestion` (the study layer's rating with its `why`) adds one line saying why."""
        self._shown = (card, verdict, suggestion)
        parts: list[Content | str | tuple[str, str]] = []
        if verdict is not None:
            if verdict.correct:
                parts.append(("✓ Correct", RIGHT))
            elif verdict.almost:
                parts.append((f"≈ Almost: {verdict.summary}", ALMOST))
            elif verdict.score > 0:
                counts = f": {verdict.summary}" if verdict.summary else ""
                parts.append((f"✗ Partly right ({verdict.score:.0%}){counts}", WRONG))
            else:
                parts.append(("✗ Not quite", WRONG))
            # Other kinds mark the right answer in the card itself.
            if not verdict.correct and card.kind in ("short", "cloze"):
                expected: Content | str = verdict.expected
                if verdict.typo is not None:
                    expected = typo_text(verdict.typo.expected, verdict.typo.expected_span)
                parts += ["   ", ("Answer: ", "bold"), expected]
            parts.append("\n")
            if suggestion is not None:
                name = RATING_NAMES[int(suggestion.rating)]
                parts += [(f"{name} suggested: {suggestion.why}", DIM), "\n"]
            if card.kind not in MARKED_IN_CARD:
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
    DEFAULT_CLASSES = "-empty"  # hidden from the start: adding it on mount restyled it again

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.add_class("-empty")

    def show(self, suggested: int | None) -> None:
        self.update(rating_prompt(suggested))
        self.remove_class("-empty")


def _wrap_width(widget: Static) -> int:
    """The panel's text width: its own once laid out; before (it is hidden until shown, so
    its size is still zero) its parent's, less padding."""
    if widget.content_size.width > 0:
        return widget.content_size.width
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
