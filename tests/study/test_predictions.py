"""Predictions graded by what a run measured: every observable type, tolerance edges, not
measured; and the store: a round trip, the review beside it, and an old store migrated."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from fsrs import Rating
from pydantic import TypeAdapter
from study_helpers import NOON, FakeClock

from studykit.deck.model import Card, Deck, Predict
from studykit.lab.results import LabResult, Observation
from studykit.study.grading import NotGradable, grade, present
from studykit.study.predictions import (
    grade_prediction,
    grade_run,
    rate_prediction,
    record_prediction,
    value_text,
)
from studykit.study.session import StudySession
from studykit.study.store import DB_NAME, SCHEMA_VERSION, ProgressStore

CARD = TypeAdapter(Card)


def predict(**fields) -> Predict:
    base = {"id": "p-1", "kind": "predict", "topic": "t", "question": "Which?"}
    base["lab"] = {"name": "lab-a", "params": {"steps": 200}}
    made = CARD.validate_python(base | fields)
    assert isinstance(made, Predict)
    return made


CHOICE = predict(
    observe="winner",
    choices=[{"text": "Prompt tuning", "value": "prompt"}, {"text": "Prefix", "value": "prefix"}],
)
ORDER = predict(
    id="p-2",
    observe="fastest",
    choices=[
        {"text": "A", "value": "a"},
        {"text": "B", "value": "b"},
        {"text": "C", "value": "c"},
    ],
)
COUNT = predict(id="p-3", observe="count", tolerance=0)
LOSS = predict(id="p-4", observe="loss", tolerance=0.1)
SHARE = predict(id="p-5", observe="share", relative_tolerance=0.1)


def test_a_choice_is_right_only_when_this_run_measured_it():
    right = grade_prediction(CHOICE, "prefix", Observation("prefix", detail="0.9 vs 0.4"))
    assert right.correct is True and right.rating == Rating.Good
    assert right.why == "you predicted Prefix — this run measured Prefix"
    assert right.detail == "0.9 vs 0.4"
    # the same answer, another run: the key follows the measurement
    wrong = grade_prediction(CHOICE, "prefix", Observation("prompt"))
    assert wrong.correct is False and wrong.rating == Rating.Again
    assert wrong.predicted == "Prefix" and wrong.measured == "Prompt tuning"
    # a choice's index is the same answer as its value
    assert grade_prediction(CHOICE, 1, Observation("prefix")).correct is True


def test_an_ordering_is_right_only_in_the_measured_order():
    measured = Observation(["b", "a", "c"])
    assert grade_prediction(ORDER, ("b", "a", "c"), measured).correct is True
    assert grade_prediction(ORDER, [1, 0, 2], measured).correct is True
    off = grade_prediction(ORDER, ("a", "b", "c"), measured)
    assert off.correct is False and off.measured == "B > A > C" and off.predicted == "A > B > C"
    with pytest.raises(NotGradable):
        grade_prediction(ORDER, ("a", "b"), measured)  # every choice once


@pytest.mark.parametrize(
    ("card", "answer", "measured", "right"),
    [
        (COUNT, 1024, 1024, True),
        (COUNT, "1,024", 1024, True),
        (COUNT, 1025, 1024, False),
        (LOSS, 2.5, 2.6, True),  # the edge of ± 0.1 counts, float error and all
        (LOSS, "2.7", 2.6, True),
        (LOSS, 2.49, 2.6, False),
        (SHARE, 90, 100.0, True),  # 10 % of 100
        (SHARE, 110, 100.0, True),
        (SHARE, 89.9, 100.0, False),
        (SHARE, 0, 0.0, True),  # relative to 0: exact only
        (SHARE, 0.001, 0.0, False),
    ],
)
def test_numbers_within_the_tolerance(card, answer, measured, right):
    graded = grade_prediction(card, answer, Observation(measured))
    assert graded.correct is right
    assert graded.suggestion is not None
    assert graded.suggestion.rating == (Rating.Good if right else Rating.Again)


def test_a_number_reads_as_the_learner_wrote_it():
    assert grade_prediction(COUNT, 12345, Observation(12345)).measured == "12,345"
    assert value_text(SHARE, 12.5, "percent") == "12.5 %"
    with pytest.raises(NotGradable):
        grade_prediction(COUNT, "about ten", Observation(10))


def test_not_measured_grades_nothing():
    for observation in (None, Observation(None)):
        graded = grade_prediction(CHOICE, "prefix", observation)
        assert graded.correct is None and graded.suggestion is None and not graded.is_measured
        assert "stopped before it measured winner" in graded.why
        with pytest.raises(ValueError, match="not measured"):
            graded.verdict()


def test_no_answer_is_wrong_when_measured():
    graded = grade_prediction(CHOICE, None, Observation("prompt"))
    assert graded.correct is False and graded.predicted == "no answer"


def test_grade_run_reads_the_runs_observable_seed_and_params():
    result = LabResult("lab-a", 7, "m", params={"steps": 200})
    result.observables["winner"] = Observation("prefix", rows=("prefix-tuning",))
    graded = grade_run(CHOICE, "prefix", result)
    assert graded.correct and graded.seed == 7 and graded.params == {"steps": 200}
    assert graded.rows == ("prefix-tuning",)
    assert grade_run(CHOICE, "prefix", LabResult("lab-a", 7, "m")).correct is None


def test_the_card_kinds_grading_knows_of_a_predict_card():
    with pytest.raises(NotGradable, match="a lab run grades it"):
        grade(CHOICE, "prefix")
    import random

    shown = present(ORDER, random.Random(0))
    assert sorted(shown.order) == [0, 1, 2] and list(shown.order) != [0, 1, 2]


def deck_of(*cards: Predict) -> Deck:
    return Deck.model_validate(
        {
            "id": "d",
            "title": "D",
            "description": "d",
            "topics": [{"id": "t", "title": "T"}],
            "cards": [c.model_dump(exclude_none=True) for c in cards],
        }
    )


def test_rating_stores_the_review_and_the_prediction_together(store):
    session = StudySession(store, [deck_of(CHOICE)], now=FakeClock(NOON))
    shown = session.next()
    assert shown is not None and shown.card.id == "p-1"
    graded = grade_prediction(CHOICE, "prefix", Observation("prompt", detail="0.8 vs 0.3"), seed=3)
    rate_prediction(session, shown, Rating.Hard, 4000, graded, reason="  deeper\n wins ")
    (review,) = store.reviews()
    assert review.rating == Rating.Hard and review.correct is False  # the learner's override
    (kept,) = store.predictions("p-1")
    assert (kept.answer, kept.value, kept.correct, kept.seed) == ("prefix", "prompt", False, 3)
    assert kept.reason == "deeper wins" and kept.detail == "0.8 vs 0.3"
    assert kept.review_uid == review.uid and kept.params == {"steps": 200}
    assert kept.predicted == "Prefix" and kept.measured == "Prompt tuning"
    assert kept.predicted_at == NOON
    assert store.progress("p-1") is not None  # fsrs scheduled it


def test_undoing_the_rating_takes_back_its_prediction(store):
    session = StudySession(store, [deck_of(CHOICE)], now=FakeClock(NOON))
    shown = session.next()
    graded = grade_prediction(CHOICE, "prefix", Observation("prompt"), seed=3)
    rate_prediction(session, shown, Rating.Again, 4000, graded)
    (review,) = store.reviews()
    assert store.undo_review(review.id)
    assert store.reviews() == [] and store.predictions() == []


def test_not_measured_records_neither_review_nor_prediction(store):
    session = StudySession(store, [deck_of(CHOICE)], now=FakeClock(NOON))
    shown = session.next()
    graded = grade_prediction(CHOICE, "prefix", None)
    with pytest.raises(ValueError):
        rate_prediction(session, shown, Rating.Good, 1000, graded)
    assert record_prediction(store, graded, deck_id="d") is None
    assert store.reviews() == [] and store.predictions() == []


def test_an_order_round_trips_and_reset_forgets_predictions(store):
    graded = grade_prediction(ORDER, ("b", "a", "c"), Observation(["b", "a", "c"]))
    record_prediction(store, graded, deck_id="d")
    (kept,) = store.predictions()
    assert kept.answer == ["b", "a", "c"] and kept.value == ["b", "a", "c"] and kept.correct
    store.reset("d")
    assert store.predictions() == []


def test_an_old_store_is_migrated_and_keeps_its_reviews(tmp_path):
    # a version-3 store (before predictions), made by the migrations of its day
    from studykit.study.schema import MIGRATIONS

    path = tmp_path / DB_NAME
    raw = sqlite3.connect(path)
    for migrate in MIGRATIONS[:3]:
        migrate(raw)
    raw.execute("PRAGMA user_version = 3")
    raw.execute(
        "INSERT INTO review (uid, card_id, deck_id, reviewed_at, rating, duration_ms, kind) "
        "VALUES ('u1', 'c1', 'd', '2025-03-10T12:00:00.000000Z', 3, 1000, 'review')"
    )
    raw.commit()
    raw.close()
    with ProgressStore.open(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [r.uid for r in store.reviews()] == ["u1"] and store.predictions() == []
        record_prediction(store, grade_prediction(COUNT, 3, Observation(3)), deck_id="d")
        assert len(store.predictions()) == 1


def test_predictions_survive_a_progress_export_and_import(store, tmp_path):
    from studykit.study.progress_io import export_progress, import_progress

    graded = grade_prediction(ORDER, ("b", "a", "c"), Observation(["b", "a", "c"], detail="3 < 5"))
    record_prediction(store, graded, deck_id="d", reason="why not", now=NOON)
    data = export_progress(store, exported_at=NOON)
    with ProgressStore.open(tmp_path / "other", create=True) as other:
        report = import_progress(other, data, now=NOON)
        assert report.predictions == 1
        (kept,), (original,) = other.predictions(), store.predictions()
        assert kept == dataclasses.replace(original, id=kept.id)
        again = import_progress(other, data, now=NOON)  # the same file twice adds nothing
        assert again.predictions == 0 and len(other.predictions()) == 1
    older = {k: v for k, v in data.items() if k != "predictions"}  # an export from before
    with ProgressStore.open(tmp_path / "third", create=True) as third:
        assert import_progress(third, older, now=NOON).predictions == 0
    broken = {**data, "predictions": [{**data["predictions"][0], "correct": "yes"}]}
    from studykit.study.store import StoreError

    with pytest.raises(StoreError, match=r"predictions\[0\].*correct: must be true or false"):
        import_progress(store, broken, now=NOON)
