"""The line above a card: its kind, deck and topic, what to learn first, and its lab."""

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

    def show(self, card: Any, topic_title: str, learn_first: list[str]) -> None:
        parts: list[Content | str | tuple[str, str]] = [
            (KIND_NAMES.get(card.kind, card.kind), "bold $secondary"),
            " · ",
            topic_title,
        ]
        if learn_first:
            parts += [("  ·  learn first: ", DIM), ", ".join(learn_first)]
        if card.lab is not None:
            parts += ["  ", key_label("l"), (f" lab: {card.lab.name}", "$accent")]
        self.update(Content.assemble(*parts))
