"""Browse (`b` on the home screen): search every card by text, deck, topic, tag, kind and state.

The search line takes words and Anki-style filters (`lora kind:mcq is:due`); the matching, the
states and every cell come from `studykit.study.browse`, the same as `studykit browse` prints.
Enter (or up/down) in the search line goes to the cards; there Enter opens a card's page (its
ratings and lab runs), `e` edits the card in $EDITOR, `u` unsuspends it.
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
from textual.widgets import DataTable, Header, Input, Static

from studykit.tui.widgets.footer import Footer

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp

SEARCH_HINT = "words, deck:ID topic:ID tag:T kind:K is:new|learning|due|suspended|leech"


class CardTable(DataTable):
    """The matching cards; enter opens the highlighted one's page."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="open")]


class BrowseScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    DEFAULT_CSS = """
    #browse-search { margin: 0 1; }
    #browse-count { height: 1; padding: 0 2; color: $text-muted; }
    #browse-count.-error { color: $error; }
    #browse-cards { height: 1fr; margin: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("slash", "search", "Search", key_display="/", id="search"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("u", "unsuspend", "Unsuspend", id="unsuspend"),
        # The search line has no use for up/down; they reach the screen, which moves to the cards.
        Binding("down", "to_cards('down')", show=False),
        Binding("up", "to_cards('up')", show=False),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.query_text = query
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.query_text, placeholder=SEARCH_HINT, id="browse-search")
        yield Static(id="browse-count")
        yield CardTable(id="browse-cards", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        from studykit.study.browse import COLUMNS

        self.sub_title = "Browse cards"
        table = self.query_one(CardTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.refresh_rows()
        self.query_one(Input).focus()  # type to search at once; enter goes to the cards

    def on_screen_resume(self) -> None:
        self.refresh_rows()  # a card page may have unsuspended a card, an edit changed text

    # -- data ------------------------------------------------------------------------------------

    def refresh_rows(self) -> None:
        from studykit.study.browse import BrowseError, browse, parse_search

        count = self.query_one("#browse-count", Static)
        table = self.query_one(CardTable)
        keep = table.cursor_row
        table.clear()
        try:
            search = parse_search(self.query_one(Input).value)
            self.rows = browse(self.app.store, self.app.decks, search, now=self.app.now)
        except BrowseError as error:
            self.rows = []
            count.update(Content(str(error)))
            count.add_class("-error")
            return
        count.remove_class("-error")
        total = sum(len(d.study_cards()) for d in self.app.decks)
        count.update(f"{len(self.rows)} of {total} cards match" if self.rows else "No card matches")
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row.cells()), key=row.card_id)
        if table.row_count:
            table.move_cursor(row=min(max(keep, 0), table.row_count - 1))
        self.refresh_bindings()

    def highlighted(self) -> Any | None:
        """The row under the cursor (None when nothing matches)."""
        table = self.query_one(CardTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((r for r in self.rows if r.card_id == key), None)

    # -- events and actions ----------------------------------------------------------------------

    @on(Input.Changed, "#browse-search")
    def _search_changed(self) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#browse-search")
    def _search_submitted(self) -> None:
        self.query_one(CardTable).focus()

    @on(DataTable.RowSelected, "#browse-cards")
    def _card_selected(self, event: DataTable.RowSelected) -> None:
        from studykit.tui.screens.card_page import CardPageScreen

        self.app.push_screen(CardPageScreen(str(event.row_key.value)))

    def action_to_cards(self, direction: str) -> None:
        """Up or down in the search line: the cards get the focus and the cursor moves, so the
        next Enter opens the row the learner sees highlighted (it used to take a second one)."""
        table = self.query_one(CardTable)
        table.focus()
        if direction == "down":
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_search(self) -> None:
        self.query_one(Input).focus()

    def action_back(self) -> None:
        if self.query_one(Input).has_focus:
            self.query_one(CardTable).focus()  # esc leaves the search line first
        else:
            self.dismiss()

    def action_edit(self) -> None:
        row = self.highlighted()
        if row is not None and self.app.edit_card(row.card_id):
            self.refresh_rows()

    def action_unsuspend(self) -> None:
        from studykit.study.browse import unsuspend

        row = self.highlighted()
        if row is None:
            return
        with self.app.saving("unsuspend") as saved:
            changed = unsuspend(self.app.store, self.app.decks, row.card_id, now=self.app.now)
        if saved and changed:
            self.notify(f"{row.card_id} can be studied again.")
        self.refresh_rows()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "unsuspend") and self.query_one(Input).has_focus:
            return False  # the keys type into the search line
        if action == "unsuspend":
            row = self.highlighted()
            return row is not None and row.state == "suspended"
        if action == "edit":
            return self.highlighted() is not None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#browse-cards")
    def _row_highlighted(self) -> None:
        self.refresh_bindings()
