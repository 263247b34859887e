"""Predict cards in exports: no other tool can run a lab, so a predict card is left out with a
note, or, when the exporter is given what a run measured (`deck export --run-labs`), it becomes
an ordinary question whose key is that measurement, and says so ("measured on seed S").

    decks, notes = resolve_predictions(decks)               # predict cards left out, one note each
    decks, notes = resolve_predictions(decks, measure)      # or turned into questions

`measure(card)` returns the run's `Measured` answer for the card's observable (the CLI runs each
linked lab once per parameter set, with `studykit.lab.runner.run_lab`); this module runs nothing
and imports nothing of the lab layer. A choice observable becomes an mcq card, an order
observable an order card (steps in the measured order), a number a short card with the card's
tolerance around the measured value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from studykit.deck.model import LETTERS, AnyCard, Card, Deck, Predict


@dataclass(frozen=True)
class Measured:
    """What one run measured for a card's observable (`value` None: the run stopped first)."""

    value: Any
    seed: int
    detail: str = ""  # the numbers behind the value


Measure = Callable[[Predict], Measured | None]  # None: the lab could not be run

_CARD: TypeAdapter[Any] = TypeAdapter(Card)


def resolve_predictions(
    decks: list[Deck], measure: Measure | None = None
) -> tuple[list[Deck], list[str]]:
    """`decks` with every predict card left out (`measure` None) or turned into a question on
    what `measure` says the run measured; and one note per card left out or turned. A deck
    left with no card is left out."""
    notes: list[str] = []
    resolved: list[Deck] = []
    for deck in decks:
        if not any(isinstance(card, Predict) for card in deck.cards):
            resolved.append(deck)
            continue
        cards: list[AnyCard] = []
        for card in deck.cards:
            if not isinstance(card, Predict):
                cards.append(card)
                continue
            if measure is None:
                notes.append(
                    f"{card.id}: a predict card needs a lab run, so it is left out "
                    "(--run-labs runs the lab and exports what it measured)"
                )
                continue
            turned, note = as_question(card, measure(card))
            notes.append(f"{card.id}: {note}")
            if turned is not None:
                cards.append(turned)
        if cards:
            resolved.append(deck.model_copy(update={"cards": cards}))
    return resolved, notes


def measured_note(card: Predict, measured: Measured) -> str:
    """The line an exported card carries: which run its key comes from."""
    detail = f": {measured.detail}" if measured.detail else ""
    return (
        f"(The answer was measured on seed {measured.seed} by `studykit lab {card.lab.name}`"
        f"{detail}; another seed or other parameters may measure otherwise.)"
    )


def as_question(card: Predict, measured: Measured | None) -> tuple[AnyCard | None, str]:
    """(the exported card, or None if it is left out; the note saying which)."""
    if measured is None:
        return None, f"lab {card.lab.name} could not be run, so the card is left out"
    value = measured.value
    if value is None:
        return None, f"the run stopped before measuring {card.observe}, so the card is left out"
    note = measured_note(card, measured)
    base: dict[str, Any] = {
        "id": card.id,
        "topic": card.topic,
        "tags": card.tags,
        "refs": card.refs,
        "lab": card.lab.model_dump(exclude_none=True),
        "siblings": card.siblings,
        "explanation": f"{card.explanation}\n\n{note}".strip(),
    }
    data: dict[str, Any]
    if card.choices and isinstance(value, list):
        text_of = {choice.value: choice.text for choice in card.choices}
        if sorted(map(str, value)) != sorted(text_of):
            return None, f"the run measured the order {value}, which its choices do not cover"
        steps = [text_of[str(item)] for item in value]
        data = {"kind": "order", "prompt": f"{card.question}\n\n{note}", "steps": steps}
        kind = "order"
    elif card.choices:
        values = [choice.value for choice in card.choices]
        if str(value) not in values:
            return None, f"the run measured {value}, which no choice names, so it is left out"
        data = {
            "kind": "mcq",
            "question": f"{card.question}\n\n{note}",
            "choices": [choice.text for choice in card.choices],
            "answer": LETTERS[values.index(str(value))],
        }
        kind = "multiple choice"
    else:
        number = float(value)
        tolerance = card.tolerance
        if tolerance is None:
            tolerance = abs(number) * (card.relative_tolerance or 0.0)
        data = {
            "kind": "short",
            "question": f"{card.question}\n\n{note}",
            "answers": [str(int(number)) if number.is_integer() else f"{number:.6g}"],
            "tolerance": tolerance,
        }
        kind = "short answer"
    try:
        turned = _CARD.validate_python(base | data)
    except ValidationError as error:  # e.g. text over a limit once the note is added
        return None, f"cannot be exported as a question ({error.errors()[0]['msg']})"
    return turned, f"exported as a {kind} question keyed by the run on seed {measured.seed}"
