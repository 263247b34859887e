"""The examples in docs/deck-format.md are real: every card example validates, every kind has
one, and the deck-level example loads once cards are added."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import TypeAdapter

from studykit.deck.loader import load_decks
from studykit.deck.model import CARD_KINDS, Card
from studykit.deck.safe_yaml import parse_yaml
from studykit.lab.catalog import Catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "deck-format.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_kind_has_a_card_example_that_validates():
    cards = []
    for block in BLOCKS:
        if block.startswith("- id:"):
            document, problems = parse_yaml(block.encode())
            assert problems == []
            cards.append(TypeAdapter(Card).validate_python(document.data[0]))
    assert sorted({card.kind for card in cards}) == sorted(CARD_KINDS)


def test_the_deck_example_with_the_card_examples_loads(tmp_path):
    deck = next(b for b in BLOCKS if b.startswith("id: prompt-tuning"))
    topics = "".join(
        f"  - id: {t}\n    title: {t}\n"
        for t in ("gd-basics", "bp-basics", "pf-basics", "ad-methods")
    )
    cards = "".join(
        "  " + block.replace("\n", "\n  ").rstrip() + "\n"
        for block in BLOCKS
        if block.startswith("- id:")
    )
    text = deck.replace("cards:\n  - ...\n", "") + topics + "cards:\n" + cards
    path = tmp_path / "example.yaml"
    path.write_text(text)
    result = load_decks([path], lab_catalog=Catalog())
    assert [str(p) for p in result.errors] == []
    examples = [b for b in BLOCKS if b.startswith("- id:")]
    assert result.cards == sum(len(parse_yaml(b.encode())[0].data) for b in examples)
