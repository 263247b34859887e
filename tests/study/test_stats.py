"""Stats, due forecast, reviews per day and the deck overview, on hand-checkable histories."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fsrs import Rating
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.study.clock import study_day
from studykit.study.overview import deck_overview
from studykit.study.scheduler import SchedulerSettings
from studykit.study.session import Scope, StudySession
from studykit.study.stats import compute_stats, due_forecast, reviews_per_day

NO_FUZZ = SchedulerSettings(fuzz=False)


@pytest.fixture
def deck():
    return make_deck("fd", topics=[{"id": "fd-t", "title": "T"}], cards=flashcards("fd", "fd-t", 5))


def first_day(store, deck, clock):
    """fd-000 Easy (graduates, due in days), fd-001 Again, fd-002 Good, fd-003 Hard."""
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    for rating in (Rating.Easy, Rating.Again, Rating.Good, Rating.Hard):
        session.rate(session.next(), rating, 1000)
    return session


def test_stats_after_one_day(store, deck):
    clock = FakeClock()
    first_day(store, deck, clock)
    cram = StudySession(store, [deck], now=clock, cram=True, scope=Scope(deck="fd"), seed=0)
    cram.rate(cram.next(), Rating.Again, 500)

    stats = compute_stats(store, [deck], now=clock.moment)
    assert (stats.reviews, stats.cram_reviews, stats.reviews_today) == (4, 1, 5)
    assert stats.cards_seen == 4
    assert stats.retention == 0.75  # one Again in four scheduled ratings; cram not counted
    assert stats.true_retention is None  # no graduated card has come due yet
    assert stats.due_today == 3  # the three cards still in their learning steps
    assert stats.due_next_7_days == 3  # fd-000 graduated for longer than a week (Easy)
    [topic] = stats.topics
    assert (topic.total, topic.seen, topic.mastered) == (5, 4, 1)
    assert json.loads(json.dumps(stats.to_json()))["topics"][0]["share"] == 0.2


def test_true_retention_counts_due_reviews_only(store, deck):
    clock = FakeClock()
    first_day(store, deck, clock)
    clock.moment = store.progress("fd-000").due
    session = StudySession(store, [deck], now=clock, scope=Scope(), settings=NO_FUZZ)
    shown = session.next()
    while shown.card.id != "fd-000":  # finish the learning cards first
        session.rate(shown, Rating.Good, 1000)
        shown = session.next()
    session.rate(shown, Rating.Again, 1000)
    stats = compute_stats(store, [deck], now=clock.moment)
    assert stats.true_retention == 0.0
    assert store.progress("fd-000").lapses == 1


def test_due_forecast_bins_cards_by_study_day(store, deck):
    clock = FakeClock()
    first_day(store, deck, clock)
    forecast = due_forecast(store, [deck], days=30, now=clock.moment)
    assert len(forecast) == 30
    assert forecast[0].day == study_day(NOON)
    assert [d.day - forecast[0].day for d in forecast[:3]] == [timedelta(days=i) for i in range(3)]
    graduated_in = (study_day(store.progress("fd-000").due) - study_day(NOON)).days
    assert graduated_in > 6
    assert [i for i, d in enumerate(forecast) if d.count] == [0, graduated_in]
    assert forecast[0].count == 3 and forecast[graduated_in].count == 1


def test_due_forecast_skips_suspended_and_todays_buried_cards(store, deck):
    clock = FakeClock()
    session = first_day(store, deck, clock)
    session.suspend("fd-001")
    session.bury("fd-002")
    assert due_forecast(store, [deck], days=1, now=clock.moment)[0].count == 1
    # cards of decks that are not loaded are not due for this learner
    assert sum(d.count for d in due_forecast(store, [make_deck()], now=clock.moment)) == 0


def test_reviews_per_day_counts_each_study_day(store, deck):
    clock = FakeClock()
    first_day(store, deck, clock)  # 4 ratings today
    clock.advance(days=2)
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    session.rate(session.next(), Rating.Good, 1000)  # 1 rating two days later
    history = reviews_per_day(store, days=5, now=clock.moment)
    assert [d.count for d in history] == [0, 0, 4, 0, 1]
    assert history[-1].day == study_day(clock.moment)


def test_deck_overview_counts_and_mastery(store, deck):
    clock = FakeClock()
    session = first_day(store, deck, clock)
    session.suspend("fd-004")
    [summary] = deck_overview(store, [deck], now=clock.moment)
    assert (summary.deck_id, summary.total, summary.new, summary.due, summary.suspended) == (
        "fd",
        5,
        0,
        3,
        1,
    )
    assert summary.topics[0].mastered == 1
    # Long after its due date, the graduated card is no longer mastered and is due.
    later = clock.moment + timedelta(days=200)
    [summary] = deck_overview(store, [deck], now=later)
    assert summary.topics[0].mastered == 0
    assert summary.due == 4
