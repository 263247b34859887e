"""A predict card: the learner commits a prediction of what the card's lab will measure, may say
why in one line, and then the lab runs (screens/predict.py) and grades it with what it measured.

Three ways to predict, by the type of the observable the card names:
- a `choice`: lettered choices; a letter or number key commits at once, or ↑/↓ then Enter;
- an `order`: the order card's keys (↑/↓ highlight, space grabs and drops or shift+↑/↓ moves,
  Enter confirms), the best first;
- a number (`int`, `float`, `percent`): typed in a box, Enter commits.
Once committed the prediction is locked; the box below takes an optional reason and Enter starts
the run. The view grades nothing: it posts `PredictView.Committed` and the screen does the rest.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from studykit.deck.numbers import parse_number
from studykit.lab.catalog import observable_type
from studykit.study.predictions import MAX_REASON, prediction_kind, value_text
from studykit.tui.display import RATING_NAMES
from studykit.tui.widgets.card_text import card_text
from studykit.tui.widgets.card_view import DIM, KEY, RIGHT, WRONG, key_label, prompt
from studykit.tui.widgets.choices import LETTERS, MAX_KEYED
from studykit.tui.widgets.order import OrderView


class PredictView(OrderView):
    """Reuses the order card's cursor, grab and move for an ordering; draws its own body."""

    DEFAULT_CSS = """
    PredictView > Input { margin: 0 0 1 0; }
    """

    class Committed(Message):
        """The learner locked a prediction (and gave a reason, or none): run the lab."""

        def __init__(self, view: PredictView, value: Any, reason: str) -> None:
            super().__init__()
            self.view = view
            self.value = value  # a choice's value, the values best first, or a number
            self.reason = reason

    BINDINGS = [
        Binding("escape", "stop_typing", "Stop typing", id="stop-typing"),
    ]

    def __init__(self, presented: Any, **kwargs: Any) -> None:
        super().__init__(presented, **kwargs)
        self.mode = "choice"
        self.observable_type: str | None = None
        choices = self.card.choices or []
        self.arrangement = list(self.order) if self.order else list(range(len(choices)))
        self.value: Any = None  # the locked prediction
        self.reason: str | None = None  # None until the reason box is submitted
        for position in range(len(choices)):
            self._bindings.bind(LETTERS[position].lower(), f"pick({position})", show=False)
            if position < MAX_KEYED:
                self._bindings.bind(str(position + 1), f"pick({position})", show=False)

    def compose(self) -> ComposeResult:
        labs_dir = getattr(self.app, "labs_dir", None)
        # "percent" shows a %; "order" asks for an ordering
        self.observable_type = observable_type(self.card.lab.name, self.card.observe, labs_dir)
        self.mode = prediction_kind(self.card, self.observable_type)
        yield Static(classes="card-body")
        yield Input(
            placeholder="Your prediction (a number), then Enter",
            id="predict-number",
            select_on_focus=False,
            max_length=40,
        )
        yield Input(
            placeholder="Because… (optional)",
            id="predict-reason",
            select_on_focus=False,
            max_length=MAX_REASON,
        )

    def on_mount(self) -> None:
        self.query_one("#predict-number").display = self.mode == "number"
        self.query_one("#predict-reason").display = False
        super().on_mount()

    def focus_answer(self) -> None:
        if self.mode == "number" and self.value is None:
            self.query_one("#predict-number", Input).focus()
        elif self.value is not None and self.reason is None:
            self.query_one("#predict-reason", Input).focus()
        else:
            super().focus_answer()

    # -- drawing -------------------------------------------------------------------------------

    def render_card(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.question)]
        if self.value is None:
            parts += self._choosing()
        else:
            parts += [("You predict: ", "bold"), self.prediction_text(), "\n"]
            if self.reason is None:
                parts += [
                    ("\nWhy do you think so? One line, optional; ", DIM),
                    key_label("enter"),
                    (" runs the lab.", DIM),
                ]
            elif self.reason:
                parts += [("Because: ", DIM), (self.reason, DIM), "\n"]
        return Content.assemble(*parts)

    def _choosing(self) -> list[Content | str | tuple[str, str]]:
        if self.mode == "number":
            unit = " (a percentage, 0-100)" if self.observable_type == "percent" else ""
            return [(f"Type the number you expect this run to measure{unit}.", DIM)]
        parts: list[Content | str | tuple[str, str]] = []
        ordering = self.mode == "order"
        for position, original in enumerate(self.arrangement):
            here = position == self.row
            cursor: str | tuple[str, str] = ("▸ ", KEY) if here else "  "
            if here and self.grabbed:
                cursor = ("⇅ ", KEY)
            label = f"{position + 1}. " if ordering else ""
            text = self.hang(
                self.card.choices[original].text, 6, prefix=label, style="reverse" if here else ""
            )
            key: str | tuple[str, str] = "" if ordering else key_label(LETTERS[position])
            parts += [cursor, key, " " if key else "", text, "\n"]
        if ordering:
            parts += [
                ("\nBest first. ↑↓ highlight · ", DIM),
                key_label("space"),
                (" grab/drop (or shift+↑↓) · ", DIM),
                key_label("enter"),
                (" commits", DIM),
            ]
        else:
            parts += [
                ("\nA letter (or ↑↓ and ", DIM),
                key_label("enter"),
                (") commits your prediction; then the lab runs.", DIM),
            ]
        return parts

    def prediction_text(self) -> str:
        """The locked prediction as the learner reads it."""
        return value_text(self.card, self.value, self.observable_type)

    # -- committing ----------------------------------------------------------------------------

    def action_pick(self, position: int) -> None:
        if self.mode != "choice" or self.value is not None or position >= len(self.arrangement):
            return
        self.row = position
        self._lock(self.card.choices[self.arrangement[position]].value)

    def action_confirm(self) -> None:
        if self._box_waits():  # Enter goes back into the box after Esc left it
            self.focus_answer()
        elif self.mode == "order":
            self.grabbed = False
            self._lock([self.card.choices[i].value for i in self.arrangement])
        elif self.mode == "choice":
            self.action_pick(self.row)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "predict-number":
            number = parse_number(event.value.strip().removesuffix("%").strip())
            if number is None:
                self.notify("Type a number, such as 12 or 0.5.", severity="warning")
                return
            event.input.display = False
            self._lock(int(number) if number == number.to_integral_value() else float(number))
        elif event.input.id == "predict-reason" and self.reason is None:
            self.reason = " ".join(event.value.split())
            event.input.display = False
            self.refresh_view()
            self.focus(scroll_visible=False)
            self.post_message(self.Committed(self, self.value, self.reason))
            self.refresh_bindings()

    def _lock(self, value: Any) -> None:
        """The prediction is locked; the reason box takes the one optional line."""
        self.value = value
        self.answered = True  # the choosing keys leave the footer
        self.refresh_view()
        box = self.query_one("#predict-reason", Input)
        box.display = True
        box.focus()
        self.refresh_bindings()

    def action_stop_typing(self) -> None:
        self.focus(scroll_visible=False)

    def _box_waits(self) -> bool:
        """A text box (the number, or the reason once locked) is what the card waits for."""
        number = self.mode == "number" and self.value is None
        return number or (self.value is not None and self.reason is None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.screen.focused, Input)
        if action == "stop_typing":
            return typing
        if self._box_waits():
            return action == "confirm" and not typing
        if self.answered:
            return False
        if action in ("grab", "move"):
            return self.mode == "order"
        return True


