"""What a `studykit progress export` file may hold: every field checked before it is stored.

An export may have been edited by hand or come from somewhere else, and what it holds becomes
the schedule of every session after it. `read_export(data, now=...)` turns the parsed JSON into
records or raises `ExportError` for the first bad field, naming the entry and the field:

    reviews[12] (card pt-07): duration_ms: must be a whole number from 0 to 31622400000, got -5

The rules:
- ids are non-empty text of at most `MAX_ID` characters;
- times are ISO 8601 text with a UTC offset; the times of things that happened (a review, the
  last change to a card, a lab run) are no later than the import plus `CLOCK_SKEW`; a due date
  is at most fsrs's longest interval ahead, a bury at most `MAX_BURY` ahead;
- counts are whole numbers (not true/false, not 2.0) within their range;
- an fsrs state goes through fsrs's own `State`, `Rating` and `Card` constructors, then
  `scheduler.fsrs_card_problem` and a trial review (`scheduler.schedulable_problem`), so that
  every state stored can be studied;
- a lab run's summary is a JSON object nested at most `MAX_DEPTH` deep.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict

import fsrs
from fsrs.card import CardDict

from studykit.study.clock import to_utc
from studykit.study.records import REVIEW_KINDS, CardProgress, LabRun, PredictionRecord, Review
from studykit.study.scheduler import (
    SchedulerSettings,
    fsrs_card_problem,
    make_scheduler,
    schedulable_problem,
)

CLOCK_SKEW = timedelta(minutes=15)  # another machine's clock may run a little ahead
MAX_BURY = timedelta(days=2)  # a bury lasts until the next study day starts
MAX_DUE_AHEAD = timedelta(days=SchedulerSettings().maximum_interval_days + 2)
MAX_ID = 200
MAX_COUNT = 10**7  # repetitions or lapses of one card
MAX_DURATION_MS = 366 * 24 * 3600 * 1000  # a review left open for a year is still one review
MAX_DEPTH = 32
MAX_TEXT = 64  # a timestamp's length


EXPORT_FORMAT = "studykit-progress"
EXPORT_VERSION = 1


# The file, as `progress_io.export_progress` writes it (JSON): one TypedDict per entry kind.
class CardEntry(TypedDict):
    card_id: str
    deck_id: str
    fsrs: CardDict | None  # fsrs.Card.to_dict(); None until the first scheduled review
    reps: int
    lapses: int
    suspended: bool
    leech: bool
    buried_until: str | None  # ISO 8601 with a UTC offset
    updated_at: str | None


class ReviewEntry(TypedDict):
    uid: str
    card_id: str
    deck_id: str
    reviewed_at: str
    rating: int  # fsrs.Rating: 1 Again .. 4 Easy
    duration_ms: int
    kind: str  # records.REVIEW_KINDS
    correct: bool | None
    score: float | None
    before: CardEntry | None  # the card just before the review (what undo restores)
    fsrs_after: CardDict | None  # the fsrs state the review produced; None for cram


class LabRunEntry(TypedDict):
    uid: str
    card_id: str
    ran_at: str
    summary: dict[str, Any]


class PredictionEntry(TypedDict):
    uid: str
    card_id: str
    deck_id: str
    lab: str
    observe: str
    params: dict[str, Any]
    seed: int | None
    answer: Any
    predicted: str
    reason: str
    value: Any
    measured: str
    detail: str
    correct: bool
    predicted_at: str
    review_uid: str | None


class ExportFile(TypedDict):
    format: str  # EXPORT_FORMAT
    version: int  # EXPORT_VERSION
    exported_at: str
    cards: list[CardEntry]
    reviews: list[ReviewEntry]
    lab_runs: list[LabRunEntry]
    predictions: NotRequired[list[PredictionEntry]]  # absent from exports before predict cards


class ExportError(ValueError):
    """One bad field of an export: `str()` is `entry: field: what is wrong, got value`."""


@dataclass
class ExportContents:
    cards: list[CardProgress]
    reviews: list[Review]
    lab_runs: list[LabRun]
    predictions: list[PredictionRecord] = field(default_factory=list)


def _shown(value: Any) -> str:
    text = json.dumps(value) if _plain_json(value) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _plain_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


class _Entry:
    """Reads the fields of one entry (a dict), raising ExportError that names it."""

    def __init__(self, name: str, data: Any, now: datetime, prefix: str = "") -> None:
        """`name` is the entry (`cards[3]`); `prefix` the path of a nested object in it
        (`fsrs.`), which its field names are shown under."""
        self.name, self.now, self.prefix = name, now, prefix
        if not isinstance(data, dict):
            where = f"{name}: {prefix[:-1]}" if prefix else name
            raise ExportError(f"{where}: must be an object, got {_shown(data)}")
        self.data = data
        card_id = data.get("card_id")
        if not prefix and isinstance(card_id, str) and 0 < len(card_id) <= MAX_ID:
            self.name = f"{name} (card {card_id})"

    def inner(self, field: str) -> _Entry:
        return _Entry(self.name, self.data.get(field), self.now, f"{self.prefix}{field}.")

    def fail(self, field: str, must: str) -> ExportError:
        got = _shown(self.data.get(field)) if field in self.data else "nothing"
        return ExportError(f"{self.name}: {self.prefix}{field}: {must}, got {got}")

    def text_id(self, field: str) -> str:
        value = self.data.get(field)
        if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
            raise self.fail(field, f"must be text of 1 to {MAX_ID} characters")
        return value

    def flag(self, field: str, default: bool | None = None) -> bool:
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            raise self.fail(field, "must be true or false")
        return value

    def whole(self, field: str, low: int, high: int, default: int | None = None) -> int:
        value = self.data.get(field, default)
        if type(value) is not int or not low <= value <= high:
            raise self.fail(field, f"must be a whole number from {low} to {high}")
        return value

    def moment(self, field: str, *, latest: datetime | None, optional: bool = False) -> Any:
        """An aware instant in UTC, no later than `latest`; None only if `optional`."""
        value = self.data.get(field)
        if value is None and optional:
            return None
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise self.fail(field, "must be a time such as 2025-03-10T12:00:00+00:00")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be a time such as 2025-03-10T12:00:00+00:00") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise self.fail(field, "needs a UTC offset (such as +00:00)")
        try:
            moment = to_utc(moment)
        except OverflowError:
            raise self.fail(field, "is out of range") from None
        if latest is not None and moment > latest:
            if latest <= self.now + CLOCK_SKEW:
                raise self.fail(field, "is after the time of import (is a clock wrong?)")
            raise self.fail(field, f"is more than {(latest - self.now).days} days ahead")
        return moment


def _fsrs_card(entry: _Entry, field: str) -> fsrs.Card | None:
    """The fsrs state in `entry[field]` (None if null), built with fsrs's constructors."""
    if entry.data.get(field) is None:
        return None
    inner = entry.inner(field)
    value = inner.data
    state_number = inner.whole("state", min(fsrs.State), max(fsrs.State))
    step = value.get("step")
    if step is not None and type(step) is not int:
        raise inner.fail("step", "must be a whole number or null")
    numbers = {}
    for name in ("stability", "difficulty"):
        number = value.get(name)
        if number is not None and (type(number) not in (int, float) or not math.isfinite(number)):
            raise inner.fail(name, "must be a finite number or null")
        numbers[name] = None if number is None else float(number)
    card = fsrs.Card(
        card_id=inner.whole("card_id", 0, 2**63 - 1),
        state=fsrs.State(state_number),
        step=step,
        stability=numbers["stability"],
        difficulty=numbers["difficulty"],
        due=inner.moment("due", latest=entry.now + MAX_DUE_AHEAD),
        last_review=inner.moment("last_review", latest=entry.now + CLOCK_SKEW, optional=True),
    )
    problem = fsrs_card_problem(card)
    if problem is not None:
        field_name, why = problem
        raise inner.fail(field_name, why)
    return card


