"""`studykit settings --optimize` and `--default-parameters` through the real typer app, on a
generated review history in a real store."""

from __future__ import annotations

import importlib.util
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating
from fsrs.scheduler import DEFAULT_PARAMETERS
from typer.testing import CliRunner

from studykit.cli import app
from studykit.study import optimize
from studykit.study.optimize import MIN_REVIEWS, Fit
from studykit.study.preferences import load_preferences
from studykit.study.records import Review
from studykit.study.scheduler import make_scheduler
from studykit.study.store import ProgressStore

runner = CliRunner()
START = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
FITTED = tuple(DEFAULT_PARAMETERS[:-1]) + (0.3,)  # a valid set unlike the defaults


def generate_history(data_dir, cards: int, reviews: int, seed: int = 0) -> int:
    """Store `cards` cards' `reviews` ratings each, days apart (plus one cram rating, which the
    fit must leave out); returns how many ratings the optimizer counts."""
    rng = random.Random(seed)
    counted = 0
    # One transaction: the same rows, committed (and synced to disk) once, not once a rating.
    with ProgressStore.open(data_dir) as store, store.transaction():
        for card in range(cards):
            at = START + timedelta(hours=rng.random() * 24)
            for i in range(reviews):
                gap = 1 + rng.random() * 3 * i
                recalled = rng.random() < (0.95 if gap < 3 else 0.55)
                rating = Rating.Good if recalled else Rating.Again
                kind = "new" if i == 0 else "review"
                store.add_review(Review(f"{card}-{i}", f"g-{card}", "g", at, rating, 3000, kind))
                counted += i > 0
                at += timedelta(days=gap)
        store.add_review(Review("cram", "g-0", "g", START, Rating.Again, 100, "cram"))
    return counted


def settings(*args: str):
    return runner.invoke(app, ["settings", *args])


def test_below_the_minimum_it_refuses_in_one_line_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(optimize, "fit", lambda *a: pytest.fail("must not fit"))
    counted = generate_history(tmp_path, cards=5, reviews=4)
    result = settings("--optimize", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: only {counted} of your reviews came a day or more after the card's previous "
        f"one; the optimizer needs at least {MIN_REVIEWS} (keep studying, then try again)"
    ]
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store).parameters is None


def test_without_a_store_it_refuses_and_creates_nothing(tmp_path):
    result = settings("--optimize", "--data-dir", str(tmp_path / "none"))
    assert result.exit_code == 1 and "no progress here yet" in result.output
    assert not (tmp_path / "none").exists()


def fake_fit(loss_after: float):
    def fit(logs, current):
        assert all(log.rating in Rating for log in logs)
        return Fit(FITTED, 0.5, loss_after, optimize.counted_reviews(logs), len(logs))

    return fit


def test_a_better_fit_is_saved_shown_and_used_by_the_scheduler(tmp_path, monkeypatch):
    monkeypatch.setattr(optimize, "MIN_REVIEWS", 10)  # a small history stands in for 512
    monkeypatch.setattr(optimize, "fit", fake_fit(loss_after=0.25))
    counted = generate_history(tmp_path, cards=4, reviews=5)
    result = settings("--optimize", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Fitting the FSRS parameters to {counted} reviews..."
    assert lines[1] == (
        f"Fitted the FSRS parameters to {counted} reviews (of {counted + 4} ratings): log loss "
        "0.5000 before, 0.2500 after (lower is better); saved, they apply from the next session."
    )
    assert "FSRS parameters     fitted to your reviews" in result.output
    with ProgressStore.open(tmp_path) as store:
        preferences = load_preferences(store)
    assert preferences.parameters == FITTED
    assert make_scheduler(preferences.scheduler_settings()).parameters == FITTED
    shown = json.loads(settings("--json", "--data-dir", str(tmp_path)).output)
    assert shown["parameters"] == list(FITTED)

    back = settings("--default-parameters", "--data-dir", str(tmp_path))
    assert back.exit_code == 0 and "FSRS parameters     fsrs defaults" in back.output
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store).parameters is None


def test_a_fit_no_better_keeps_the_parameters_in_use(tmp_path, monkeypatch):
    monkeypatch.setattr(optimize, "MIN_REVIEWS", 10)
    monkeypatch.setattr(optimize, "fit", fake_fit(loss_after=0.75))
    generate_history(tmp_path, cards=4, reviews=5)
    result = settings("--optimize", "--json", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert data["optimize"]["kept"] is False and data["parameters"] is None
    assert (data["optimize"]["loss_before"], data["optimize"]["loss_after"]) == (0.5, 0.75)


def test_optimize_and_default_parameters_together_is_one_line(tmp_path):
    result = settings("--optimize", "--default-parameters", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: --optimize and --default-parameters contradict; choose one"
    )


def test_hand_edited_parameters_fall_back_to_the_defaults(tmp_path):
    with ProgressStore.open(tmp_path) as store:
        for bad in ("[1, 2]", "not json", '{"a": 1}', "[true]", json.dumps([1e9] * 21)):
            store.save_settings({"parameters": bad})
            assert load_preferences(store).parameters is None, bad


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("torch", "pandas")),
    reason="py-fsrs's optimizer needs torch and pandas (fsrs[optimizer])",
)
@pytest.mark.slow  # a real fit: the optimizer's minimum is 512 reviews
def test_a_real_fit_on_a_generated_history(tmp_path, monkeypatch):
    import fsrs.optimizer

    # The command's part is the wiring: the store's ratings in, the fit judged, saved and
    # shown. One epoch of the real optimizer (it runs 5) already lowers the loss here; the fit
    # itself, with all 5, is tests/study/test_optimize.py's.
    monkeypatch.setattr(fsrs.optimizer, "num_epochs", 1)
    cards = 52  # 520 counted reviews: just above the optimizer's minimum
    counted = generate_history(tmp_path, cards=cards, reviews=11)
    assert counted >= MIN_REVIEWS
    result = settings("--optimize", "--json", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    fitted = data["optimize"]
    assert fitted["reviews_used"] == counted and fitted["ratings"] == counted + cards
    assert fitted["loss_after"] < fitted["loss_before"] and fitted["kept"] is True
    assert len(data["parameters"]) == len(DEFAULT_PARAMETERS)
