"""study/optimize.py: which reviews the optimizer learns from, the log loss, the refusal below its
minimum, and (with torch and pandas installed) a real fit on a generated review history."""

from __future__ import annotations

import importlib.util
import random
from datetime import timedelta

import fsrs
import pytest
from fsrs import Rating, ReviewLog
from fsrs.scheduler import DEFAULT_PARAMETERS
from study_helpers import NOON

from studykit.study import optimize
from studykit.study.optimize import (
    MIN_REVIEWS,
    OptimizeError,
    counted_reviews,
    fit,
    log_loss,
    review_logs,
)
from studykit.study.records import Review
from studykit.study.scheduler import SchedulerSettings, fsrs_card_id, make_scheduler

HAS_OPTIMIZER = all(importlib.util.find_spec(m) for m in ("torch", "pandas"))
needs_optimizer = pytest.mark.skipif(
    not HAS_OPTIMIZER, reason="py-fsrs's optimizer needs torch and pandas (fsrs[optimizer])"
)


def generated_history(cards: int, reviews: int, seed: int = 0) -> list[ReviewLog]:
    """`cards` cards reviewed `reviews` times each, days apart; a recall is likelier the
    sooner a card comes back (a learner whose memory decays faster than fsrs's defaults)."""
    rng = random.Random(seed)
    logs = []
    for card in range(cards):
        at = NOON + timedelta(hours=rng.random() * 24)
        for i in range(reviews):
            gap = 1 + rng.random() * 3 * i
            recalled = rng.random() < (0.95 if gap < 3 else 0.55)
            rating = rng.choice([Rating.Good, Rating.Easy]) if recalled else Rating.Again
            logs.append(ReviewLog(card, rating, at, 3000))
            at += timedelta(days=gap)
    return logs


def log(card: int, days: float, rating: Rating = Rating.Good) -> ReviewLog:
    return ReviewLog(card, rating, NOON + timedelta(days=days), None)


def test_only_reviews_a_day_after_the_previous_one_count():
    logs = [
        log(1, 0),  # first review: nothing to predict
        log(1, 0.01),  # same day
        log(1, 0.9),  # under a day after the previous one
        log(1, 2.0),  # counts
        log(2, 5.0),
        log(2, 1.0),  # out of order: sorted per card, so day 1 then day 5 (counts)
    ]
    assert counted_reviews(logs) == 2


def test_at_most_the_first_64_reviews_of_a_card_count():
    logs = [log(1, day) for day in range(100)]
    assert counted_reviews(logs) == 63  # reviews 2..64


def test_log_loss_is_none_without_counted_reviews_and_lower_for_a_good_prediction():
    assert log_loss([log(1, 0), log(1, 0.5)], DEFAULT_PARAMETERS) is None
    # Recalled two days later: a confident, right prediction costs little; forgotten, a lot.
    recalled = log_loss([log(1, 0), log(1, 2)], DEFAULT_PARAMETERS)
    forgotten = log_loss([log(1, 0), log(1, 2, Rating.Again)], DEFAULT_PARAMETERS)
    assert recalled is not None and forgotten is not None
    assert 0 < recalled < 0.2 < 1 < forgotten


def test_fit_refuses_below_the_minimum_before_loading_the_optimizer(monkeypatch):
    def no_optimizer():
        raise AssertionError("the optimizer must not load for a refusal")

    monkeypatch.setattr(optimize, "_optimizer_class", no_optimizer)
    logs = generated_history(cards=10, reviews=5)
    with pytest.raises(OptimizeError) as refused:
        fit(logs)
    said = str(refused.value)
    assert said.startswith(f"only {counted_reviews(logs)} of your reviews came a day or more")
    assert f"at least {MIN_REVIEWS}" in said and "\n" not in said


def test_fit_without_torch_or_pandas_is_one_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pandas" else real(name, *a)
    )
    with pytest.raises(OptimizeError, match=r"pandas missing\); install them with: pip install"):
        fit(generated_history(cards=60, reviews=11))


def test_review_logs_are_the_scheduled_ratings_of_the_store(store):
    def review(uid: str, kind: str, rating: Rating) -> Review:
        return Review(uid, "c1", "d", NOON, rating, 1200, kind)

    store.add_review(review("a", "new", Rating.Good))
    store.add_review(review("b", "cram", Rating.Again))
    store.add_review(review("c", "review", Rating.Hard))
    logs = review_logs(store)
    assert [(x.card_id, x.rating, x.review_duration) for x in logs] == [
        (fsrs_card_id("c1"), Rating.Good, 1200),
        (fsrs_card_id("c1"), Rating.Hard, 1200),
    ]


def test_parameters_reach_the_scheduler():
    custom = tuple(DEFAULT_PARAMETERS[:-1]) + (0.3,)
    assert make_scheduler(SchedulerSettings(parameters=custom)).parameters == custom
    assert make_scheduler().parameters == tuple(DEFAULT_PARAMETERS)


@needs_optimizer
def test_our_limits_and_loss_are_the_optimizer_s():
    import fsrs.optimizer as fsrs_optimizer

    assert (
        fsrs_optimizer.mini_batch_size,
        fsrs_optimizer.max_seq_len,
    ) == (MIN_REVIEWS, optimize.MAX_REVIEWS_PER_CARD)
    logs = generated_history(cards=8, reviews=70)  # more than 64 a card
    theirs = fsrs_optimizer.Optimizer(logs)._compute_batch_loss(parameters=DEFAULT_PARAMETERS)
    assert log_loss(logs, DEFAULT_PARAMETERS) == pytest.approx(theirs, rel=1e-9)


@needs_optimizer
@pytest.mark.slow  # the optimizer's minimum is 512 reviews: 2-3 s of CPU
def test_a_fit_on_a_generated_history_lowers_the_log_loss():
    logs = generated_history(cards=52, reviews=11)  # 520 counted: just above the minimum
    assert counted_reviews(logs) >= MIN_REVIEWS
    result = fit(logs)
    assert len(result.parameters) == len(DEFAULT_PARAMETERS)
    assert result.improved and result.loss_after < result.loss_before
    assert result.reviews_used == counted_reviews(logs) and result.ratings == len(logs)
    fsrs.Scheduler(parameters=result.parameters)  # within fsrs's bounds
