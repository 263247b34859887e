"""One table of a lab's results as the TUI draws it: its title, a read-only DataTable and the note
on how to read it. Which cells it holds and how each figure reads come from `studykit.lab.view`
(the CLI draws the same `TableView` with rich); this widget only lays them out to fit the width
it has: text wraps at spaces, a figure is never wrapped or cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from studykit.lab.view import Align, TableView, highlighted

NARROWEST_TEXT = 8  # a text column is not wrapped narrower than this (a word may be longer)


@dataclass(frozen=True)
class Layout:
    widths: list[int]  # of each column's text, padding not included
    gap: int  # blank columns between two columns: 2 (a DataTable's padding), or 1 when tight


def layout(view: TableView, room: int) -> Layout:
    """Column widths for `room` screen columns: the table as it is if it fits, with two blank
    columns between cells or else one; otherwise a figure keeps only its own width (its header
    wraps above it) and the text columns share what is left, the widest giving way first, none
    narrower than its longest word."""
    columns, rows = view.columns, view.rows
    natural = [
        max([len(column.name), *(len(row.cells[i]) for row in rows)])
        for i, column in enumerate(columns)
    ]
    for gap in (2, 1):
        if sum(natural) + gap * len(columns) <= room:
            return Layout(natural, gap)

    def longest_word(i: int, with_cells: bool) -> int:
        texts = [columns[i].name, *(row.cells[i] for row in rows if with_cells)]
        return max((len(word) for text in texts for word in text.split()), default=0)

    widths = list(natural)
    left = room - len(columns)
    texts = [i for i, column in enumerate(columns) if column.align == "left"]
    for i, column in enumerate(columns):
        if column.align == "right":
            widths[i] = max([longest_word(i, False), *(len(row.cells[i]) for row in rows)])
            left -= widths[i]
    for i in sorted(texts, key=lambda i: natural[i]):
        share = max(NARROWEST_TEXT, left // len(texts), longest_word(i, True))
        widths[i] = min(natural[i], share)
        left -= widths[i]
        texts.remove(i)
    return Layout(widths, 1)  # if it is still too wide, the table scrolls sideways


def wrapped(text: str, width: int) -> str:
    """Text wrapped at spaces; a word longer than `width` (a checksum, a path) stays whole."""
    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))


class LabTable(Vertical):
    DEFAULT_CSS = """
    LabTable { height: auto; margin-top: 1; }
    LabTable > .lab-table--title { text-style: bold; }
    LabTable > DataTable { max-height: 200; }
    LabTable > .lab-table--note { color: $text-muted; }
    """

    def __init__(
        self, view: TableView, width: int = 78, highlight: Collection[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.view = view
        self.room = width  # screen columns the table may take
        self.highlight = frozenset(highlight)  # method keys whose rows stand out

    def set_highlight(self, keys: Collection[str]) -> None:
        if frozenset(keys) != self.highlight:
            self.highlight = frozenset(keys)
            self.refresh(recompose=True)

    def highlighted_rows(self) -> list[int]:
        """The indexes of the rows drawn highlighted (what a test checks)."""
        return [i for i, row in enumerate(self.view.rows) if highlighted(row, self.highlight)]

    def fit_to(self, width: int) -> None:
        """Lay the table out again for a new width (the terminal was resized)."""
        if width != self.room:
            self.room = width
            self.refresh(recompose=True)

    @property
    def data_table(self) -> DataTable[Text]:
        return self.query_one(DataTable)

    def cells(self) -> list[list[str]]:
        """Each row's cells as shown, without the wrapping and padding (what a test compares)."""
        table = self.data_table
        return [
            [" ".join(cell.plain.split()) for cell in table.get_row_at(index)]
            for index in range(table.row_count)
        ]

    def compose(self) -> ComposeResult:
        view = self.view
        yield Static(Content(view.title), classes="lab-table--title")
        fit = layout(view, self.room)
        # A DataTable pads both sides of a cell alike; a tight table gets one blank column
        # between cells instead, written before every cell but the first.
        lead = [" " if i and fit.gap == 1 else "" for i in range(len(view.columns))]
        headers = [
            wrapped(column.name, width)
            for column, width in zip(view.columns, fit.widths, strict=True)
        ]
        table: DataTable[Text] = DataTable(
            show_cursor=False,
            zebra_stripes=True,
            cell_padding=1 if fit.gap == 2 else 0,
            header_height=max((header.count("\n") + 1 for header in headers), default=1),
        )
        table.can_focus = False  # read-only; the page scrolls instead
        for column, header, pad in zip(view.columns, headers, lead, strict=True):
            table.add_column(self._text(pad, header, column.align))
        for row in view.rows:
            lit = highlighted(row, self.highlight)
            cells = [
                self._text(
                    pad,
                    value if column.align == "right" else wrapped(value, width),
                    column.align,
                    "bold" if row.heading else "reverse bold" if lit else "",
                )
                for column, width, value, pad in zip(
                    view.columns, fit.widths, row.cells, lead, strict=True
                )
            ]
            table.add_row(
                *cells, height=max((cell.plain.count("\n") + 1 for cell in cells), default=1)
            )
        yield table
        if view.note:
            yield Static(Content(view.note), classes="lab-table--note")

    @staticmethod
    def _text(pad: str, value: str, align: Align, style: str = "") -> Text:
        """A cell as a rich Text (never parsed as markup), each line after the padding."""
        lines = "\n".join(pad + line for line in value.split("\n"))
        return Text(lines, style=style, justify=align)
