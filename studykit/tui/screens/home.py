"""The home screen: every deck with its new / due / total counts, and the highlighted deck's
topics with their mastery. Enter studies the deck or topic; `a` studies everything due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from studykit.tui.display import bar
from studykit.tui.widgets.footer import Footer

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp

ALL = "__all__"  # row key of the "all decks" row


class StudyTable(DataTable):
    """A row table whose enter (select the row: study it) shows in the footer."""

    BINDINGS = [Binding("enter", "select_cursor", "Study", id="study")]


class HomeScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    BINDINGS = [
        Binding("a", "study_all", "All due", id="study-all"),
        Binding("c", "cram", "Cram", id="cram"),
        Binding("tab", "switch_table('topics')", "Topics", id="to-topics"),
        Binding("tab", "switch_table('decks')", "Decks", id="to-decks"),
        Binding("b", "browse", "Browse", id="browse"),
        Binding("s", "stats", "Stats", id="stats"),
        Binding("p", "problems", "Problems", id="problems"),
        Binding("q", "app.quit", "Quit", id="quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.summaries: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="home-banner")
        yield StudyTable(id="decks", cursor_type="row")
        yield Static(id="topics-title")
        yield StudyTable(id="topics", cursor_type="row")
        yield Static(id="mastery-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Decks"
        decks = self.query_one("#decks", DataTable)
        decks.add_column("Deck", key="title")
        decks.add_column("New", key="new")
        decks.add_column("Due", key="due")
        decks.add_column("Total", key="total")
        topics = self.query_one("#topics", DataTable)
        topics.add_column("Topic", key="title")
        topics.add_column("Mastery", key="mastery", width=len(bar(0)) + 6)
        topics.add_column("Seen", key="seen")
        from studykit.study.scheduler import MASTERY_MEANING

        note = f"Mastered: {MASTERY_MEANING}."
        self.query_one("#mastery-note", Static).update(note)
        self._show_banner()
        self.refresh_overview()
        decks.focus()

    def on_screen_resume(self) -> None:
        self.refresh_overview()

    # -- data ------------------------------------------------------------------------------------

    def refresh_overview(self) -> None:
        from studykit.study.overview import deck_overview

        self.summaries = deck_overview(
            self.app.store,
            self.app.decks,
            now=self.app.now,
            settings=self.app.preferences.scheduler_settings(),
        )
        table = self.query_one("#decks", DataTable)
        keep = table.cursor_row
        table.clear()
        if len(self.summaries) > 1:
            table.add_row(
                Content.styled("All decks", "italic"),
                *self._counts(
                    sum(s.new for s in self.summaries),
                    sum(s.due for s in self.summaries),
                    sum(s.total for s in self.summaries),
                ),
                key=ALL,
            )
        for summary in self.summaries:
            table.add_row(
                Text(summary.title),  # deck text is plain: a DataTable str would be markup
                *self._counts(summary.new, summary.due, summary.total),
                key=summary.deck_id,
            )
        if table.row_count:
            table.move_cursor(row=min(max(keep, 0), table.row_count - 1))
        self._show_topics()

    @staticmethod
    def _counts(new: int, due: int, total: int) -> tuple[Content, Content, Content]:
        return (
            Content.styled(str(new), "bold $primary" if new else "$text-muted"),
            Content.styled(str(due), "bold $success" if due else "$text-muted"),
            Content(str(total)),
        )

    def _highlighted_deck(self) -> Any | None:
        """The summary under the decks cursor (None on the "all decks" row)."""
        table = self.query_one("#decks", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((s for s in self.summaries if s.deck_id == key), None)

    def _show_topics(self) -> None:
        topics = self.query_one("#topics", DataTable)
        topics.clear()
        deck = self._highlighted_deck()
        shown = [deck] if deck else self.summaries
        title = Content(f"Topics of {deck.title}" if deck else "Topics of all decks")
        self.query_one("#topics-title", Static).update(title if self.summaries else "")
        for summary in shown:
            for topic in summary.topics:
                mastery = Content.assemble(
                    (bar(topic.share), "$success"), f" {topic.mastered}/{topic.total}"
                )
                topics.add_row(
                    Text(topic.title),
                    mastery,
                    f"{topic.seen}/{topic.total}",
                    key=topic.topic_id,
                )

    def _show_banner(self) -> None:
        banner = self.query_one("#home-banner", Static)
        problems = self.app.problems
        if not problems and self.app.decks:
            return
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        if errors:
            text = f"{errors} deck error(s), {warnings} warning(s): press p to see them."
        elif problems:
            text = f"{warnings} deck warning(s): press p to see them."
        else:
            text = "No decks found. Pass deck files: studykit study DECK.yaml"
        banner.update(text)
        banner.add_class("-shown")
        banner.set_class(bool(problems) and not errors, "-warnings-only")

    # -- events and actions ----------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#decks")
    def _deck_highlighted(self) -> None:
        self._show_topics()

    @on(DataTable.RowSelected, "#decks")
    def _deck_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key == ALL:
            self.action_study_all()
        else:
            self.start_study(deck=key)

    @on(DataTable.RowSelected, "#topics")
    def _topic_selected(self, event: DataTable.RowSelected) -> None:
        self.start_study(topic=event.row_key.value)

    def action_study_all(self) -> None:
        self.start_study()

    def action_study_deck(self) -> None:
        deck = self._highlighted_deck()
        self.start_study(deck=deck.deck_id if deck else None)

    def action_study_topic(self) -> None:
        topics = self.query_one("#topics", DataTable)
        if topics.row_count:
            key = topics.coordinate_to_cell_key(Coordinate(topics.cursor_row, 0)).row_key.value
            self.start_study(topic=key)

    def action_cram(self) -> None:
        """Cram the highlighted topic (from the topics table) or deck: no scheduling changes."""
        topics = self.query_one("#topics", DataTable)
        if topics.has_focus and topics.row_count:
            key = topics.coordinate_to_cell_key(Coordinate(topics.cursor_row, 0)).row_key.value
            self.start_study(topic=key, cram=True)
        else:
            deck = self._highlighted_deck()
            self.start_study(deck=deck.deck_id if deck else None, cram=True)

    def action_cram_deck(self) -> None:
        deck = self._highlighted_deck()
        self.start_study(deck=deck.deck_id if deck else None, cram=True)

    def action_switch_table(self, table: str) -> None:
        self.query_one(f"#{table}", DataTable).focus()
        self.refresh_bindings()

    def start_study(
        self, deck: str | None = None, topic: str | None = None, cram: bool = False
    ) -> None:
        from studykit.study.session import Scope, StudySession
        from studykit.tui.screens.study import StudyScreen

        if not self.app.decks:
            self.notify("No deck loaded: press p to see why.", severity="error")
            return
        scope = Scope(deck=deck, topic=topic)
        preferences = self.app.preferences  # one read of the settings for this session
        session = StudySession(
            self.app.store,
            self.app.decks,
            now=self.app.now,
            scope=scope,
            cram=cram,
            seed=self.app.seed,
            new_per_day=preferences.new_per_day,
            reviews_per_day=preferences.reviews_per_day,
            settings=preferences.scheduler_settings(),
            bury_siblings=preferences.bury_siblings,
        )
        title = self._scope_title(deck, topic)
        self.app.push_screen(StudyScreen(session, ("Cram · " if cram else "") + title))

    def _scope_title(self, deck: str | None, topic: str | None) -> str:
        if topic:
            return f"Topic · {self.app.topic_title(topic)}"
        if deck:
            return next((s.title for s in self.summaries if s.deck_id == deck), deck)
        return "All decks"

    def action_stats(self) -> None:
        self.app.action_stats()

    def action_browse(self) -> None:
        self.app.action_browse()

    def action_problems(self) -> None:
        self.app.action_problems()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "problems":
            return bool(self.app.problems)
        if action == "switch_table":
            # tab goes to the other table; only that direction shows in the footer
            target = self.query(f"#{parameters[0]}")
            return not (target and target.first().has_focus)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # a click can move focus between the tables too
