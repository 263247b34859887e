"""CSV export: one row per card, for spreadsheets and other tools.

Columns: id, deck, kind, topic, question, answer, explanation, tags, lab. Multi-line cells (the
choices under a question, several accepted answers) keep their line breaks inside quotes; tags are
joined with "; ". The lab column holds the linked lab's name.
"""

from __future__ import annotations

import csv
import io

from studykit.deck.export.plain import answer_text, question_text
from studykit.deck.model import Deck

COLUMNS = ("id", "deck", "kind", "topic", "question", "answer", "explanation", "tags", "lab")
TAG_SEPARATOR = "; "


def to_csv(decks: list[Deck]) -> str:
    """Every card of every deck as a CSV table with a header row (RFC 4180 quoting, \\r\\n rows)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for deck in decks:
        for card in deck.cards:
            writer.writerow(
                {
                    "id": card.id,
                    "deck": deck.id,
                    "kind": card.kind,
                    "topic": card.topic,
                    "question": question_text(card),
                    "answer": answer_text(card),
                    "explanation": card.explanation,
                    "tags": TAG_SEPARATOR.join(card.tags),
                    "lab": card.lab.name if card.lab else "",
                }
            )
    return buffer.getvalue()
