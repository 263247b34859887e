"""Studying one scope (a deck, a topic, or everything due): one card at a time.

The flow per card: the kind's view collects an answer → the study layer grades it → the verdict,
explanation and refs appear with a suggested rating → enter accepts it or 1-4 overrides → the
rating is stored at once and the next card shows. Flashcards flip with space and are self-rated;
so is a cloze gap shown with Enter on an empty box (typed, it is graded).

Answered, the screen scrolls so the verdict and explanation are in view (the card's parts that no
longer matter shrink to a line each). When nothing can be shown until a learning step falls due,
the screen says when, and `w` waits for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from studykit.tui.display import GOOD, RATING_NAMES, due_in
from studykit.tui.widgets.card_meta import CardMeta
from studykit.tui.widgets.card_view import CardView
from studykit.tui.widgets.choices import MultipleChoiceView, MultipleSelectView, TrueFalseView
from studykit.tui.widgets.cloze import ClozeView
from studykit.tui.widgets.flashcard import FlashcardView
from studykit.tui.widgets.footer import Footer
from studykit.tui.widgets.matching import MatchingView
from studykit.tui.widgets.order import OrderView
from studykit.tui.widgets.predict import PredictView
from studykit.tui.widgets.short import ShortAnswerView
from studykit.tui.widgets.verdict import RatingBar, VerdictPanel

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp

VIEWS: dict[str, type[CardView]] = {
    "flashcard": FlashcardView,
    "mcq": MultipleChoiceView,
    "multi": MultipleSelectView,
    "true_false": TrueFalseView,
    "matching": MatchingView,
    "order": OrderView,
    "short": ShortAnswerView,
    "cloze": ClozeView,
    "predict": PredictView,
}


class StudyScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    # Notices sit above the rating bar, never on it (Textual puts them just above the footer).
    DEFAULT_CSS = """
    StudyScreen ToastRack { margin-bottom: 2; }
    """
    WAIT_POLL_SECONDS = 1.0  # while waiting for a learning step, how often to look

    BINDINGS = [
        Binding("escape", "back", "Decks", id="back"),
        Binding("enter,space", "accept", "Accept", id="accept"),
        # One footer entry stands for the four rating keys.
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
        Binding("u", "undo", "Undo", id="undo"),
        Binding("l", "lab", "Lab", id="lab"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("at", "suspend", "Suspend", key_display="@", id="suspend"),
        Binding("minus", "bury", "Bury", key_display="-", id="bury"),
        Binding("w", "wait", "Wait for the next card", id="wait"),
        Binding("pageup", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll(1)", "Scroll down", show=False),
    ]

    def __init__(self, session: Any, title: str) -> None:
        super().__init__()
        self.session = session
        self.scope_title = title
        self.presented: Any = None
        self.view: CardView | None = None
        self.verdict: Any = None
        self.suggested: int | None = None
        self.rating_open = False  # the answer is in; waiting for a rating
        self.shown_at = 0.0
        self.duration_ms = 0
        self.reviewed = 0
        self.waiting: Any = None  # the timer that looks for a due card, after `w`
        self._offers_wait = False  # the note on screen says when the next card is due
        self._reported: set[str] = set()  # unreadable cards already named in a notice

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="study-status")
        with VerticalScroll(id="card-area", can_focus=False):
            yield CardMeta(id="card-meta")
            yield Static(id="card-slot")
            yield VerdictPanel(id="verdict")
        yield RatingBar(id="rating-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = self.scope_title
        self.show_next()

    # -- showing cards -----------------------------------------------------------------------

    def show_next(self) -> None:
        """Ask the session for the next card and show it (or the end-of-session note)."""
        if self.view is not None:
            self.view.remove()
            self.view = None
        self.presented = self.session.next()
        self._report_unreadable()
        self.verdict = None
        self.suggested = None
        self.rating_open = False
        self.query_one(VerdictPanel).clear()
        self.query_one(RatingBar).clear()
        slot = self.query_one("#card-slot", Static)
        if self.presented is None:
            self.query_one(CardMeta).display = False
            slot.display = True
            slot.update(self._done_note())
        else:
            self._stop_waiting()
            card = self.presented.card
            self.query_one(CardMeta).display = True
            self._show_meta(answered=False)
            slot.display = False
            self.view = VIEWS[card.kind](self.presented, classes="card-view")
            self.query_one("#card-area").mount(self.view, after=slot)
            self.call_after_refresh(self.view.focus_answer)  # once its children exist
            self.shown_at = self.app.timer()
            self.query_one("#card-area", VerticalScroll).scroll_home(animate=False)
        self._update_status()
        self.refresh_bindings()

    def _show_meta(self, answered: bool) -> None:
        """The line above the card; its topic only once answered (a topic may be the answer)."""
        card = self.presented.card
        scope = self.session.scope
        one_deck = scope.deck is not None or scope.topic is not None  # the title names it
        self.query_one(CardMeta).show(
            card,
            None if one_deck else self.session.deck_of(card.id).title,
            self.app.learn_first(card.topic),
            self.app.topic_title(card.topic) if answered else None,
        )

    def _report_unreadable(self) -> None:
        """Say once which cards are skipped because their saved progress cannot be read."""
        new = {k: why for k, why in self.session.unreadable.items() if k not in self._reported}
        if not new:
            return
        self._reported.update(new)
        first, why = next(iter(new.items()))
        deck = self.session.deck_of(first).id
        more = f" and {len(new) - 1} more" if len(new) > 1 else ""
        self.notify(
            f"Skipped card {first}{more}: its saved progress cannot be read ({why}). "
            f"`studykit progress reset --deck {deck}` forgets that deck's progress.",
            severity="warning",
            timeout=15,
        )

    def _done_note(self) -> Content:
        done = f"You reviewed {self.reviewed} card(s). " if self.reviewed else ""
        held = self.session.held_back()
        # What each limit holds back, and the `studykit settings` option that raises it.
        waiting = [
            (text, option)
            for count, text, option in (
                (held.new, f"{held.new} new card(s)", "--new-per-day N"),
                (held.review, f"{held.review} review(s)", "--reviews-per-day N"),
            )
            if count
        ]
        limits = ""
        if waiting:
            limits = (
                f"Today's limits ({self.session.new_per_day} new, "
                f"{self.session.reviews_per_day} reviews) hold back "
                f"{' and '.join(text for text, _ in waiting)}; "
                f"`studykit settings {' '.join(option for _, option in waiting)}` changes them.\n\n"
            )
        siblings = self.session.siblings_waiting()
        if siblings:
            limits += (
                f"{siblings} card(s) wait for another day because a sibling (a card that gives "
                "its answer away) was studied today; `studykit settings --bury-siblings none` "
                "shows them the same day.\n\n"
            )
        due = self.session.next_due()
        self._offers_wait = due is not None
        if due is not None:
            key = ("w", "bold $accent")
            if self.waiting is not None:
                key, what = ("", ""), "Waiting: it shows by itself when due."
            else:
                what = " waits for it, or esc ends the session."
            return Content.assemble(
                (f"The next card is due {due_in(due, self.session.now())}.\n\n", "bold $success"),
                done,
                "Cards rated in their learning steps come back when the step is over (fsrs's "
                "learning steps: `studykit settings` shows them).\n\n",
                limits,
                key,
                what,
                "   ",
                ("u", "bold $accent"),
                " undo the last rating, suspend or bury",
            )
        return Content.assemble(
            ("Nothing more to study here right now.\n\n", "bold $success"),
            done,
            limits,
            "Come back when more cards are due, pick another deck or topic, or cram a deck "
            "(from the decks screen) to practise without touching the schedule.\n\n",
            ("esc", "bold $accent"),
            " back to decks   ",
            ("u", "bold $accent"),
            " undo the last rating, suspend or bury",
        )

    def action_wait(self) -> None:
        """Stay until the next learning step falls due, then show that card."""
        if self.presented is not None or self.waiting is not None:
            return
        if self.session.next() is not None:  # it fell due while the note was up
            self.show_next()
        elif self.session.next_due() is not None:
            self.waiting = self.set_interval(self.WAIT_POLL_SECONDS, self._look_for_a_card)
            self.query_one("#card-slot", Static).update(self._done_note())
            self.refresh_bindings()

    def _look_for_a_card(self) -> None:
        if self.session.next() is not None:
            self.show_next()
        else:
            self.query_one("#card-slot", Static).update(self._done_note())  # the countdown

    def _stop_waiting(self) -> None:
        if self.waiting is not None:
            self.waiting.stop()
            self.waiting = None

    def _update_status(self) -> None:
        counts = self.session.counts()
        self.query_one("#study-status", Static).update(
            Content.assemble(
                ("new ", "$text-muted"),
                (str(counts.new), "bold $primary"),
                ("  learning ", "$text-muted"),
                (str(counts.learning), "bold $warning"),
                ("  review ", "$text-muted"),
                (str(counts.review), "bold $success"),
                ("   reviewed this session ", "$text-muted"),
                str(self.reviewed),
            )
        )

    # -- answering and rating ----------------------------------------------------------------

    def on_card_view_answered(self, event: CardView.Answered) -> None:
        event.stop()
        self.duration_ms = int((self.app.timer() - self.shown_at) * 1000)
        card = self.presented.card
        suggestion = None
        if card.kind == "flashcard" or (card.kind == "cloze" and event.answer is None):
            self.verdict, self.suggested = None, None  # self-rated
        else:
            self.verdict = self.session.answer(self.presented, event.answer)
            suggestion = self.session.suggest(self.presented, self.verdict, self.duration_ms)
            self.suggested = int(suggestion.rating)
            assert self.view is not None  # the answer came from the card's view
            self.view.reveal(self.verdict)
        self.rating_open = True
        self._show_meta(answered=True)
        self.query_one(VerdictPanel).show(card, self.verdict, suggestion)
        self.query_one(RatingBar).show(self.suggested)
        self.refresh_bindings()
        self.call_after_refresh(self._bring_verdict_into_view)

    def on_predict_view_committed(self, event: PredictView.Committed) -> None:
        """A predict card is graded by its lab's run: the lab screen runs it and takes the
        rating (screens/predict.py); back here, the next card shows (or this one again, if the
        run stopped before it measured anything to grade)."""
        from studykit.tui.screens.predict import PredictRunScreen

        event.stop()
        self.duration_ms = int((self.app.timer() - self.shown_at) * 1000)
        run = PredictRunScreen(self.session, self.presented, event.view, self.duration_ms)

        def back(_: object) -> None:
            if run.rated:
                self.reviewed += 1
            else:
                self.notify(f"No review recorded for {run.card.id}: it was not rated.")
            self.show_next()

        self.app.push_screen(run, back)

    def _bring_verdict_into_view(self) -> None:
        """Scroll as little as shows the whole verdict panel (verdict, feedback, explanation,
        refs); if it is taller than the screen, its first line goes to the top."""
        panel = self.query_one(VerdictPanel)
        self.query_one("#card-area", VerticalScroll).scroll_to_widget(panel, animate=False)

    def action_accept(self) -> None:
        self.action_rate(self.suggested or GOOD)

    def action_rate(self, value: int) -> None:
        from fsrs import Rating

        if not self.rating_open:
            return
        with self.app.saving("rating") as saved:
            self.session.rate(self.presented, Rating(value), self.duration_ms, self.verdict)
        if saved:
            self.reviewed += 1
            self.show_next()

    def action_undo(self) -> None:
        from studykit.study.store import UndoRefused

        undone = None
        with self.app.saving("undo") as saved:
            try:
                undone = self.session.undo()
            except UndoRefused as refused:
                self.notify(f"Not undone: {refused}.", severity="warning", timeout=10)
                return
        if not saved:
            return  # the error notice said so; u tries the same step again
        if undone == "rating":
            self.reviewed = max(0, self.reviewed - 1)
        if undone:
            self.notify(f"Took back the last {undone}.")
            self.show_next()
        else:
            self.notify("Nothing to undo in this session.", severity="warning")

    def action_suspend(self) -> None:
        if self.presented is not None:
            with self.app.saving("suspend") as saved:
                self.session.suspend(self.presented.card.id)
            if saved:
                self.notify(f"Suspended {self.presented.card.id} (u takes it back).")
                self.show_next()

    def action_bury(self) -> None:
        if self.presented is not None:
            with self.app.saving("bury") as saved:
                self.session.bury(self.presented.card.id)
            if saved:
                self.notify(f"Buried {self.presented.card.id} until tomorrow (u takes it back).")
                self.show_next()

    def action_lab(self) -> None:
        if self.presented is None or self.presented.card.lab is None:
            return
        from studykit.tui.screens.lab import LabScreen

        card = self.presented.card
        lab = card.lab
        self.app.push_screen(LabScreen(card.id, lab.name, dict(lab.params), notice=lab.notice))

    def action_edit(self) -> None:
        """Open the card's deck file at its line in $EDITOR; on return the card shows as edited
        (or the next one, if the edit took it out of the decks)."""
        if self.presented is None:
            return
        if self.app.edit_card(self.presented.card.id):
            self.session.replace_decks(self.app.decks)
            self.show_next()

    def action_scroll(self, direction: int) -> None:
        area = self.query_one("#card-area", VerticalScroll)
        area.scroll_page_down() if direction > 0 else area.scroll_page_up()

    def action_back(self) -> None:
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the learner types an answer, letter keys are text: keep them out of the footer.
        if action in ("undo", "lab", "edit", "suspend", "bury") and isinstance(self.focused, Input):
            return False
        return self.available(action)

    def available(self, action: str) -> bool:
        """Whether `action` makes sense now (the command palette offers it when it does)."""
        has_card = self.presented is not None
        if action in ("rate", "accept"):
            return self.rating_open
        if action == "lab":  # a predict card's lab runs once the learner has predicted
            card = self.presented.card if has_card else None
            return card is not None and card.lab is not None and card.kind != "predict"
        if action == "wait":  # offered on the note that says when the next card is due
            return not has_card and self.waiting is None and self._offers_wait
        if action in ("suspend", "bury", "edit"):
            return has_card
        return True
