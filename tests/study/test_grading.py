"""Grading of every card kind, the shuffled presentation, and the suggested rating."""

from __future__ import annotations

import random

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st
from study_helpers import make_deck

from studykit.deck.model import Order
from studykit.study.grading import (
    CardHistory,
    NotGradable,
    Verdict,
    grade,
    present,
    suggest,
)

CARDS = {c.id.removeprefix("basics-"): c for c in make_deck().cards}


def test_flashcard_is_not_graded():
    with pytest.raises(NotGradable, match="flashcard"):
        grade(CARDS["fc"], None)


def test_mcq_right_pick_gives_its_why():
    v = grade(CARDS["mcq"], 1)
    assert (v.correct, v.score) == (True, 1.0)
    assert v.feedback == ["Only the prompt embeddings train."]
    assert v.expected == "Prompt tuning"


def test_mcq_wrong_pick_gives_its_why_and_the_right_one():
    v = grade(CARDS["mcq"], 0)
    assert (v.correct, v.score) == (False, 0.0)
    assert v.feedback[0] == "That updates every weight."
    assert "Prompt tuning" in v.feedback[1]


def test_mcq_rejects_an_index_outside_the_choices():
    with pytest.raises(NotGradable, match="index in 0..3"):
        grade(CARDS["mcq"], 4)


def test_multi_exact_set_is_correct():
    v = grade(CARDS["multi"], frozenset({0, 1}))
    assert (v.correct, v.score) == (True, 1.0)


def test_multi_partial_credit_and_wrong_picks_cancel():
    assert grade(CARDS["multi"], frozenset({0})).score == 0.5
    half_wrong = grade(CARDS["multi"], frozenset({0, 2}))
    assert (half_wrong.correct, half_wrong.score) == (False, 0.0)
    assert "Full fine-tuning: It updates all weights." in half_wrong.feedback
    assert any(line.startswith("Missed: Prefix tuning") for line in half_wrong.feedback)
    assert grade(CARDS["multi"], frozenset({0, 1, 3})).score == 0.5
    assert half_wrong.summary == "1 of 2 right choices picked, less 1 wrong pick"


def test_true_false_uses_the_matching_why():
    right = grade(CARDS["tf"], True)
    wrong = grade(CARDS["tf"], False)
    assert right.correct and right.feedback == ["Yes: a per-layer key/value prefix."]
    assert not wrong.correct and wrong.feedback == ["It does touch every layer."]
    with pytest.raises(NotGradable):
        grade(CARDS["tf"], 1)


def test_matching_partial_credit():
    assert grade(CARDS["match"], {0: 0, 1: 1, 2: 2}).correct
    swapped = grade(CARDS["match"], {0: 0, 1: 2, 2: 1})
    assert not swapped.correct
    assert swapped.score == pytest.approx(1 / 3)
    assert swapped.summary == "1 of 3 pairs matched"
    # What the learner matched, then the right match: never the other way round.
    assert swapped.feedback == [
        "prefix tuning: you matched “all weights”; its match is “per-layer keys/values”",
        "full fine-tuning: you matched “per-layer keys/values”; its match is “all weights”",
    ]
    assert grade(CARDS["match"], {0: 0}).score == pytest.approx(1 / 3)


def test_order_partial_credit_counts_steps_in_relative_order():
    assert grade(CARDS["order"], (0, 1, 2, 3)).score == 1.0
    one_moved = grade(CARDS["order"], (1, 2, 3, 0))
    assert not one_moved.correct
    assert one_moved.score == pytest.approx(2 / 3)
    # What the score counts, in words: none is in place, yet one move puts all in order.
    assert one_moved.summary == "0 of 4 steps in place; 1 move of at most 3 would put all in order"
    assert grade(CARDS["order"], (3, 2, 1, 0)).score == 0.0
    with pytest.raises(NotGradable, match="every step index"):
        grade(CARDS["order"], (0, 1, 1, 3))


def test_short_ignores_case_and_whitespace_and_accepts_alternatives():
    assert grade(CARDS["short"], "  BackPropagation ").correct
    assert grade(CARDS["short"], "back\tprop").correct is False
    assert grade(CARDS["short"], "BACKPROP").correct
    wrong = grade(CARDS["short"], "gradient descent")
    assert not wrong.correct and wrong.expected == "backpropagation"
    assert wrong.feedback == ["Also accepted: backprop"]
    assert not grade(CARDS["short"], "   ").correct


