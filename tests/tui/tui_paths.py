"""Where the TUI tests' fixed deck and lab specs live.

Tests import these from here, not from `conftest`: `from conftest import ...` gets whichever
conftest pytest loaded last, which breaks as soon as another folder is run alongside (e.g.
`pytest tests/study tests/tui`).
"""

from __future__ import annotations

from pathlib import Path

DECKS_DIR = Path(__file__).parent / "decks"
TINY_DECK = DECKS_DIR / "tiny.yaml"
LABS_DIR = Path(__file__).parent / "labs"  # a fixed spec, independent of the bundled labs
