"""The TUI's stats screen and `studykit stats` explain the review counts in the same words."""

from __future__ import annotations

from datetime import UTC, datetime

from fsrs import Rating

from studykit.cli.stats import render
from studykit.study.session import Scope, StudySession
from studykit.study.stats import compute_stats, review_counts_note
from studykit.tui.screens.stats import StatsScreen

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # the app's frozen clock (conftest.NOW)


def _rate_two_then_cram_one(store, decks, now):
    session = StudySession(store, decks, now=now, seed=0)
    for rating in (Rating.Good, Rating.Again):
        session.rate(session.next(), rating, 1000)
    cram = StudySession(store, decks, now=now, cram=True, scope=Scope(deck="tiny"), seed=0)
    cram.rate(cram.next(), Rating.Good, 1000)


async def test_the_stats_screen_and_the_cli_say_the_same_about_reviews(make_app, store, tiny_load):
    _rate_two_then_cram_one(store, tiny_load.decks, NOW)
    stats = compute_stats(store, tiny_load.decks, now=NOW)
    note = review_counts_note(stats)
    # 3 ratings today, 1 of them cram: today's figure exceeds the reviews, and the note says why.
    assert note == "(3 ratings today, cram included; 1 cram rating not counted as reviews)"

    cli_line = render(stats, [0] * 7, 7).splitlines()[0]
    assert cli_line.split() == ["Reviews", "2", *note.split()]

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        first = str(app.screen.query_one("#stats-summary").content).splitlines()[0]
        assert first.split() == ["2", "reviews", *note.split()]


def test_without_cram_the_note_is_short(store, tiny_load):
    session = StudySession(store, tiny_load.decks, now=NOW, seed=0)
    session.rate(session.next(), Rating.Good, 1000)
    assert review_counts_note(compute_stats(store, tiny_load.decks, now=NOW)) == "(1 today)"
