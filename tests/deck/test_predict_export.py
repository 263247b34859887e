"""Exports: a predict card is left out with a note, or, given what a run measured
(`--run-labs`), exported as a question keyed by that measurement, saying on which seed."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from studykit.deck.export import FORMATS, export_decks, render_text
from studykit.deck.export.predict import Measured, resolve_predictions
from studykit.deck.model import Card, Deck, MultipleChoice, Order, Predict, ShortAnswer

CARD = TypeAdapter(Card)


def predict(**fields) -> Predict:
    base = {"id": "p-1", "kind": "predict", "topic": "t", "lab": "lab-a", "question": "Which?"}
    made = CARD.validate_python(base | fields)
    assert isinstance(made, Predict)
    return made


CHOICE = predict(
    observe="winner",
    choices=[{"text": "Prompt", "value": "prompt"}, {"text": "Prefix", "value": "prefix"}],
    explanation="Because of the layers.",
)


def deck(*cards) -> Deck:
    plain = {"id": "f-1", "kind": "flashcard", "topic": "t", "front": "F", "back": "B"}
    return Deck.model_validate(
        {
            "id": "d",
            "title": "D",
            "description": "d",
            "topics": [{"id": "t", "title": "T"}],
            "cards": [plain, *[c.model_dump(exclude_none=True) for c in cards]],
        }
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_leaves_predict_cards_out_with_a_note(tmp_path, fmt):
    out = tmp_path / f"x{FORMATS[fmt]}"
    report = export_decks([deck(CHOICE)], fmt, out)
    assert report.cards == 1  # the flashcard alone
    assert any(line.startswith("p-1:") and "--run-labs" in line for line in report.skipped)
    if fmt != "anki":
        assert "Which?" not in out.read_text(encoding="utf-8")


def test_a_measured_choice_becomes_an_mcq_keyed_by_the_run():
    (turned,), notes = resolve_predictions([deck(CHOICE)], lambda card: Measured("prefix", 3))
    mcq = turned.cards[1]
    assert isinstance(mcq, MultipleChoice) and mcq.answer == "B"
    assert "measured on seed 3" in mcq.question and "measured on seed 3" in mcq.explanation
    assert notes == ["p-1: exported as a multiple choice question keyed by the run on seed 3"]
    # another run measures otherwise: the key follows
    (again,), _ = resolve_predictions([deck(CHOICE)], lambda card: Measured("prompt", 4))
    assert again.cards[1].answer == "A"  # type: ignore[union-attr]


def test_markdown_shows_the_measured_key_and_seed():
    text, report = render_text(
        [deck(CHOICE)], "markdown", measure=lambda card: Measured("prefix", 7, "0.9 vs 0.4")
    )
    assert "Which?" in text and "measured on seed 7" in text and "0.9 vs 0.4" in text
    assert report.cards == 2


def test_order_and_number_predictions_and_what_is_left_out():
    order = predict(
        id="p-2",
        observe="fastest",
        choices=[{"text": "A first", "value": "a"}, {"text": "B first", "value": "b"}],
    )
    number = predict(id="p-3", observe="count", relative_tolerance=0.1)
    measured = {"p-2": Measured(["b", "a"], 0), "p-3": Measured(200, 0)}
    (turned,), _ = resolve_predictions([deck(order, number)], lambda card: measured[card.id])
    assert isinstance(turned.cards[1], Order) and turned.cards[1].steps == ["B first", "A first"]
    short = turned.cards[2]
    assert isinstance(short, ShortAnswer) and short.answers == ["200"] and short.tolerance == 20
    # not measured, a value no choice names, no run at all: left out, each with its reason
    for measure, said in [
        (lambda card: Measured(None, 0), "stopped before measuring winner"),
        (lambda card: Measured("tie", 0), "which no choice names"),
        (lambda card: None, "could not be run"),
    ]:
        (kept,), notes = resolve_predictions([deck(CHOICE)], measure)
        assert [c.id for c in kept.cards] == ["f-1"] and said in notes[0]


def test_a_deck_of_predict_cards_only_is_left_out_whole():
    only = Deck.model_validate(
        {
            "id": "d",
            "title": "D",
            "description": "d",
            "topics": [{"id": "t", "title": "T"}],
            "cards": [CHOICE.model_dump(exclude_none=True)],
        }
    )
    decks, notes = resolve_predictions([only])
    assert decks == [] and len(notes) == 1