@pytest.mark.parametrize("kind", ["mcq", "multi", "tf", "match", "order", "short"])
def test_no_answer_is_wrong_for_every_kind(kind):
    v = grade(CARDS[kind], None)
    assert (v.correct, v.score) == (False, 0.0)
    assert v.expected


def test_present_shuffles_choices_and_is_reproducible_with_a_seed():
    mcq = CARDS["mcq"]
    orders = {present(mcq, random.Random(seed)).order for seed in range(30)}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    # The right choice (index 1) is not pinned to one display position.
    assert len({o.index(1) for o in orders}) == 4
    assert present(mcq, random.Random(7)) == present(mcq, random.Random(7))


@pytest.mark.parametrize("kind", ["match", "order"])
def test_present_never_shows_matching_or_order_already_solved(kind):
    card = CARDS[kind]
    n = len(card.pairs) if kind == "match" else len(card.steps)
    for seed in range(60):
        p = present(card, random.Random(seed))
        assert sorted(p.order) == list(range(n))
        assert p.order != tuple(range(n))


def test_present_has_nothing_to_shuffle_for_plain_kinds():
    for kind in ("fc", "tf", "short"):
        assert present(CARDS[kind], random.Random(0)).order == ()


KNOWN = CardHistory(known=True)


@pytest.mark.parametrize(
    ("correct", "ms", "history", "rating"),
    [
        (False, 1_000, KNOWN, Rating.Again),
        (True, 2_000, KNOWN, Rating.Easy),
        (True, 10_000, KNOWN, Rating.Good),
        (True, 90_000, KNOWN, Rating.Hard),
        # Easy only for a card already known: never on first sight or while it is learned.
        (True, 2_000, CardHistory(), Rating.Good),
        # ...and never for a card forgotten earlier today.
        (True, 2_000, CardHistory(known=True, lapsed_today=True), Rating.Good),
        (True, 90_000, CardHistory(), Rating.Hard),
    ],
)
def test_suggest_maps_correctness_time_and_what_was_known(correct, ms, history, rating):
    suggestion = suggest(Verdict(correct, float(correct), [], "x", "mcq"), ms, history)
    assert suggestion.rating == rating
    assert suggestion.why and "\n" not in suggestion.why


def test_suggest_says_why_in_one_line():
    right, wrong = Verdict(True, 1.0, [], "x", "mcq"), Verdict(False, 0.0, [], "x", "mcq")
    assert suggest(right, 2_000).why == "right; Easy is offered once you know the card"
    assert suggest(right, 2_000, KNOWN).why == "right, fast, and known since your last review"
    assert suggest(right, 90_000).why == "right, but it took 90 s"
    lapsed = CardHistory(known=True, lapsed_today=True)
    assert suggest(right, 2_000, lapsed).why == "right, but forgotten earlier today"
    assert suggest(wrong, 2_000).why == "the answer was wrong"
    partly = Verdict(False, 0.5, [], "x", "multi")
    assert (suggest(partly, 2_000, KNOWN).rating, suggest(partly, 2_000).why) == (
        Rating.Again,
        "partly right is not yet recalled",
    )


def test_one_typo_suggests_hard_not_again():
    almost = grade(CARDS["short"], "backpropogation")
    assert not almost.correct and almost.almost
    assert suggest(almost, 2_000, KNOWN).rating == Rating.Hard


def test_suggest_thresholds_depend_on_kind():
    ten_seconds = 10_000
    assert suggest(Verdict(True, 1.0, [], "x", "order"), ten_seconds, KNOWN).rating == Rating.Easy
    on_tf = suggest(Verdict(True, 1.0, [], "x", "true_false"), ten_seconds, KNOWN)
    assert on_tf.rating == Rating.Good


@given(st.permutations(range(6)))
def test_order_score_is_in_range_and_full_only_when_solved(permutation):
    card = Order.model_validate(
        {"id": "o", "kind": "order", "topic": "t", "prompt": "p", "steps": list("abcdef")}
    )
    verdict = grade(card, tuple(permutation))
    assert 0.0 <= verdict.score <= 1.0
    assert (verdict.score == 1.0) == verdict.correct == (list(permutation) == list(range(6)))


@given(st.frozensets(st.integers(0, 3)))
def test_multi_score_is_in_range_and_full_only_when_exact(picked):
    verdict = grade(CARDS["multi"], picked)
    assert 0.0 <= verdict.score <= 1.0
    assert (verdict.score == 1.0) == verdict.correct == (picked == {0, 1})