class PredictionPanel(Static):
    """After the run: you predicted X — this run measured Y, the numbers behind Y, the reason
    the learner gave, why a rating is suggested, then the card's explanation and refs."""

    DEFAULT_CSS = """
    PredictionPanel { height: auto; padding: 0 1; margin: 1 0; border: round $primary 60%; }
    """

    def on_resize(self) -> None:
        # Laid out (or re-wrapped to a new width): the verdict is what the learner reads now,
        # so its first line goes to the top of the scrolled lab screen; the results follow.
        self.call_after_refresh(self._to_top)

    def _to_top(self) -> None:
        for area in self.ancestors:
            if isinstance(area, ScrollableContainer):
                area.scroll_to_widget(self, animate=False, top=True)
                return

    def show(self, card: Any, grade: Any, reason: str | None) -> None:
        """`grade`: the study layer's `PredictionGrade` of a measured run."""
        mark, style = ("✓ ", RIGHT) if grade.correct else ("✗ ", WRONG)
        parts: list[Content | str | tuple[str, str]] = [
            (mark, style),
            ("You predicted ", style),
            (grade.predicted, "bold"),
            (" — this run measured ", style),
            (grade.measured, "bold"),
            "\n",
        ]
        if grade.detail:
            parts += [(grade.detail, DIM), "\n"]
        if grade.tolerance:  # a number: how close counts as right
            parts += [(f"Counts as right: {grade.tolerance}", DIM), "\n"]
        if reason:
            parts += [("Your reason: ", DIM), reason, "\n"]
        if grade.suggestion is not None:
            name = RATING_NAMES[int(grade.suggestion.rating)]
            parts += [(f"{name} suggested: {grade.suggestion.why}", DIM), "\n"]
        if card.explanation:
            parts += ["\n", card_text(card.explanation), "\n"]
        if card.refs:
            parts += [("Refs: ", DIM), ("; ".join(card.refs), DIM), "\n"]
        self.update(Content.assemble(*parts).rstrip("\n"))
