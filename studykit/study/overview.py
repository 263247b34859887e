"""The deck overview for the home screen: new, due and total cards per deck, and how much of each
topic is mastered (`scheduler.is_mastered`: graduated to review and not yet forgotten by fsrs's
estimate). `stats.py` reuses `topic_mastery`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import fsrs

from studykit.deck.model import Deck
from studykit.study.clock import Clock, as_clock, next_day_start
from studykit.study.records import CardProgress
from studykit.study.scheduler import SchedulerSettings, is_mastered, make_scheduler
from studykit.study.store import ProgressStore


@dataclass(frozen=True)
class TopicMastery:
    """How much of a topic is mastered (see `scheduler.is_mastered`)."""

    topic_id: str
    title: str
    total: int  # cards on the topic (suspended ones included)
    seen: int  # cards reviewed at least once
    mastered: int

    @property
    def share(self) -> float:
        return self.mastered / self.total if self.total else 0.0


@dataclass(frozen=True)
class DeckSummary:
    deck_id: str
    title: str
    new: int  # cards never reviewed (not suspended)
    due: int  # reviewed cards due before the study day ends (not suspended or buried)
    total: int
    suspended: int
    topics: list[TopicMastery] = field(default_factory=list)


def topic_mastery(
    decks: Iterable[Deck],
    progress: dict[str, CardProgress],
    now: datetime,
    scheduler: fsrs.Scheduler,
) -> list[TopicMastery]:
    """Mastery of every topic of `decks`, in deck and topic order."""
    result = []
    for deck in decks:
        for topic in deck.topics:
            cards = [c for c in deck.study_cards() if c.topic == topic.id]
            states = [progress.get(c.id) for c in cards]
            result.append(
                TopicMastery(
                    topic_id=topic.id,
                    title=topic.title,
                    total=len(cards),
                    seen=sum(p is not None and p.fsrs_card is not None for p in states),
                    mastered=sum(is_mastered(scheduler, p, now) for p in states),
                )
            )
    return result


def deck_overview(
    store: ProgressStore,
    decks: Sequence[Deck],
    now: datetime | Clock | None = None,
    settings: SchedulerSettings | None = None,
) -> list[DeckSummary]:
    """New / due / total per deck and mastery per topic, for the home screen."""
    now = as_clock(now)()
    end_of_day = next_day_start(now)
    scheduler = make_scheduler(settings)
    progress = store.all_progress()
    summaries = []
    for deck in decks:
        states = [progress.get(c.id) for c in deck.study_cards()]
        active = [p for p in states if p is None or not p.suspended]
        summaries.append(
            DeckSummary(
                deck_id=deck.id,
                title=deck.title,
                new=sum(p is None or p.fsrs_card is None for p in active),
                due=sum(
                    p is not None
                    and p.fsrs_card is not None
                    and p.fsrs_card.due < end_of_day
                    and not p.is_buried(now)
                    for p in active
                ),
                total=len(states),
                suspended=len(states) - len(active),
                topics=topic_mastery([deck], progress, now, scheduler),
            )
        )
    return summaries
