"""`siblings`: a card's sibling name (an id) and a deck's `siblings: topic`, checked at load."""

from __future__ import annotations

from deck_helpers import load, write

DECK = """
    id: sib
    title: Siblings
    description: Two cards that answer each other.
    {deck_siblings}
    topics:
      - id: sib-t
        title: Chain rule
    cards:
      - id: sib-1
        kind: flashcard
        topic: sib-t
        siblings: {card_siblings}
        front: What does the chain rule say?
        back: Derivatives multiply along a chain.
        explanation: Backpropagation applies it.
"""


def test_siblings_load_on_cards_and_decks(tmp_path, labs_dir):
    text = DECK.format(deck_siblings="siblings: topic", card_siblings="chain-rule")
    result = load(write(tmp_path, "d.yaml", text), labs_dir)
    assert result.problems == []
    [deck] = result.decks
    assert (deck.siblings, deck.cards[0].siblings) == ("topic", ["chain-rule"])


def test_bad_siblings_are_one_line_each(tmp_path, labs_dir):
    text = DECK.format(deck_siblings="siblings: topics", card_siblings="Chain Rule!")
    path = write(tmp_path, "d.yaml", text)
    messages = [str(p) for p in load(path, labs_dir).errors]
    assert messages == [
        f'{path}:4:11: "siblings" should be \'topic\', got the text "topics"',
        f'{path}:12:15: card sib-1: "siblings" "Chain Rule!" is not a valid id: use lowercase '
        'letters, digits, ".", "-" and "_", starting with a letter or digit',
    ]
