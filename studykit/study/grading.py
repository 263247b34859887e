"""Show a card and grade the learner's answer. Pure functions: no store, no clock, no UI.

`present` picks a display order for the parts of a card that must not give the answer away (the
choices of an mcq or multi card, the right-hand items of a matching card, the steps of an order
card). Answers always come back in *original* indexes, so grading never depends on the shuffle.

`grade` returns a `Verdict` for the auto-graded kinds; flashcards are self-rated; a predict card
is graded by what a lab run measured (`predictions.py`). A cloze card is
studied as one `ClozeDeletion` per deletion number (deck/cloze.py): typed, it is graded like a
short answer against the deletion's text and the card's `accept` list; revealed, self-rated.
Typed answers are compared in `typed.py` (folding, numbers, one typo is "almost"). `suggest` turns
a verdict, the answer time and what the learner already knew of the card into the fsrs rating the
learner may accept or override, with one line saying why.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass

from fsrs import Rating

from studykit.deck.cloze import ClozeDeletion, StudyCard
from studykit.deck.markup import escape_line
from studykit.deck.model import (
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    Predict,
    ShortAnswer,
    TrueFalse,
)
from studykit.study.typed import Typo, accepted_answers, fold_typed

# What a learner can answer, by card kind (indexes are the card's original indexes):
#   mcq: int | multi: frozenset[int] | true_false: bool | matching: {left: right}
#   order: tuple of step indexes in the learner's order | short, cloze: the typed text
#   None: no answer given ("I don't know"), graded wrong for every kind.
Answer = None | int | frozenset[int] | bool | dict[int, int] | tuple[int, ...] | str


class NotGradable(ValueError):
    """Raised for a flashcard (self-rated) or an answer of the wrong shape for the card."""


@dataclass(frozen=True)
class Presented:
    """One showing of a card: the display order is shuffled per review.

    `order[position]` is the original index shown at that display position: of the choices
    (mcq, multi), of the right-hand items (matching) or of the steps (order). Empty for the
    kinds with nothing to shuffle (flashcard, true_false, short).
    """

    card: StudyCard
    order: tuple[int, ...]

    def position_of(self, original: int) -> int:
        """Display position of an original index (e.g. to highlight the correct choice)."""
        return self.order.index(original)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    score: float  # 0..1 (partial credit for multi, matching, order)
    feedback: list[str]  # card text (Markdown), e.g. the picked choice's `why`
    expected: str  # the right answer, readable
    kind: str = ""  # the card kind, so `suggest` can use per-kind time thresholds
    # What a partial score counts, in words: "4 of 6 steps in place; 1 move fixes the order".
    summary: str = ""
    # "Almost": a typed answer one typo away from an accepted one (see typed.py); not correct.
    typo: Typo | None = None
    # Also "almost": a number right but for its decimal comma (`2,4` for 2.4); not correct.
    decimal_comma: bool = False

    @property
    def almost(self) -> bool:
        return self.typo is not None or self.decimal_comma


def _shuffled(n: int, rng: random.Random, *, avoid_identity: bool) -> tuple[int, ...]:
    order = list(range(n))
    rng.shuffle(order)
    # An order or matching card shown already solved teaches nothing: rotate it out of place.
    if avoid_identity and n > 1 and order == list(range(n)):
        order = order[1:] + order[:1]
    return tuple(order)


def present(card: StudyCard, rng: random.Random) -> Presented:
    """Choose this showing's display order (choices, right items or steps) with `rng`."""
    match card:
        case MultipleChoice() | MultipleSelect():
            return Presented(card, _shuffled(len(card.choices), rng, avoid_identity=False))
        case Matching():
            return Presented(card, _shuffled(len(card.pairs), rng, avoid_identity=True))
        case Order():
            return Presented(card, _shuffled(len(card.steps), rng, avoid_identity=True))
        case Predict() if card.choices:  # an ordering must not be shown already in order
            return Presented(card, _shuffled(len(card.choices), rng, avoid_identity=True))
        case _:
            return Presented(card, ())


def grade(card: StudyCard, answer: Answer) -> Verdict:
    """Grade `answer` (original indexes, see `Answer`) for an auto-graded card.

    Raises NotGradable for a flashcard or an answer whose shape does not fit the card.
    """
    match card:
        case Flashcard():
            raise NotGradable(f"card {card.id} is a flashcard: the learner rates it themselves")
        case MultipleChoice():
            return _grade_mcq(card, answer)
        case MultipleSelect():
            return _grade_multi(card, answer)
        case TrueFalse():
            return _grade_true_false(card, answer)
        case Matching():
            return _grade_matching(card, answer)
        case Order():
            return _grade_order(card, answer)
        case ShortAnswer():
            return _grade_typed(card, card.answers, answer, card.tolerance)
        case ClozeDeletion():
            return _grade_typed(card, card.accepted(), answer)
        case Predict():
            raise NotGradable(
                f"card {card.id} is a predict card: a lab run grades it "
                "(study.predictions.grade_run)"
            )
    raise NotGradable(f"unknown card kind {getattr(card, 'kind', card)!r}")


