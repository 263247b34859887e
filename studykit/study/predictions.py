"""Predict cards: grade a committed prediction with what a lab run measured, and keep it.

    kind = prediction_kind(card)                        # "choice" | "order" | "number"
    grade = grade_run(card, answer, result)             # after the run (a LabResult)
    grade.correct       # True / False; None when the run stopped before measuring it
    grade.why           # "you predicted X — this run measured Y"
    rate_prediction(session, presented, rating, duration_ms, grade, reason="...")

The answer key is always the run's measurement (`LabResult.observables[card.observe]`), never a
value of the deck: with other parameters or another seed the right answer can change. A right
prediction suggests Good, a wrong one Again; the learner's final rating is stored through the
session like any review (fsrs), with the prediction beside it, in one transaction. A run that
did not measure the observable grades nothing: no review, no stored prediction.

What the learner answers, by `prediction_kind`: `choice`, a choice's observable value (or its
index among the card's choices); `order`, the values best first (or their indexes); `number`,
a number or the typed text (read as short answers read numbers: `1,024`, `1e-3`); None is "I
don't know", wrong when measured. Pure functions but for the two that store.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from fsrs import Rating

from studykit.deck.model import Predict
from studykit.deck.numbers import parse_number
from studykit.study.clock import as_clock
from studykit.study.grading import NotGradable, Presented, Suggestion, Verdict
from studykit.study.records import PredictionRecord

if TYPE_CHECKING:
    from studykit.study.session import StudySession
    from studykit.study.store import ProgressStore

NUMBER_TYPES = ("int", "float", "percent")


# What this module reads of a lab run, by shape: the study layer does not import the lab layer
# (tests/test_layering.py); studykit.lab.results.Observation and LabResult fit these.
class Observation(Protocol):
    @property
    def value(self) -> Any: ...
    @property
    def detail(self) -> str: ...
    @property
    def rows(self) -> Sequence[str]: ...


class LabResult(Protocol):
    @property
    def seed(self) -> int: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def observables(self) -> Mapping[str, Observation]: ...


MAX_REASON = 200  # one line of why


def prediction_kind(card: Predict, observable_type: str | None) -> str:
    """What the learner gives for `card`: "choice" (pick one), "order" (order the choices, best
    first) or "number" (type one). The card's shape and the declared type of its observable
    (`studykit.lab.catalog.observable_type`, passed in by the front end) decide."""
    if card.typed:
        return "number"
    return "order" if observable_type == "order" else "choice"


@dataclass(frozen=True)
class PredictionGrade:
    """A prediction graded by one run. `correct` is None when the run did not measure it."""

    card_id: str
    lab: str
    observe: str
    answer: Any  # normalised: str (choice) | tuple[str, ...] (order) | float (number) | None
    predicted: str  # the answer as the learner reads it
    observation: Observation | None
    value: Any  # what this run measured; None: not measured
    measured: str  # the same, readable ("" when not measured)
    correct: bool | None
    detail: str  # the numbers behind the measured value
    tolerance: str  # for numbers: "within ± 5", "within 10 %"; else ""
    suggestion: Suggestion | None  # Good if right, Again if wrong; None when not measured
    why: str  # one line
    rows: tuple[str, ...] = ()  # the lab table's rows that show the measurement
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_measured(self) -> bool:
        return self.correct is not None

    @property
    def rating(self) -> Rating | None:
        return self.suggestion.rating if self.suggestion else None

    def verdict(self) -> Verdict:
        """The grade as the session's Verdict (what `session.rate` stores with the review)."""
        if self.correct is None:
            raise ValueError(f"card {self.card_id}: not measured, so there is nothing to rate")
        return Verdict(self.correct, float(self.correct), [], self.measured, "predict")


def shown_before_rating(card: Predict, observables: Sequence[str]) -> list[str]:
    """Of a run's measured observables, those a predict card's run lists before the learner
    rates it: only the card's own, since the others answer other predict cards of the lab (the
    tables and findings are the lab's lesson and stay)."""
    return [name for name in observables if name == card.observe]


def grade_run(card: Predict, answer: Any, result: LabResult) -> PredictionGrade:
    """Grade `answer` with what `result` (a finished or stopped run) measured."""
    return grade_prediction(
        card,
        answer,
        result.observables.get(card.observe),
        seed=result.seed,
        params=dict(result.params),
    )


def grade_prediction(
    card: Predict,
    answer: Any,
    observation: Observation | None,
    *,
    seed: int | None = None,
    params: Mapping[str, Any] | None = None,
    observable_type: str | None = None,
) -> PredictionGrade:
    """Grade `answer` (see the module docs) with `observation`, this run's measurement of the
    card's observable (None, or a None value: not measured). `params` default to the card's
    lab params; `observable_type` ("percent"…) only changes how a number reads. Raises
    NotGradable for an answer that fits no choice."""
    given = _normalised(card, answer)
    predicted = value_text(card, given, observable_type)
    value = observation.value if observation is not None else None
    common: dict[str, Any] = {
        "card_id": card.id,
        "lab": card.lab.name,
        "observe": card.observe,
        "answer": given,
        "predicted": predicted,
        "observation": observation,
        "value": value,
        "tolerance": tolerance_text(card),
        "rows": tuple(observation.rows) if observation is not None else (),
        "seed": seed,
        "params": dict(card.lab.params if params is None else params),
        "detail": observation.detail if observation is not None else "",
    }
    if value is None:
        why = f"this run stopped before it measured {card.observe}: nothing to grade, no review"
        return PredictionGrade(**common, measured="", correct=None, suggestion=None, why=why)
    measured = value_text(card, value, observable_type)
    correct = given is not None and _matches(card, given, value)
    said = f"you predicted {predicted} — this run measured {measured}"
    if correct:
        suggestion = Suggestion(Rating.Good, "your prediction was what this run measured")
    elif given is None:
        suggestion = Suggestion(Rating.Again, "no prediction was made")
    else:
        suggestion = Suggestion(Rating.Again, "this run measured something else")
    return PredictionGrade(
        **common, measured=measured, correct=correct, suggestion=suggestion, why=said
    )


