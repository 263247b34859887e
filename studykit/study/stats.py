"""Figures about the learner's progress, for `studykit stats` and the TUI's stats screen.

Definitions (all computed from the progress store; nothing is estimated by hand):
- reviews: scheduled ratings ever made (cram ratings are counted apart, in `cram_reviews`);
- cards seen: cards of the loaded decks with at least one scheduled rating;
- due today: reviewed cards of the loaded decks due before the study day ends (overdue included;
  suspended and buried cards excluded); due in the next 7 days: the same over today and the six
  days after it;
- retention: share of scheduled ratings that were not Again; `true_retention` counts only ratings
  of cards that were due for recall (fsrs Review state), as Anki's "true retention" does;
- mastery per topic: see `scheduler.is_mastered`;
- predictions per lab and per topic: predictions graded by a run (not-measured runs store none)
  and the share that were right, beside `recall`: the share of the same cards' scheduled
  ratings (the lab's linked cards, the topic's cards; every kind) that were not Again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import fsrs

from studykit.deck.model import Deck
from studykit.study.clock import Clock, as_clock, day_start, format_ts, study_day
from studykit.study.overview import TopicMastery, topic_mastery
from studykit.study.scheduler import SchedulerSettings, make_scheduler
from studykit.study.store import ProgressStore


@dataclass(frozen=True)
class DayCount:
    day: date  # a study day (starts 04:00 local time)
    count: int


@dataclass(frozen=True)
class PredictionRate:
    """How often the learner's predictions were right, for one lab or one topic."""

    group: str  # "lab" or "topic"
    name: str  # the lab's name or the topic's id
    title: str  # the topic's title (the lab's name for a lab)
    predicted: int
    right: int
    recall: float | None  # share of the group's cards' scheduled ratings not Again (None: none)

    @property
    def rate(self) -> float | None:
        return self.right / self.predicted if self.predicted else None


