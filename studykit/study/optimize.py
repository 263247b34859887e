"""Fit the FSRS parameters to the learner's own review log (Anki's "Optimize"), with py-fsrs's
optimizer: `studykit settings --optimize`.

FSRS predicts how likely a card is recalled after a given time from 21 parameters; the defaults
were fitted to many learners, and the optimizer fits them to one. It learns only from reviews made
a day or more after the card's previous one (a same-day repeat says little about memory), and
from at most the first 64 reviews of each card; below 512 such reviews (one mini-batch) it returns
the defaults unchanged, so studykit refuses up front and says how many there are.

The fit is judged by log loss: the mean of -log(p) over recalled reviews and -log(1 - p) over
forgotten ones, p being the predicted recall; lower is better. `log_loss` computes it the way the
optimizer does, without torch, for the parameters before and after.

The optimizer needs torch and pandas (`pip install "fsrs[optimizer]"`); they are imported only
inside `fit`, so nothing else in studykit pays for them.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS

from studykit.study.scheduler import fsrs_card_id
from studykit.study.store import ProgressStore

# py-fsrs's optimizer (fsrs/optimizer.py): below `mini_batch_size` counted reviews it returns the
# defaults; it reads at most `max_seq_len` reviews of each card. A test checks both still hold.
MIN_REVIEWS = 512
MAX_REVIEWS_PER_CARD = 64
LOG_FLOOR = -100.0  # torch's BCELoss clamps each log there, so a certain miss costs 100, not inf


class OptimizeError(Exception):
    """Too few reviews, or the optimizer is not installed; the message is one line."""


@dataclass(frozen=True)
class Fit:
    parameters: tuple[float, ...]  # the fitted ones
    loss_before: float  # log loss of the parameters in use before
    loss_after: float
    reviews_used: int  # reviews the optimizer learned from (see the module doc)
    ratings: int  # every scheduled rating in the log

    @property
    def improved(self) -> bool:
        return self.loss_after < self.loss_before


def review_logs(store: ProgressStore) -> list[fsrs.ReviewLog]:
    """Every scheduled rating in the store as fsrs's ReviewLog (cram ratings changed no
    schedule, so they are left out)."""
    return [
        fsrs.ReviewLog(
            card_id=fsrs_card_id(review.card_id),
            rating=review.rating,
            review_datetime=review.reviewed_at,
            review_duration=review.duration_ms,
        )
        for review in store.reviews()
        if review.kind != "cram"
    ]


def _histories(logs: Sequence[fsrs.ReviewLog]) -> list[list[fsrs.ReviewLog]]:
    """Each card's reviews in time order, at most MAX_REVIEWS_PER_CARD of them."""
    by_card: dict[int, list[fsrs.ReviewLog]] = defaultdict(list)
    for log in logs:
        by_card[log.card_id].append(log)
    return [
        sorted(history, key=lambda log: log.review_datetime)[:MAX_REVIEWS_PER_CARD]
        for _, history in sorted(by_card.items())
    ]


def _counts(previous: fsrs.ReviewLog | None, log: fsrs.ReviewLog) -> bool:
    """Whether the optimizer learns from `log`: a day or more after the card's last review."""
    return previous is not None and (log.review_datetime - previous.review_datetime).days > 0


def counted_reviews(logs: Sequence[fsrs.ReviewLog]) -> int:
    """How many reviews the optimizer would learn from."""
    total = 0
    for history in _histories(logs):
        total += sum(
            _counts(prev, log) for prev, log in zip([None, *history[:-1]], history, strict=True)
        )
    return total


def log_loss(logs: Sequence[fsrs.ReviewLog], parameters: Sequence[float]) -> float | None:
    """Mean log loss of `parameters`' recall predictions over the counted reviews (None when
    there are none), replaying each card's history as the optimizer does."""
    scheduler = fsrs.Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    losses = []
    for history in _histories(logs):
        card = fsrs.Card(card_id=history[0].card_id, due=history[0].review_datetime)
        previous = None
        for log in history:
            if _counts(previous, log):
                p = scheduler.get_card_retrievability(card, log.review_datetime)
                recalled = log.rating != fsrs.Rating.Again
                losses.append(-_log(p if recalled else 1 - p))
            card, _ = scheduler.review_card(card, log.rating, review_datetime=log.review_datetime)
            previous = log
    return sum(losses) / len(losses) if losses else None


def _log(x: float) -> float:
    return max(math.log(x), LOG_FLOOR) if x > 0 else LOG_FLOOR


def too_few_message(counted: int) -> str:
    return (
        f"only {counted} of your reviews came a day or more after the card's previous one; "
        f"the optimizer needs at least {MIN_REVIEWS} (keep studying, then try again)"
    )


def fit(logs: Sequence[fsrs.ReviewLog], current: Sequence[float] | None = None) -> Fit:
    """Fit the parameters to `logs`; `current` (default: fsrs's defaults) is what the loss is
    compared with. OptimizeError (one line) below MIN_REVIEWS or without the optimizer."""
    counted = counted_reviews(logs)
    if counted < MIN_REVIEWS:
        raise OptimizeError(too_few_message(counted))
    current = tuple(current or DEFAULT_PARAMETERS)
    optimizer_class = _optimizer_class()
    with warnings.catch_warnings():  # torch's and pandas' own warnings are not the learner's
        warnings.simplefilter("ignore")
        fitted = optimizer_class(list(logs)).compute_optimal_parameters()
    before, after = log_loss(logs, current), log_loss(logs, fitted)
    assert before is not None and after is not None  # counted > 0
    return Fit(tuple(float(p) for p in fitted), before, after, counted, len(logs))


def _optimizer_class() -> Any:
    """py-fsrs's Optimizer; it imports torch and pandas, so only when a fit starts."""
    # Without them fsrs.optimizer still imports, and its Optimizer only fails when used.
    missing = [name for name in ("torch", "pandas") if importlib.util.find_spec(name) is None]
    if missing:
        raise OptimizeError(
            f"the optimizer needs torch and pandas ({' and '.join(missing)} missing); "
            "install them with: pip install 'fsrs[optimizer]'"
        )
    with warnings.catch_warnings():  # torch's and pandas' import-time warnings
        warnings.simplefilter("ignore")
        from fsrs.optimizer import Optimizer
    return Optimizer
