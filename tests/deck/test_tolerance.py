"""A short card's `tolerance`: a finite number, 0 or more, on a card with a numeric answer; any
other value is one error line naming the file, the line and the fix."""

from __future__ import annotations

import math

import pytest
from deck_helpers import load, write
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from studykit.deck.model import ShortAnswer
from studykit.deck.numbers import parse_number

DECK = """
    id: tol
    title: Tolerance
    description: One short card.
    topics:
      - id: tol-t
        title: Numbers
    cards:
      - id: tol-1
        kind: short
        topic: tol-t
        question: What is θ after one step?
        answers: [{answers}]
        tolerance: {tolerance}
        explanation: 3 − 0.1 × 6.
"""


def card(answers: list[str], tolerance: object) -> dict:
    return {
        "id": "s",
        "kind": "short",
        "topic": "t",
        "question": "Q?",
        "answers": answers,
        "tolerance": tolerance,
    }


def test_a_tolerance_loads_on_a_numeric_answer(tmp_path, labs_dir):
    result = load(write(tmp_path, "d.yaml", DECK.format(answers='"2.4"', tolerance=0.05)), labs_dir)
    assert result.problems == []
    assert result.decks[0].cards[0].tolerance == 0.05


@pytest.mark.parametrize(
    ("answers", "tolerance", "message"),
    [
        ("chain rule", "0.1", "tolerance: a tolerance needs a numeric answer such as 2.4"),
        ('"2.4"', "-1", '"tolerance" should be 0 or more, got the number -1'),
        ('"2.4"', ".inf", '"tolerance" should be a finite number, got the number inf'),
        ('"2.4"', "yes", '"tolerance" should be a number, got the text "yes"'),
        ('"2.4"', "true", "tolerance: write a number such as 0.05, not true or false"),
    ],
)
def test_a_bad_tolerance_is_one_line_at_its_line(tmp_path, labs_dir, answers, tolerance, message):
    path = write(tmp_path, "d.yaml", DECK.format(answers=answers, tolerance=tolerance))
    result = load(path, labs_dir)
    [problem] = result.errors
    assert str(problem).startswith(f"{path}:13:16: card tol-1: {message}")
    assert "\n" not in str(problem)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(VALUES, st.lists(st.sampled_from(["2.4", "1e-3", "8,000", "chain rule", "8k"]), min_size=1))
def test_any_tolerance_value_is_a_usable_number_or_a_validation_error(value, answers):
    try:
        tolerance = ShortAnswer.model_validate(card(answers, value)).tolerance
    except ValidationError:
        return  # the loader turns it into one line (above)
    if tolerance is not None:
        assert not isinstance(value, bool)
        assert math.isfinite(tolerance) and tolerance >= 0
        assert any(parse_number(a) is not None for a in answers)