def _card_progress(entry: _Entry, scheduler: fsrs.Scheduler | None) -> CardProgress:
    progress = CardProgress(  # keywords are read in this order: the first bad field is named
        card_id=entry.text_id("card_id"),
        deck_id=entry.text_id("deck_id"),
        updated_at=entry.moment("updated_at", latest=entry.now + CLOCK_SKEW),
        fsrs_card=_fsrs_card(entry, "fsrs"),
        reps=entry.whole("reps", 0, MAX_COUNT, default=0),
        lapses=entry.whole("lapses", 0, MAX_COUNT, default=0),
        suspended=entry.flag("suspended", default=False),
        leech=entry.flag("leech", default=False),
        buried_until=entry.moment("buried_until", latest=entry.now + MAX_BURY, optional=True),
    )
    if scheduler is not None and progress.fsrs_card is not None:
        why = schedulable_problem(scheduler, progress.fsrs_card, entry.now)
        if why is not None:
            raise entry.fail("fsrs", f"fsrs cannot schedule this state ({why})")
    return progress


def _review(entry: _Entry) -> Review:
    kind = entry.data.get("kind")
    if kind not in REVIEW_KINDS:
        raise entry.fail("kind", f"must be one of {', '.join(REVIEW_KINDS)}")
    correct = entry.data.get("correct")
    if correct is not None and not isinstance(correct, bool):
        raise entry.fail("correct", "must be true, false or null")
    score = entry.data.get("score")
    if score is not None and (
        type(score) not in (int, float) or not math.isfinite(score) or not 0 <= score <= 1
    ):
        raise entry.fail("score", "must be a number from 0 to 1, or null")
    card_id = entry.text_id("card_id")
    before = None
    if entry.data.get("before") is not None:
        before = _card_progress(entry.inner("before"), scheduler=None)
        if before.card_id != card_id:
            raise entry.fail("before", f"must be a state of card {card_id}")
    return Review(
        uid=entry.text_id("uid"),
        card_id=card_id,
        deck_id=entry.text_id("deck_id"),
        reviewed_at=entry.moment("reviewed_at", latest=entry.now + CLOCK_SKEW),
        rating=fsrs.Rating(entry.whole("rating", min(fsrs.Rating), max(fsrs.Rating))),
        duration_ms=entry.whole("duration_ms", 0, MAX_DURATION_MS),
        kind=kind,
        correct=correct,
        score=None if score is None else float(score),
        before=before,
        fsrs_after=_fsrs_card(entry, "fsrs_after"),
    )


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:  # deeper is refused anyway: stop counting
                stack.extend((child, level + 1) for child in _children(item))
    return deepest


