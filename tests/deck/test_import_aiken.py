"""Aiken import, and the YAML writer every import goes through."""

from __future__ import annotations

import pytest
import yaml
from test_export_formats import every_kind_deck, load_text

from studykit.deck.importers import BankError, import_bank
from studykit.deck.importers.writer import deck_to_yaml

AIKEN_BANK = """\
What does prompt tuning train?
A. Every weight of the model
B) A few vectors prepended to the input embeddings
C. The attention keys and values of every layer
ANSWER: B

Which method adds trainable vectors to every layer's keys and values?
(Li & Liang, 2021)
A) Prompt tuning
B) Prefix tuning
ANSWER: b
Gradient descent moves the parameters...
A. along the gradient
B. against the gradient
ANSWER: B
"""


def test_aiken_questions_become_mcq_cards(tmp_path):
    path = tmp_path / "quiz.aiken"
    path.write_text(AIKEN_BANK, encoding="utf-8")
    result = import_bank(path, "aiken")
    deck = result.deck
    assert result.warnings == []
    assert [card.id for card in deck.cards] == ["quiz-001", "quiz-002", "quiz-003"]
    assert [(t.id, t.title) for t in deck.topics] == [("imported", "Imported")]
    first, second, third = deck.cards
    assert first.question == "What does prompt tuning train?"
    assert [c.text for c in first.choices] == [
        "Every weight of the model",
        "A few vectors prepended to the input embeddings",
        "The attention keys and values of every layer",
    ]
    assert first.answer == "B"
    assert second.question.endswith("keys and values?\n(Li & Liang, 2021)")
    assert second.answer == "B"  # "ANSWER: b" is accepted
    assert (third.question, third.answer) == ("Gradient descent moves the parameters...", "B")


@pytest.mark.parametrize(
    ("bank", "line", "message"),
    [
        ("Q?\nA. x\nB. y\n", 1, "question \"Q?\": has no 'ANSWER: <letter>' line"),
        ("Q?\nA. x\nB. y\nANSWER: C\n", 4, 'ANSWER "C" is not one of the choices A-B'),
        ("Q?\nA. x\nC. y\nANSWER: A\n", 3, "choice C is out of sequence; expected B"),
        ("Q?\nA. x\nANSWER: A\n", 3, "needs at least two choices"),
        ("ANSWER: A\n", 1, "'ANSWER:' with no question before it"),
        ("Q?\nA. x\nB. y\nnext question\n", 4, "choices end without an 'ANSWER: <letter>' line"),
    ],
)
def test_malformed_aiken_gets_one_line(tmp_path, bank, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(bank, encoding="utf-8")
    with pytest.raises(BankError) as caught:
        import_bank(path, "aiken")
    text = str(caught.value)
    assert text.startswith(f"{path}:{line}:1: ")
    assert message in text
    assert "\n" not in text


def test_yaml_writer_output_loads_back_into_an_equal_deck():
    deck = every_kind_deck()
    text = deck_to_yaml(deck, header="Imported from x.gift\nsecond line")
    assert text.startswith("# Imported from x.gift\n# second line\nid: every-kind\n")
    assert load_text(text) == deck
    data = yaml.safe_load(text)
    card = data["cards"][1]
    assert list(card)[:3] == ["id", "kind", "topic"]  # readable key order
    assert card["choices"][3] == "θ ← η"  # a choice without feedback is a plain string
    assert data["cards"][6]["lab"] == "gradient-descent"  # the short lab form
    assert "back: |-\n" in text  # multi-line text as a literal block
