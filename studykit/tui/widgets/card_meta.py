"""The line above a card: its kind and deck, what to learn first, and its lab; once the card is
answered, its topic too (before, a topic such as "The chain rule" would give the answer away)."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import Static

from studykit.deck.model import KIND_NAMES
from studykit.tui.widgets.card_view import DIM, key_label


class CardMeta(Static):
    DEFAULT_CSS = """
    CardMeta { height: auto; padding: 0 1; color: $text-muted; margin-bottom: 1; }
    """

    def show(
        self,
        card: Any,
        deck_title: str | None,
        learn_first: list[str],
        topic_title: str | None = None,
    ) -> None:
        """`deck_title`: None when the screen's title names the deck already; `topic_title`:
        given once the card is answered."""
        parts: list[Content | str | tuple[str, str]] = [
            (KIND_NAMES.get(card.kind, card.kind), "bold $secondary")
        ]
        for title in (deck_title, topic_title):
            if title is not None:
                parts += [" · ", title]
        if learn_first:
            parts += [("  ·  learn first: ", DIM), ", ".join(learn_first)]
        if card.kind == "predict":  # its lab runs once the learner has predicted, not on l
            parts += [("  ·  graded by a run of the lab ", DIM), (card.lab.name, "$accent")]
        elif card.lab is not None:
            parts += ["  ", key_label("l"), (f" lab: {card.lab.name}", "$accent")]
        self.update(Content.assemble(*parts))