def _children(item: dict | list) -> list[Any]:
    return list(item.values()) if isinstance(item, dict) else list(item)


def _lab_run(entry: _Entry) -> LabRun:
    summary = entry.data.get("summary")
    if not isinstance(summary, dict):
        raise entry.fail("summary", "must be an object")
    if _depth(summary) > MAX_DEPTH:
        raise ExportError(f"{entry.name}: summary: nested more than {MAX_DEPTH} levels deep")
    if not _plain_json(summary):
        raise ExportError(f"{entry.name}: summary: holds a value JSON cannot (NaN or infinity)")
    return LabRun(
        uid=entry.text_id("uid"),
        card_id=entry.text_id("card_id"),
        ran_at=entry.moment("ran_at", latest=entry.now + CLOCK_SKEW),
        summary=summary,
    )


MAX_PREDICTION_TEXT = 2_000  # a prediction's texts: a choice, a measured value, its detail


def _prediction(entry: _Entry) -> PredictionRecord:
    def text(field: str, *, optional: bool = False) -> str:
        value = entry.data.get(field, "" if optional else None)
        if not isinstance(value, str) or len(value) > MAX_PREDICTION_TEXT:
            raise entry.fail(field, f"must be text of at most {MAX_PREDICTION_TEXT} characters")
        return value

    def plain(field: str) -> Any:
        value = entry.data.get(field)
        if _depth(value) > 3 or not _plain_json(value):
            raise entry.fail(field, "must be a value, a number or a list of values")
        return value

    params = entry.data.get("params", {})
    if not isinstance(params, dict) or _depth(params) > MAX_DEPTH or not _plain_json(params):
        raise entry.fail("params", "must be an object of the run's parameters")
    seed = entry.data.get("seed")
    review_uid = entry.data.get("review_uid")
    if review_uid is not None:
        review_uid = entry.text_id("review_uid")
    return PredictionRecord(
        uid=entry.text_id("uid"),
        card_id=entry.text_id("card_id"),
        deck_id=entry.text_id("deck_id"),
        lab=entry.text_id("lab"),
        observe=entry.text_id("observe"),
        params=params,
        seed=None if seed is None else entry.whole("seed", -(2**63), 2**63 - 1),
        answer=plain("answer"),
        predicted=text("predicted"),
        value=plain("value"),
        measured=text("measured"),
        correct=entry.flag("correct"),
        predicted_at=entry.moment("predicted_at", latest=entry.now + CLOCK_SKEW),
        reason=text("reason", optional=True),
        detail=text("detail", optional=True),
        review_uid=review_uid,
    )


def _section(data: dict[str, Any], name: str) -> list[Any]:
    entries = data.get(name, [])
    if not isinstance(entries, list):
        raise ExportError(f"{name}: must be a list, got {_shown(entries)}")
    return entries


def read_export(data: dict[str, Any], *, now: datetime) -> ExportContents:
    """The cards, reviews and lab runs of an export (already checked for its format and
    version), every field validated; raises ExportError for the first bad one."""
    now = to_utc(now)
    scheduler = make_scheduler(SchedulerSettings(fuzz=False))
    cards: list[CardProgress] = []
    first_entry: dict[str, int] = {}  # card id -> the index of its entry in the export
    for i, item in enumerate(_section(data, "cards")):
        card = _card_progress(_Entry(f"cards[{i}]", item, now), scheduler)
        if card.card_id in first_entry:
            also = first_entry[card.card_id]
            raise ExportError(f"cards[{i}] (card {card.card_id}): listed twice (also [{also}])")
        first_entry[card.card_id] = i
        cards.append(card)
    reviews = [
        _review(_Entry(f"reviews[{i}]", r, now)) for i, r in enumerate(_section(data, "reviews"))
    ]
    runs = [
        _lab_run(_Entry(f"lab_runs[{i}]", r, now)) for i, r in enumerate(_section(data, "lab_runs"))
    ]
    predictions = [
        _prediction(_Entry(f"predictions[{i}]", p, now))
        for i, p in enumerate(_section(data, "predictions"))
    ]
    return ExportContents(cards, reviews, runs, predictions)
