"""Pilot tests for the home screen and the screens reached from it: deck problems, statistics,
help and the command palette.
"""

from __future__ import annotations

from tui_paths import DECKS_DIR, LABS_DIR, TINY_DECK

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.tui.screens.help import HelpScreen
from studykit.tui.screens.home import HomeScreen
from studykit.tui.screens.problems import ProblemsScreen
from studykit.tui.screens.stats import StatsScreen
from studykit.tui.screens.study import StudyScreen


async def test_a_broken_deck_shows_its_problems_and_the_others_stay_usable(make_app):
    load = load_decks([TINY_DECK, DECKS_DIR / "broken.yaml"], lab_catalog=Catalog(LABS_DIR))
    assert load.problems and [d.id for d in load.decks] == ["tiny"]
    app = make_app(load)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        listed = str(app.screen.query_one("#problems-list").content)
        assert "broken.yaml:" in listed
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "press p" in str(app.screen.query_one("#home-banner").content)
        await pilot.press("enter")  # the tiny deck still studies
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        await pilot.press("escape", "p")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)


async def test_stats_screen_counts_the_reviews_just_made(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "space", "3")
        await pilot.pause()
        await pilot.press("escape", "s")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        summary = str(app.screen.query_one("#stats-summary").content).split()
        assert summary[:2] == ["1", "reviews"]
        topics = str(app.screen.query_one("#stats-topics").content)
        assert "Basics" in topics and "1 seen" in topics


async def test_question_mark_lists_the_keys_of_the_screen_underneath(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys").content)
        assert "Show answer" in keys and "Suspend" in keys and "Lab" in keys
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)


async def test_the_command_palette_opens_statistics(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"statistics")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)


async def test_cram_reviews_leave_the_schedule_alone(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen) and screen.scope_title.startswith("Cram")
        screen.view.commit(None)
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
    [review] = store.reviews()
    assert review.kind == "cram"
    assert store.progress(review.card_id) is None or store.progress(review.card_id).is_new


async def test_sessions_use_the_saved_daily_new_card_limit(make_app, store):
    from studykit.study.preferences import StudyPreferences, save_preferences

    save_preferences(store, StudyPreferences(new_per_day=2, desired_retention=0.8))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        session = app.screen.session
        assert session.counts().new == 2
        assert session.scheduler.desired_retention == 0.8


async def test_the_done_note_says_when_the_daily_limit_holds_cards_back(make_app, store):
    from studykit.study.preferences import StudyPreferences, save_preferences

    save_preferences(store, StudyPreferences(new_per_day=1))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        session = app.screen.session
        shown = session.next()
        session.rate(shown, 4, 1000)  # Easy: graduates, nothing left today
        app.screen.show_next()
        await pilot.pause()
        note = str(app.screen.query_one("#card-slot").content)
        assert "Today's limits (1 new, 200 reviews) hold back" in note
        assert "studykit settings --new-per-day N" in note
