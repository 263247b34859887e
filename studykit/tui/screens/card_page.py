"""One card's page (enter on a card in browse): its schedule, every rating, every lab run and,
for a predict card, every prediction with what the run measured.

Every fact and cell comes from `studykit.study.browse.card_page`, as `studykit browse --card ID`
prints them. `u` unsuspends a suspended card, `e` edits it in $EDITOR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from studykit.tui.widgets.footer import Footer
from studykit.tui.widgets.lab_table import wrapped

# Columns of the predictions table that are not wrapped (when, right/wrong, seed), their
# padding and the page's: what the three text columns share the rest of the width after.
PREDICTION_FIXED = 16 + 5 + 4 + 2 * 6 + 4

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp


class CardPageScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    DEFAULT_CSS = """
    #card-page { padding: 0 1; }
    #card-page > Static { height: auto; margin-bottom: 1; }
    #card-page > DataTable { height: auto; max-height: 20; margin-bottom: 1; }
    .section-title { text-style: bold; margin-bottom: 0 !important; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="back"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("u", "unsuspend", "Unsuspend", id="unsuspend"),
    ]

    def __init__(self, card_id: str) -> None:
        super().__init__()
        self.card_id = card_id
        self.page: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="card-page"):
            yield Static(id="card-facts")
            yield Static(id="card-text")
            yield Static("Ratings", classes="section-title", id="ratings-title")
            yield DataTable(id="card-ratings", cursor_type="none", zebra_stripes=True)
            yield Static("Lab runs", classes="section-title", id="lab-runs-title")
            yield DataTable(id="card-lab-runs", cursor_type="none", zebra_stripes=True)
            yield Static("Predictions", classes="section-title", id="predictions-title")
            yield DataTable(id="card-predictions", cursor_type="none", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        from studykit.study.browse import LAB_COLUMNS, PREDICTION_COLUMNS, REVIEW_COLUMNS

        self.sub_title = f"Card {self.card_id}"
        for table_id, columns in (
            ("#card-ratings", REVIEW_COLUMNS),
            ("#card-lab-runs", LAB_COLUMNS),
            ("#card-predictions", PREDICTION_COLUMNS),
        ):
            table = self.query_one(table_id, DataTable)
            for column in columns:
                table.add_column(column, key=column)
        self.refresh_page()

    def refresh_page(self) -> None:
        from studykit.study.browse import BrowseError, card_page

        try:
            self.page = card_page(self.app.store, self.app.decks, self.card_id, now=self.app.now)
        except BrowseError as error:  # the card left its deck in an edit
            self.page = None
            self.query_one("#card-facts", Static).update(Content(str(error)))
            for widget in self.query("#card-page > *").results():
                widget.display = widget.id == "card-facts"
            self.refresh_bindings()
            return
        for widget in self.query("#card-page > *").results():
            widget.display = True  # the tables then hide when they have no rows
        facts = self.page.facts()
        width = max(len(label) for label, _ in facts)
        parts: list[Content | str | tuple[str, str]] = []
        for label, value in facts:
            parts += [(f"{label:<{width}}  ", "$text-muted"), value, "\n"]
        self.query_one("#card-facts", Static).update(Content.assemble(*parts).rstrip("\n"))
        self.query_one("#card-text", Static).update(Content(self.page.row.text))
        self._fill("#card-ratings", "#ratings-title", "Ratings", self.page.review_rows())
        self._fill("#card-lab-runs", "#lab-runs-title", "Lab runs", self.page.lab_rows())
        # Wrapped to fit the width: the verdict and the learner's why stay on screen at 80x24.
        wrap = max(12, (self.app.size.width - PREDICTION_FIXED) // 3)
        rows = self.page.prediction_rows()
        self._fill("#card-predictions", "#predictions-title", "Predictions", rows, wrap)
        if self.page.row.kind != "predict":  # only a predict card is predicted
            for part in ("#card-predictions", "#predictions-title"):
                self.query_one(part).display = False
        self.refresh_bindings()

    def _fill(
        self,
        table_id: str,
        title_id: str,
        title: str,
        rows: list[tuple[str, ...]],
        wrap: int = 0,
    ) -> None:
        """`wrap`: the width text cells are wrapped at (0: one line each)."""
        table = self.query_one(table_id, DataTable)
        table.clear()
        for cells in rows:
            texts = [wrapped(cell, wrap) if wrap else cell for cell in cells]
            height = max((text.count("\n") + 1 for text in texts), default=1)
            table.add_row(*(Text(text) for text in texts), height=height)
        table.display = bool(rows)
        self.query_one(title_id, Static).update(f"{title}: none yet" if not rows else title)

    def action_back(self) -> None:
        self.dismiss()

    def action_edit(self) -> None:
        if self.app.edit_card(self.card_id):
            self.refresh_page()

    def action_unsuspend(self) -> None:
        from studykit.study.browse import unsuspend

        with self.app.saving("unsuspend") as saved:
            changed = unsuspend(self.app.store, self.app.decks, self.card_id, now=self.app.now)
        if saved and changed:
            self.notify(f"{self.card_id} can be studied again.")
        self.refresh_page()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unsuspend":
            return self.page is not None and self.page.row.state == "suspended"
        if action == "edit":
            return self.page is not None
        return True