def _normalised(card: Predict, answer: Any) -> Any:
    """The answer as a value (str), an order (tuple of values) or a float; None kept."""
    if answer is None:
        return None
    values = [c.value for c in card.choices or []]
    if card.typed:
        if isinstance(answer, bool):
            raise NotGradable(f"card {card.id} expects a number, got {answer!r}")
        if isinstance(answer, int | float):
            number = float(answer)
        elif isinstance(answer, str):
            parsed = parse_number(answer)
            if parsed is None:
                raise NotGradable(f'card {card.id} expects a number, got "{answer}"')
            number = float(parsed)
        else:
            raise NotGradable(f"card {card.id} expects a number, got {answer!r}")
        if not math.isfinite(number):
            raise NotGradable(f"card {card.id} expects a finite number, got {answer!r}")
        return number
    if isinstance(answer, str | int) and not isinstance(answer, bool):
        return _one_value(card, values, answer)
    if isinstance(answer, Sequence):
        order = tuple(_one_value(card, values, item) for item in answer)
        if sorted(order) != sorted(values):
            raise NotGradable(f"card {card.id}: an ordering names every choice once, got {answer}")
        return order
    raise NotGradable(f"card {card.id} expects a choice's value or an ordering, got {answer!r}")


def _one_value(card: Predict, values: list[str], item: Any) -> str:
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(values):
        return values[item]
    if isinstance(item, str) and item in values:
        return item
    raise NotGradable(f"card {card.id}: {item!r} is none of its choices ({', '.join(values)})")


def _matches(card: Predict, given: Any, value: Any) -> bool:
    if card.typed:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return within(float(given), float(value), card.tolerance, card.relative_tolerance)
    if isinstance(value, list | tuple):
        return tuple(map(str, value)) == tuple(given) if isinstance(given, tuple) else False
    return not isinstance(given, tuple) and given == str(value)


def within(guess: float, measured: float, tolerance: float | None, relative: float | None) -> bool:
    """`guess` is right for `measured`: within the absolute `tolerance`, else within `relative`
    of the measured value; the edge counts as right (a float's last bit does not decide it)."""
    allowed = tolerance if tolerance is not None else abs(measured) * (relative or 0.0)
    slack = 1e-9 * max(1.0, abs(measured), abs(guess))
    return abs(guess - measured) <= allowed + slack


def tolerance_text(card: Predict) -> str:
    if not card.typed:
        return ""
    if card.tolerance is not None:
        return "exactly" if card.tolerance == 0 else f"within ± {card.tolerance:g}"
    return f"within {100 * (card.relative_tolerance or 0):g} %"


def value_text(card: Predict, value: Any, observable_type: str | None = None) -> str:
    """An observable value as the learner reads it: a choice's text, the choices' texts in
    order ("A > B"), or a number ("1,024", "12.5 %"); "no answer" for None."""
    if value is None:
        return "no answer"
    text_of = {c.value: c.text for c in card.choices or []}
    if isinstance(value, list | tuple):
        return " > ".join(text_of.get(str(v), str(v)) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return text_of.get(str(value), str(value))
    unit = " %" if observable_type == "percent" else ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}{unit}"
    return f"{value:,.4g}{unit}"


# --- storing --------------------------------------------------------------------------------


def record_prediction(
    store: ProgressStore,
    grade: PredictionGrade,
    *,
    deck_id: str,
    reason: str = "",
    review_uid: str | None = None,
    now: datetime | None = None,
) -> int | None:
    """Store a graded prediction; None (nothing stored) when the run did not measure it."""
    if grade.correct is None:
        return None
    return store.add_prediction(
        PredictionRecord(
            uid=uuid.uuid4().hex,
            card_id=grade.card_id,
            deck_id=deck_id,
            lab=grade.lab,
            observe=grade.observe,
            params=grade.params,
            seed=grade.seed,
            answer=list(grade.answer) if isinstance(grade.answer, tuple) else grade.answer,
            predicted=grade.predicted,
            value=grade.value,
            measured=grade.measured,
            correct=grade.correct,
            predicted_at=as_clock(now)(),
            reason=one_line_reason(reason),
            detail=grade.detail,
            review_uid=review_uid,
        )
    )


def rate_prediction(
    session: StudySession,
    presented: Presented,
    rating: Rating | int,
    duration_ms: int,
    grade: PredictionGrade,
    *,
    reason: str = "",
) -> int:
    """Store the learner's final rating of a graded prediction (a review, through the session:
    fsrs reschedules the card) and the prediction itself, in one transaction; returns the
    prediction's row id. Raises ValueError for a run that did not measure it."""
    verdict = grade.verdict()  # raises when not measured: no review then
    store = session.store
    with store.transaction():
        review_uid = session.rate(presented, rating, duration_ms, verdict)
        stored = record_prediction(
            store,
            grade,
            deck_id=session.deck_of(presented.card.id).id,
            reason=reason,
            review_uid=review_uid,
            now=session.now(),
        )
    assert stored is not None  # measured, so stored
    return stored


def one_line_reason(reason: str) -> str:
    """The learner's why, as one line of at most MAX_REASON characters."""
    line = " ".join(str(reason).split())
    return line if len(line) <= MAX_REASON else line[: MAX_REASON - 1] + "…"
