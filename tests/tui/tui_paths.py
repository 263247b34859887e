"""Where the TUI tests' fixed deck and lab specs live, and the deck cut to one kind of card.

Tests import these from here, not from `conftest`: `from conftest import ...` gets whichever
conftest pytest loaded last, which breaks as soon as another folder is run alongside (e.g.
`pytest tests/study tests/tui`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from studykit.deck.loader import LoadResult

DECKS_DIR = Path(__file__).parent / "decks"
TINY_DECK = DECKS_DIR / "tiny.yaml"
LABS_DIR = Path(__file__).parent / "labs"  # a fixed spec, independent of the bundled labs


def one_kind(load: LoadResult, kind: str) -> LoadResult:
    """The tiny deck with only its cards of `kind`: a test of one kind starts at that card
    instead of answering the six before it (each answer re-renders the screen)."""
    deck = load.decks[0]
    cards = [card for card in deck.cards if card.kind == kind]
    return dataclasses.replace(load, decks=[deck.model_copy(update={"cards": cards})])
