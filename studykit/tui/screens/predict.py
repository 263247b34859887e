"""A predict card's run: the card's lab, live on the lab screen, graded against the prediction.

The study screen pushes this once the learner has locked a prediction (widgets/predict.py). The
run is the lab screen's own (`LabScreen`); when it returns, the study layer grades the prediction
with what this run measured, and the screen shows "you predicted X — this run measured Y", the
numbers behind Y, the table rows that show it (highlighted) and the card's explanation, with a
suggested rating (Good if right, Again if wrong). 1-4 or Enter stores the review through the
session, as every card's rating is stored. A run stopped before the observable was measured
records nothing and says so; `r` runs it again, Esc goes back to the card. Under "Measured" the
screen lists only this card's observable: the others answer other predict cards of the lab.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer

from studykit.tui.display import GOOD, RATING_NAMES
from studykit.tui.screens.lab import LabScreen
from studykit.tui.widgets.predict import PredictionPanel
from studykit.tui.widgets.verdict import RatingBar

if TYPE_CHECKING:
    from studykit.lab.view import ResultView
    from studykit.tui.widgets.predict import PredictView


class PredictRunScreen(LabScreen):
    """The lab screen with a verdict and a rating once the observable is measured."""

    DEFAULT_CSS = """
    PredictRunScreen #lab-slot { height: auto; }
    """

    BINDINGS = [
        Binding("enter", "accept", "Accept", id="accept"),
        *[
            Binding(
                str(value),
                f"rate({value})",
                "Rate",
                show=value == 1,
                key_display="1-4" if value == 1 else None,
                id=f"rate-{value}",
            )
            for value in RATING_NAMES
        ],
    ]

    def __init__(self, session: Any, presented: Any, view: PredictView, duration_ms: int) -> None:
        card = presented.card
        super().__init__(card.id, card.lab.name, dict(card.lab.params), notice=card.lab.notice)
        self.session = session
        self.presented = presented
        self.card = card
        self.view = view  # the card as the learner locked it (the prediction and reason)
        self.duration_ms = duration_ms  # the time to predict, not the run
        self.graded: Any = None  # the study layer's grade of this prediction, once measured
        self.suggested: int | None = None
        self.rated = False  # the study screen reads it once this screen is dismissed

    def on_mount(self) -> None:
        self.mount(RatingBar(id="rating-bar"), before=self.query_one(Footer))
        super().on_mount()

    def view_of(self, result: Any) -> ResultView:
        from studykit.study.predictions import shown_before_rating

        view = super().view_of(result)
        shown = shown_before_rating(self.card, [line.name for line in view.observations])
        own = tuple(line for line in view.observations if line.name in shown)
        return replace(view, observations=own, observations_title="Measured (what this card asks)")

    def on_lab_screen_finished(self, event: LabScreen.Finished) -> None:
        event.stop()
        from studykit.study.predictions import grade_run

        graded = grade_run(self.card, self.view.value, event.result)
        if not graded.is_measured:  # stopped before the observable was measured
            self._show_status(
                Content.assemble(
                    ("Stopped before it measured ", "bold $warning"),
                    (self.card.observe.replace("_", " "), "bold $warning"),
                    ": your prediction is not graded and no review was recorded · ",
                    ("r", "bold $accent"),
                    " run again · ",
                    ("esc", "bold $accent"),
                    " back to the card",
                )
            )
            return
        self.graded = graded
        self.suggested = None if graded.rating is None else int(graded.rating)
        self.set_highlight(graded.rows)
        panel = PredictionPanel(id="prediction")
        self.mount_in_slot(panel)
        panel.show(self.card, graded, self.view.reason)
        self.query_one(RatingBar).show(self.suggested)
        self.refresh_bindings()  # the panel scrolls itself to the top once laid out

    def action_accept(self) -> None:
        self.action_rate(self.suggested or GOOD)

    def action_rate(self, value: int) -> None:
        from studykit.study.predictions import rate_prediction

        if self.graded is None or self.rated:
            return
        with self.app.saving("rating") as saved:
            rate_prediction(
                self.session,
                self.presented,
                value,
                self.duration_ms,
                self.graded,
                reason=self.view.reason or "",
            )
        if saved:
            self.rated = True
            self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rate", "accept"):
            return self.graded is not None and not self.rated
        if action == "rerun" and self.graded is not None:
            return False  # graded once: the rating is for this run
        return super().check_action(action, parameters)