@dataclass(frozen=True)
class Stats:
    now: datetime
    reviews: int
    cram_reviews: int
    reviews_today: int  # scheduled and cram ratings today
    cards_seen: int
    due_today: int
    due_next_7_days: int  # today included
    retention: float | None  # None before the first rating
    true_retention: float | None  # None before the first review of a graduated card
    leeches: int
    suspended: int
    topics: list[TopicMastery] = field(default_factory=list)
    predictions: list[PredictionRate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["now"] = format_ts(self.now)
        for topic, mastery in zip(data["topics"], self.topics, strict=True):
            topic["share"] = mastery.share
        for row, rate in zip(data["predictions"], self.predictions, strict=True):
            row["rate"] = rate.rate
        return data


def review_counts_note(stats: Stats) -> str:
    """What the review figures count, in the words both `studykit stats` and the TUI's stats
    screen print after the number of reviews: today's figure counts cram ratings too, so it may
    exceed the reviews, and the note says why."""
    if not stats.cram_reviews:
        return f"({stats.reviews_today} today)"
    cram = f"{stats.cram_reviews} cram rating{'' if stats.cram_reviews == 1 else 's'}"
    return f"({stats.reviews_today} ratings today, cram included; {cram} not counted as reviews)"


PREDICTIONS_HEADING = "Predictions right"
PREDICTIONS_NOTE = "(recall: ratings of the same cards not Again)"


def percent(share: float | None) -> str:
    """A share as `studykit stats` and the TUI's stats screen print it: "50%", "–" for none."""
    return "–" if share is None else f"{share:.0%}"


def prediction_figures(rate: PredictionRate) -> tuple[str, str, str]:
    """One prediction row's figures, in the words both `studykit stats` and the TUI's stats
    screen print: ("1/2 right", "50%", "recall 50%")."""
    count = f"{rate.right}/{rate.predicted} right"
    return count, percent(rate.rate), f"recall {percent(rate.recall)}"


def _share_not_again(counts: dict[fsrs.Rating, int]) -> float | None:
    total = sum(counts.values())
    return None if total == 0 else 1 - counts.get(fsrs.Rating.Again, 0) / total


def compute_stats(
    store: ProgressStore,
    decks: Sequence[Deck],
    now: datetime | Clock | None = None,
    settings: SchedulerSettings | None = None,
) -> Stats:
    now = as_clock(now)()
    by_kind_rating = store.rating_counts()
    scheduled: Counter[fsrs.Rating] = Counter()
    due_reviews: Counter[fsrs.Rating] = Counter()
    for (kind, rating), n in by_kind_rating.items():
        if kind != "cram":
            scheduled[rating] += n
        if kind == "review":
            due_reviews[rating] += n
    today = study_day(now)
    progress = store.all_progress()
    forecast = due_forecast(store, decks, days=7, now=now)
    return Stats(
        now=now,
        reviews=sum(scheduled.values()),
        cram_reviews=sum(n for (kind, _), n in by_kind_rating.items() if kind == "cram"),
        reviews_today=len(
            store.review_times(since=day_start(today), until=day_start(today + timedelta(days=1)))
        ),
        # Only cards of the loaded decks: "seen 45 of 111" must not count cards no deck has.
        cards_seen=len(store.seen_card_ids() & {c.id for d in decks for c in d.study_cards()}),
        due_today=forecast[0].count,
        due_next_7_days=sum(d.count for d in forecast),
        retention=_share_not_again(scheduled),
        true_retention=_share_not_again(due_reviews),
        leeches=sum(p.leech for p in progress.values()),
        suspended=sum(p.suspended for p in progress.values()),
        topics=topic_mastery(decks, progress, now, make_scheduler(settings)),
        predictions=prediction_rates(store, decks),
    )


def prediction_rates(store: ProgressStore, decks: Sequence[Deck]) -> list[PredictionRate]:
    """Per lab, then per topic (of the loaded decks), how often predictions were right, with
    the recall rate of the same cards. Groups without a prediction are left out."""
    predictions = store.predictions()
    if not predictions:
        return []
    topic_of: dict[str, tuple[str, str]] = {}  # card id -> (topic id, title)
    lab_cards: dict[str, set[str]] = {}
    topic_cards: dict[str, set[str]] = {}
    for deck in decks:
        for card in deck.study_cards():
            topic = deck.topic(card.topic)
            topic_of[card.id] = (card.topic, topic.title if topic else card.topic)
            topic_cards.setdefault(card.topic, set()).add(card.id)
            if card.lab is not None:
                lab_cards.setdefault(card.lab.name, set()).add(card.id)
    ratings: dict[str, list[fsrs.Rating]] = {}
    for review in store.reviews():
        if review.kind != "cram":
            ratings.setdefault(review.card_id, []).append(review.rating)

    def recall(card_ids: set[str]) -> float | None:
        counts = Counter(r for card_id in card_ids for r in ratings.get(card_id, []))
        return _share_not_again(counts)

    by_lab: dict[str, list[bool]] = {}
    by_topic: dict[str, list[bool]] = {}
    for p in predictions:
        by_lab.setdefault(p.lab, []).append(p.correct)
        if p.card_id in topic_of:
            by_topic.setdefault(topic_of[p.card_id][0], []).append(p.correct)
    rows = [
        PredictionRate("lab", lab, lab, len(right), sum(right), recall(lab_cards.get(lab, set())))
        for lab, right in sorted(by_lab.items())
    ]
    titles = {topic: title for topic, title in topic_of.values()}
    rows += [
        PredictionRate(
            "topic", topic, titles[topic], len(right), sum(right), recall(topic_cards[topic])
        )
        for topic, right in sorted(by_topic.items())
    ]
    return rows


def due_forecast(
    store: ProgressStore,
    decks: Sequence[Deck],
    days: int = 30,
    now: datetime | Clock | None = None,
) -> list[DayCount]:
    """Cards of `decks` coming due on each of the next `days` study days (today first).

    Today's count includes overdue cards and excludes buried ones; suspended and never-seen
    cards are never counted.
    """
    now = as_clock(now)()
    first = study_day(now)
    bounds = [day_start(first + timedelta(days=i)) for i in range(1, days + 1)]
    counts = [0] * days
    progress = store.all_progress()
    for card_id in {c.id for d in decks for c in d.study_cards()}:
        p = progress.get(card_id)
        if p is None or p.fsrs_card is None or p.suspended:
            continue
        for i, end in enumerate(bounds):
            if p.fsrs_card.due < end:
                if i > 0 or not p.is_buried(now):
                    counts[i] += 1
                break
    return [DayCount(first + timedelta(days=i), n) for i, n in enumerate(counts)]


def reviews_per_day(
    store: ProgressStore, days: int = 365, now: datetime | Clock | None = None
) -> list[DayCount]:
    """Ratings made on each of the last `days` study days, oldest first, today last (for a
    heatmap; cram ratings included, since they are study time too)."""
    now = as_clock(now)()
    last = study_day(now)
    first = last - timedelta(days=days - 1)
    times = store.review_times(since=day_start(first), until=day_start(last + timedelta(days=1)))
    per_day = Counter(study_day(t) for t in times)
    return [
        DayCount(first + timedelta(days=i), per_day[first + timedelta(days=i)]) for i in range(days)
    ]
