"""Spaced repetition with the fsrs package: settings, one review step, leeches and mastery.

All scheduling maths is fsrs's (`fsrs.Scheduler.review_card`); this module only decides what to
feed it and what to keep around it: the review kind, lapse and repetition counts, the leech rule.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import fsrs
import fsrs.scheduler

from studykit.study.records import CardProgress

# Anki's rule: a card forgotten this many times after graduating is a leech; it is flagged and
# suspended so the learner rewrites or re-learns it instead of failing it forever. Misses during
# the learning steps are not lapses (the card was never learned); README and help say the same.
LEECH_LAPSES = 8
LEECH_MEANING = (
    f"a card forgotten {LEECH_LAPSES} times after it was learned (Again on a review; misses "
    "during its learning steps do not count)"
)
# The desired retention a learner may choose: below 0.7 forgetting dominates, above 0.99 the
# intervals collapse into daily reviews.
RETENTION_BOUNDS = (0.7, 0.99)


@dataclass(frozen=True)
class SchedulerSettings:
    desired_retention: float = 0.9  # target probability of recall when a card comes due
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval_days: int = 36500
    fuzz: bool = True  # spread intervals a little so cards learned together do not stay together
    # FSRS's model parameters; None = fsrs's defaults, else the learner's own fit
    # (`studykit settings --optimize`, study/optimize.py)
    parameters: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        low, high = RETENTION_BOUNDS
        if not low <= self.desired_retention <= high:
            raise ValueError(
                f"desired retention {self.desired_retention} is outside {low:.2f}-{high:.2f}; "
                "0.9 (the default) suits most learners"
            )


def make_scheduler(settings: SchedulerSettings | None = None) -> fsrs.Scheduler:
    s = settings or SchedulerSettings()
    return fsrs.Scheduler(
        parameters=s.parameters or fsrs.scheduler.DEFAULT_PARAMETERS,
        desired_retention=s.desired_retention,
        learning_steps=s.learning_steps,
        relearning_steps=s.relearning_steps,
        maximum_interval=s.maximum_interval_days,
        enable_fuzzing=s.fuzz,
    )


def parameters_problem(parameters: tuple[float, ...]) -> str | None:
    """Why fsrs would refuse these model parameters (count, bounds), in one line; None if it
    takes them."""
    expected = len(fsrs.scheduler.DEFAULT_PARAMETERS)
    if len(parameters) != expected:
        return f"{len(parameters)} numbers where fsrs takes {expected}"
    try:
        fsrs.Scheduler(parameters=parameters)
    except (ValueError, TypeError):  # fsrs lists each number out of bounds, over many lines
        return "a number outside fsrs's bounds"
    return None


def fsrs_card_id(card_id: str) -> int:
    """fsrs wants an int id; a stable hash of ours (it only labels fsrs's review logs)."""
    return zlib.crc32(card_id.encode())


def review_kind(before: CardProgress | None) -> str:
    """'new', 'learning', 'review' or 'relearning': the card's state when it was rated."""
    if before is None or before.fsrs_card is None:
        return "new"
    return before.fsrs_card.state.name.lower()


def apply_rating(
    scheduler: fsrs.Scheduler,
    before: CardProgress | None,
    *,
    card_id: str,
    deck_id: str,
    rating: fsrs.Rating,
    now: datetime,
    duration_ms: int,
) -> CardProgress:
    """The card's progress after rating it `rating` at `now` (a new object; `before` is kept)."""
    progress = replace(before) if before is not None else CardProgress(card_id, deck_id)
    progress.deck_id = deck_id
    fsrs_card = progress.fsrs_card or fsrs.Card(card_id=fsrs_card_id(card_id), due=now)
    was_review = progress.fsrs_card is not None and fsrs_card.state == fsrs.State.Review
    progress.fsrs_card, _log = scheduler.review_card(
        fsrs_card, rating, review_datetime=now, review_duration=duration_ms
    )
    progress.reps += 1
    if was_review and rating == fsrs.Rating.Again:
        progress.lapses += 1
        if progress.lapses >= LEECH_LAPSES and not progress.leech:
            progress.leech = True
            progress.suspended = True
    progress.buried_until = None
    progress.updated_at = now
    return progress


# What fsrs accepts: it clamps its own results to these bounds, and a value outside them (a
# negative stability, a step that is text) makes its maths raise mid-session.
STABILITY_BOUNDS = (fsrs.scheduler.STABILITY_MIN, 1e7)  # days; fsrs caps intervals far below
DIFFICULTY_BOUNDS = (fsrs.scheduler.MIN_DIFFICULTY, fsrs.scheduler.MAX_DIFFICULTY)
MAX_STEP = 100  # learning and relearning steps; studykit uses at most two


def fsrs_card_problem(card: fsrs.Card) -> tuple[str, str] | None:
    """Why fsrs could not schedule `card`, as (field, what it must be); None when it can.

    Checks what fsrs's own `Card` constructor leaves to its caller: types, ranges, time zones,
    and the step a state needs (an int while learning or relearning, null in Review).
    """
    if not isinstance(card.state, fsrs.State):
        return "state", f"must be one of {', '.join(str(int(s)) for s in fsrs.State)}"
    if card.state == fsrs.State.Review:
        if card.step is not None:
            return "step", "must be null in the Review state"
    elif type(card.step) is not int or not 0 <= card.step <= MAX_STEP:
        return "step", f"must be a whole number from 0 to {MAX_STEP} while (re)learning"
    for name, (low, high) in (("stability", STABILITY_BOUNDS), ("difficulty", DIFFICULTY_BOUNDS)):
        value = getattr(card, name)
        if value is None:
            if card.state != fsrs.State.Learning:
                return name, "must be set once a card has left its first learning steps"
        elif type(value) is not float or not math.isfinite(value) or not low <= value <= high:
            return name, f"must be a number from {low:g} to {high:g}"
    for name in ("due", "last_review"):
        moment = getattr(card, name)
        if moment is None and name == "last_review":
            continue
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            return name, "must be a time with a UTC offset"
    return None


def schedulable_problem(scheduler: fsrs.Scheduler, card: fsrs.Card, now: datetime) -> str | None:
    """What goes wrong when fsrs reviews `card` with each rating (a trial on a copy; fsrs's
    review_card copies the card it is given); None when every rating works."""
    problem = fsrs_card_problem(card)
    if problem is not None:
        return f"{problem[0]} {problem[1]}"
    at = max(now, card.due.astimezone(UTC), (card.last_review or now).astimezone(UTC))
    try:
        scheduler.get_card_retrievability(card, at)
        for rating in fsrs.Rating:
            after, _log = scheduler.review_card(card, rating, review_datetime=at)
            if fsrs_card_problem(after) is not None:
                return f"a {rating.name} review would give {fsrs_card_problem(after)}"
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# What "mastered" means, in the words every screen that shows mastery uses (see is_mastered).
MASTERY_MEANING = "past its learning steps and, by fsrs's estimate, still recalled"


def is_mastered(scheduler: fsrs.Scheduler, progress: CardProgress | None, now: datetime) -> bool:
    """Mastered = graduated to fsrs's Review state and, by fsrs's estimate, still recalled now.

    "Still recalled" means the predicted recall probability (retrievability) is at least the
    desired retention, i.e. the card is not overdue. A card being relearned after a lapse, a
    card still in its learning steps, and an unseen card are not mastered.
    """
    if progress is None or progress.fsrs_card is None:
        return False
    card = progress.fsrs_card
    if card.state != fsrs.State.Review:
        return False
    return scheduler.get_card_retrievability(card, now) >= scheduler.desired_retention
