"""Typed answers: a right answer is accepted whatever its case, spacing, Unicode form, final
punctuation or spelling of a number; one typo in a long word is "almost", with the slip located."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from fsrs import Rating
from hypothesis import assume, given
from hypothesis import strategies as st

from studykit.deck.model import MAX_ANSWER, MAX_TYPED, ShortAnswer
from studykit.study.grading import grade, suggest
from studykit.study.typed import fold


def short(*answers: str, tolerance: float | None = None) -> ShortAnswer:
    card = {"id": "s-1", "kind": "short", "topic": "t", "question": "Q?", "answers": list(answers)}
    if tolerance is not None:
        card["tolerance"] = tolerance
    return ShortAnswer.model_validate(card)


# --- what the learner saw marked wrong (issue 13) ---


def test_a_final_period_and_capitals_are_forgiven():
    bg_26 = short("chain rule", "the chain rule")
    assert grade(bg_26, "The Chain Rule.").correct
    assert grade(bg_26, "“chain rule”!").correct
    assert not grade(bg_26, "product rule.").correct


def test_a_number_is_its_value_in_any_spelling():
    bg_07 = short("2.4", "2.40")
    for spelling in ("2.400", "+2.4", "24e-1", "2.4.", " 2.40000 ", "０２.４"):
        assert grade(bg_07, spelling).correct, spelling
    for wrong in ("2.5", "2,4", "24", "2.4.1"):
        assert not grade(bg_07, wrong).correct, wrong
    assert grade(short("0.001"), "1e-3").correct
    assert grade(short("8,000"), "8000").correct and grade(short("8000"), "8 000").correct


def test_a_decimal_comma_is_almost_and_says_the_point_is_the_decimal_mark():
    # The issue: "2,4" for 2.4 was "✗ Not quite" with no word on why.
    verdict = grade(short("2.4"), "2,4")
    assert not verdict.correct and verdict.almost
    assert verdict.summary == "write decimals with a point: 2.4"
    assert suggest(verdict, 2_000).rating == Rating.Hard
    assert grade(short("1.024"), "1,024").almost  # read as a thousand and twenty-four: a hint
    assert grade(short("0.5", tolerance=0.1), "0,45").almost
    assert grade(short("1024"), "1,024").correct  # thousands, as before
    for wrong in ("2,5", "2,4,0", "2,4.0", "24"):
        assert not grade(short("2.4"), wrong).almost, wrong
    assert not grade(short("chain rule"), "chain,rule").almost  # only numbers


def test_dashes_minus_signs_and_quotes_are_folded():
    assert grade(short("fine-tuning"), "fine\u2013tuning").correct
    assert grade(short("-3"), "\u22123").correct  # the minus sign of a math keyboard
    assert grade(short("Anki's type-in"), "anki\u2019s type\u2010in").correct
    assert fold("  \uff21\uff22  C\u00a0d.") == "ab c d"  # full-width letters, a no-break space


def test_a_tolerance_accepts_numbers_near_the_answer():
    card = short("9.81", tolerance=0.05)
    assert grade(card, "9.8").correct and grade(card, "9.86").correct
    assert not grade(card, "9.87").correct
    assert grade(card, "9.9").expected == "9.81 (± 0.05)"
    assert not grade(short("9.81"), "9.8").correct  # no tolerance: the exact value


# --- one typo: almost ---


@pytest.mark.parametrize(
    ("typed", "typed_span", "expected_span"),
    [
        ("backpropogation", (8, 9), (8, 9)),  # a wrong letter
        ("backpropagaton", (12, 12), (12, 13)),  # a missing one
        ("backpropagationn", (15, 16), (15, 15)),  # an extra one
        ("bakcpropagation", (2, 4), (2, 4)),  # two swapped
    ],
)
def test_one_typo_in_a_long_word_is_almost_and_located(typed, typed_span, expected_span):
    verdict = grade(short("backpropagation"), typed)
    assert not verdict.correct and verdict.almost
    assert verdict.typo is not None
    assert (verdict.typo.typed_span, verdict.typo.expected_span) == (typed_span, expected_span)
    assert 0 < verdict.score < 1 and verdict.summary == "one typo"


@pytest.mark.parametrize(
    "typed",
    [
        "chian rule",  # the swapped letters are in a five-letter word
        "bakcpropogation",  # two typos
        "backprop agation",  # a space is not a slip within a word
        "backpropagation2",  # nor a digit
        "12346",  # numbers are right or wrong, never almost
    ],
)
def test_other_near_misses_are_wrong(typed):
    card = short("chain rule", "backpropagation", "12345")
    verdict = grade(card, typed)
    assert not verdict.correct and not verdict.almost


# --- properties ---

# Characters whose case changes fold back to themselves (not e.g. the dotless ı, whose capital
# is the ordinary I), so "the same answer in other case" is well defined.
_CASE_STABLE = st.characters(categories=("L", "N", "P", "S", "Zs")).filter(
    lambda c: fold(c.upper()) == fold(c) == fold(c.lower())
)
ANSWERS = (
    st.text(_CASE_STABLE, min_size=1, max_size=60)
    .map(str.strip)
    .filter(lambda a: any(c.isalnum() for c in a))
)


@given(ANSWERS, st.data())
def test_an_accepted_answer_with_other_case_spaces_or_a_final_period_is_accepted(answer, data):
    case = data.draw(st.lists(st.booleans(), min_size=len(answer), max_size=len(answer)))
    typed = "".join(c.upper() if up else c.lower() for c, up in zip(answer, case, strict=True))
    typed = typed.replace(" ", data.draw(st.sampled_from([" ", "  ", "\t", " \u00a0"])))
    typed = data.draw(st.sampled_from(["", " ", "  "])) + typed
    typed += data.draw(st.sampled_from(["", ".", " .", "  ", ". "]))
    assert grade(short(answer), typed).correct, (answer, typed)


def _spellings(value: Decimal) -> list[str]:
    """Ways to write `value`: plain, with more zeros, in exponent form, with a sign, grouped."""
    plain = format(value, "f")
    spellings = [plain, format(value, "e"), format(value, "E")]
    spellings.append(plain + ("0" if "." in plain else ".0"))
    spellings.append(plain + ("000" if "." in plain else ".000"))
    if not plain.startswith("-"):
        spellings.append("+" + plain)
    whole, _, fraction = plain.lstrip("-").partition(".")
    if whole == "0" and fraction:
        spellings.append(("-" if value < 0 else "") + "." + fraction)
    if len(whole) > 3:
        grouped = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
        spellings += [("-" if value < 0 else "") + grouped.replace(",", mark) for mark in ", _"]
    return spellings


NUMBERS = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(format(d, "f")) <= 60
)


@given(NUMBERS, st.data())
def test_numbers_in_any_spelling_of_the_same_value_are_accepted(value, data):
    spellings = _spellings(value)
    accepted = data.draw(st.sampled_from(spellings))
    typed = data.draw(st.sampled_from(spellings)) + data.draw(st.sampled_from(["", ".", " "]))
    assume(len(accepted) <= MAX_ANSWER)
    assert grade(short(accepted), typed).correct, (accepted, typed)


@given(NUMBERS, NUMBERS)
def test_different_numbers_are_not_accepted_without_a_tolerance(value, other):
    assume(value != other)
    assert not grade(short(format(value, "f")), format(other, "e")).correct


@given(st.text(max_size=MAX_TYPED * 2), st.lists(ANSWERS, min_size=1, max_size=20))
def test_any_reply_is_graded_in_bounded_time_and_never_crashes(reply, answers):
    start = time.perf_counter()
    verdict = grade(short(*answers), reply)
    assert time.perf_counter() - start < 0.5
    assert verdict.correct or verdict.score < 1
