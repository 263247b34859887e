"""Aiken import, and the YAML writer every import goes through."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_export_formats import every_kind_deck, load_text

from studykit.deck.importers import BankError, import_bank
from studykit.deck.importers.naming import text_hash
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
    assert [card.id for card in deck.cards] == [
        "quiz-" + text_hash({"kind": "mcq", "question": card.question}) for card in deck.cards
    ]  # Aiken names no question: a hash of its text, so an insertion moves no other id
    assert [(t.id, t.title) for t in deck.topics] == [("quiz", "Imported")]
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
        ("Q?\nA. x\nB. y\nnext question\n", 1, "choices end without an 'ANSWER: <letter>' line"),
        ("A. x\nQ?\nA. y\nB. z\nANSWER: A\n", 1, "choice A with no question before it"),
    ],
)
def test_malformed_aiken_gets_one_line(tmp_path, bank, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(bank, encoding="utf-8")
    try:
        result = import_bank(path, "aiken")
    except BankError as error:  # nothing was left to import
        assert "no question could be imported" in str(error)
        warnings = error.warnings
    else:
        warnings = result.warnings
    text = warnings[0]
    assert text.startswith(f"{path}:{line}:1: ")
    assert message in text and text.endswith("; skipped")
    assert "\n" not in text


# Moodle's aiken_errors.txt has this shape (written here by hand): two good questions, one of
# them with no space after its letters, and four mistakes Moodle reports and skips.
AIKEN_ERRORS = Path(__file__).parent / "fixtures" / "aiken_errors.txt"


def test_a_bank_with_errors_imports_its_good_questions_with_a_warning_per_bad_one():
    result = import_bank(AIKEN_ERRORS, "aiken")
    good = [(c.question, [x.text for x in c.choices], c.answer) for c in result.deck.cards]
    assert good == [
        ("Which update does plain gradient descent make?", ["θ − η∇L", "θ + η∇L"], "A"),
        ("What does prompt tuning leave frozen?", ["Only the soft prompt", "The base model"], "B"),
    ]  # "B)The base model" (no space) is a choice, as Moodle reads it
    where = [(w.split(":")[1], w.split(": ", 1)[1]) for w in result.warnings]
    assert where == [
        ("3", 'question "A question with a single choice": needs at least two choices (A. …, '
              "B. …) before 'ANSWER:'; skipped"),
        ("5", "choice A with no question before it; skipped"),
        ("7", "'ANSWER:' with no question before it; skipped"),
        ("14", 'question "A question without its answer line": choices end without an '
               "'ANSWER: <letter>' line (line 18 starts another question); add one; skipped"),
    ]  # fmt: skip
    assert result.skipped == 4


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