def _wrong_shape(card: StudyCard, expected_shape: str, answer: object) -> NotGradable:
    return NotGradable(f"card {card.id} ({card.kind}) expects {expected_shape}, got {answer!r}")


def _check_index(card: StudyCard, index: object, size: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise _wrong_shape(card, f"an index in 0..{size - 1}", index)
    return index


def _grade_mcq(card: MultipleChoice, answer: Answer) -> Verdict:
    right = card.choices[card.correct_index]
    expected = right.text
    if answer is None:
        return Verdict(False, 0.0, [], expected, card.kind)
    picked = _check_index(card, answer, len(card.choices))
    why = card.choices[picked].why
    feedback = [why] if why else []
    correct = picked == card.correct_index
    if not correct and right.why:
        feedback.append(f"{right.text}: {right.why}")
    return Verdict(correct, 1.0 if correct else 0.0, feedback, expected, card.kind)


def _grade_multi(card: MultipleSelect, answer: Answer) -> Verdict:
    right = set(card.correct_indexes)
    expected = "; ".join(card.choices[i].text for i in sorted(right))
    if answer is None:
        return Verdict(False, 0.0, [], expected, card.kind)
    if not isinstance(answer, (set, frozenset)):
        raise _wrong_shape(card, "a set of choice indexes", answer)
    picked = {_check_index(card, i, len(card.choices)) for i in answer}
    hits, false_picks = len(picked & right), len(picked - right)
    # Partial credit: each right pick earns a share, each wrong pick cancels one; never below 0.
    score = max(0.0, (hits - false_picks) / len(right))
    feedback = []
    for i, choice in enumerate(card.choices):
        if i in picked and choice.why:
            feedback.append(f"{choice.text}: {choice.why}")
        elif i in right - picked:
            feedback.append(f"Missed: {choice.text}" + (f": {choice.why}" if choice.why else ""))
    summary = f"{hits} of {len(right)} right choices picked"
    if false_picks:
        summary += f", less {false_picks} wrong {'pick' if false_picks == 1 else 'picks'}"
    return Verdict(picked == right, score, feedback, expected, card.kind, summary)


def _grade_true_false(card: TrueFalse, answer: Answer) -> Verdict:
    expected = "True" if card.answer else "False"
    if answer is None:
        return Verdict(False, 0.0, [], expected, card.kind)
    if not isinstance(answer, bool):
        raise _wrong_shape(card, "True or False", answer)
    why = card.why_true if answer else card.why_false
    correct = answer == card.answer
    return Verdict(correct, 1.0 if correct else 0.0, [why] if why else [], expected, card.kind)


def _grade_matching(card: Matching, answer: Answer) -> Verdict:
    expected = "; ".join(f"{p.left} → {p.right}" for p in card.pairs)
    if answer is None:
        return Verdict(False, 0.0, [], expected, card.kind)
    if not isinstance(answer, dict):
        raise _wrong_shape(card, "a {left index: right index} mapping", answer)
    n = len(card.pairs)
    feedback = []
    right_count = 0
    for left in range(n):
        picked = answer.get(left)
        if picked is not None:
            _check_index(card, picked, n)
        if picked == left:
            right_count += 1
            continue
        pair = card.pairs[left]
        given = f"“{card.pairs[picked].right}”" if picked is not None else "nothing"
        feedback.append(f"{pair.left}: you matched {given}; its match is “{pair.right}”")
    summary = f"{right_count} of {n} pairs matched"
    return Verdict(right_count == n, right_count / n, feedback, expected, card.kind, summary)


def _longest_increasing_run(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for v in values:
        i = bisect_left(tails, v)
        tails[i : i + 1] = [v]
    return len(tails)


def _grade_order(card: Order, answer: Answer) -> Verdict:
    n = len(card.steps)
    expected = "  ".join(f"{i + 1}. {step}" for i, step in enumerate(card.steps))
    if answer is None:
        return Verdict(False, 0.0, [], expected, card.kind)
    if not isinstance(answer, (tuple, list)) or sorted(answer) != list(range(n)):
        raise _wrong_shape(
            card, f"every step index 0..{n - 1} once, in the learner's order", answer
        )
    given = list(answer)
    # Partial credit counts moves: the steps outside the longest run already in the right
    # relative order each need one move (take it out, put it back in its place), and a shuffle
    # needs at most n - 1. One step out of place keeps (n-2)/(n-1); a reversed order scores 0.
    moves = n - _longest_increasing_run(given)
    score = 1 - moves / (n - 1)
    in_place = sum(step == pos for pos, step in enumerate(given))
    summary = (
        f"{in_place} of {n} steps in place; {moves} {'move' if moves == 1 else 'moves'} "
        f"of at most {n - 1} would put all in order"
    )
    feedback = [
        f"Step {pos + 1} should be: {card.steps[pos]}"
        for pos, step in enumerate(given)
        if step != pos
    ]
    return Verdict(given == list(range(n)), score, feedback, expected, card.kind, summary)


def _grade_typed(
    card: StudyCard, answers: list[str], answer: Answer, tolerance: float | None = None
) -> Verdict:
    expected = answers[0] + (f" (± {tolerance:g})" if tolerance else "")
    others = answers[1:]
    if answer is None:
        return Verdict(False, 0.0, _also_accepted(others), expected, card.kind)
    if not isinstance(answer, str):
        raise _wrong_shape(card, "the typed text", answer)
    accepted = accepted_answers(tuple(answers), tolerance)
    typed = fold_typed(answer)
    if accepted.accepts(typed):
        return Verdict(True, 1.0, [], expected, card.kind)
    pointed = accepted.with_decimal_point(typed)
    if pointed is not None:  # the number was known; only its decimal mark was not ours
        summary = f"write decimals with a point: {pointed}"
        return Verdict(False, 1 - 1 / len(typed), [], expected, card.kind, summary, None, True)
    typo = accepted.typo(typed)
    if typo is None:
        return Verdict(False, 0.0, _also_accepted(others), expected, card.kind)
    # All but one character right: the score says how close, the verdict says "almost".
    score = 1 - 1 / max(len(typo.expected), 1)
    summary = "one typo"
    return Verdict(False, score, [], expected, card.kind, summary, typo)


def _also_accepted(others: list[str]) -> list[str]:
    # Feedback is card text (Markdown); accepted answers are plain, so `2*P` stays `2*P`.
    return ["Also accepted: " + ", ".join(map(escape_line, others))] if others else []


# Answer-time thresholds for `suggest`, in ms, per kind: (fast, slow). A right answer slower than
# `slow` suggests Hard; one faster than `fast` may suggest Easy, if the card was already known.
# Reading four choices takes longer than reading a true/false statement; arranging five steps
# longer still.
TIME_THRESHOLDS_MS: dict[str, tuple[int, int]] = {
    "true_false": (4_000, 15_000),
    "mcq": (6_000, 25_000),
    "multi": (10_000, 40_000),
    "short": (8_000, 30_000),
    "cloze": (8_000, 30_000),
    "matching": (15_000, 60_000),
    "order": (15_000, 60_000),
}
DEFAULT_THRESHOLDS_MS = (8_000, 30_000)


@dataclass(frozen=True)
class CardHistory:
    """What the learner had shown of a card before this answer (the session reads it)."""

    known: bool = False  # graduated to fsrs's Review state: past its learning steps, not forgotten
    lapsed_today: bool = False  # rated Again earlier today


NEW_CARD = CardHistory()


@dataclass(frozen=True)
class Suggestion:
    rating: Rating
    why: str  # one line: why this rating, in the learner's words


def suggest(verdict: Verdict, duration_ms: int, history: CardHistory = NEW_CARD) -> Suggestion:
    """The rating to offer for an answer, and why.

    Wrong (or only partly right: the card was not recalled) → Again; one typo or a decimal comma
    (`2,4` for 2.4) → Hard; right but slow → Hard; right → Good. Easy only for a card already
    known, answered fast, and not forgotten today: Easy on first sight would make fsrs skip the
    learning steps and schedule the card days away on one lucky answer. The learner can override
    it before it is stored.
    """
    if verdict.decimal_comma:
        return Suggestion(Rating.Hard, "the right number, with a comma for the point")
    if verdict.almost:
        return Suggestion(Rating.Hard, "one typo: almost recalled")
    if not verdict.correct:
        if verdict.score > 0:
            return Suggestion(Rating.Again, "partly right is not yet recalled")
        return Suggestion(Rating.Again, "the answer was wrong")
    fast, slow = TIME_THRESHOLDS_MS.get(verdict.kind, DEFAULT_THRESHOLDS_MS)
    if duration_ms > slow:
        return Suggestion(Rating.Hard, f"right, but it took {duration_ms // 1000} s")
    if history.lapsed_today:
        return Suggestion(Rating.Good, "right, but forgotten earlier today")
    if not history.known:
        return Suggestion(Rating.Good, "right; Easy is offered once you know the card")
    if duration_ms < fast:
        return Suggestion(Rating.Easy, "right, fast, and known since your last review")
    return Suggestion(Rating.Good, "right")
