"""Pilot tests of a study session a learner can trust: the explanation is on screen after answering
at 80x24, a card rated Again waits its learning step (the screen says when, `w` waits), no card
comes twice in a row while another can, cards of one topic are spread apart, the topic shows only
after answering, one typo is "almost", the matching verdict reads "you → right", and notices never
cover the rating bar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
from settle import dont_know_and_rate, settled
from tui_paths import DECKS_DIR, LABS_DIR, one_kind

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.study.session import Scope, StudySession
from studykit.tui.app import StudykitApp
from studykit.tui.screens.study import StudyScreen
from studykit.tui.widgets.card_meta import CardMeta
from studykit.tui.widgets.verdict import RatingBar, VerdictPanel

LONG_DECK = DECKS_DIR / "long.yaml"
# The instant and seed conftest's make_app uses (not imported: `conftest` is ambiguous when
# tests/study runs in the same process).
FROZEN_NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
SEED = 7
METHODS = "tiny-methods"  # the tiny deck's second topic, 4 cards


class Clock:
    """The study layer's clock, moved by the test (the app's `now` may be a function)."""

    def __init__(self) -> None:
        self.moment = FROZEN_NOW

    def __call__(self):
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def text_of(widget) -> str:
    return str(widget.content)


async def open_deck(pilot) -> StudyScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StudyScreen)
    return screen


def fully_visible(widget, area) -> bool:
    """Whether every line of `widget` is inside the scrolled area's visible region."""
    return area.content_region.contains_region(widget.region)


async def test_after_answering_a_long_card_the_explanation_is_on_screen_at_80x24(store, timer):
    load = load_decks([LONG_DECK], lab_catalog=Catalog(LABS_DIR))
    app = StudykitApp(load, store, now=FROZEN_NOW, seed=SEED, timer=timer, labs_dir=LABS_DIR)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        wrong = screen.presented.position_of(0)  # the finite-differences choice
        await pilot.press("abcd"[wrong])
        panel = screen.query_one(VerdictPanel)
        area = screen.query_one("#card-area")
        assert await settled(pilot, lambda: fully_visible(panel, area))
        assert "Backpropagation reuses each layer's upstream gradient" in text_of(panel)
        assert "Rumelhart, Hinton & Williams 1986" in text_of(panel)
        # The choices neither picked nor right shrink to a line each (ending in …).
        body = text_of(screen.view.query_one(".card-body"))
        assert body.count("…") == 2


async def test_again_waits_its_learning_step_and_w_waits_for_it(
    make_app, tiny_load, store, timer, monkeypatch
):
    # The screen looks for a due card once a second; a tenth lets the test wait less.
    monkeypatch.setattr(StudyScreen, "WAIT_POLL_SECONDS", 0.1)
    clock = Clock()
    app = StudykitApp(tiny_load, store, now=clock, seed=SEED, timer=timer, labs_dir=LABS_DIR)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await pilot.press("tab", "down", "enter")  # the "Methods" topic: 4 cards
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        rated = []
        while screen.presented is not None:
            rated.append(screen.presented.card.id)
            await dont_know_and_rate(pilot, screen, "1")  # Again: due in a minute
        assert len(rated) == 4
        note = text_of(screen.query_one("#card-slot"))
        assert "The next card is due in 1 min (12:01)." in note
        assert "w waits for it, or esc ends the session." in note
        await pilot.press("w")
        await pilot.pause(0.25)  # a few looks while nothing is due yet
        assert screen.presented is None
        assert "Waiting: it shows by itself when due." in text_of(screen.query_one("#card-slot"))
        clock.advance(minutes=1)
        assert await settled(pilot, lambda: screen.presented is not None, timeout=3)
        assert screen.presented.card.id == rated[0]  # the first one due


async def test_learning_cards_take_turns_and_none_comes_twice_in_a_row(tiny_load, store, timer):
    # The issue: rated Again 20 times in a row, one card kept coming back while four other
    # learning cards never appeared.
    clock = Clock()
    # The four "Methods" cards rated Again through the study layer: the turns taken after
    # that, on screen, are the subject (rating them on screen first cost a third of the time).
    first = StudySession(store, tiny_load.decks, now=clock, seed=SEED, scope=Scope(topic=METHODS))
    while (presented := first.next()) is not None:
        first.rate(presented, fsrs.Rating.Again, 1000)
    app = StudykitApp(tiny_load, store, now=clock, seed=SEED, timer=timer, labs_dir=LABS_DIR)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "down", "enter")  # the "Methods" topic: 4 cards
        await pilot.pause()
        screen = app.screen
        assert screen.presented is None  # all four wait their 1-minute step
        clock.advance(minutes=1)
        screen.show_next()
        shown = []
        # Again every 20 s: one card is always past its 1-minute step. Two turns each are enough
        # to see them take turns (each rating re-renders the screen: 16 cost 10 s of CPU).
        for _ in range(8):
            assert screen.presented is not None
            shown.append(screen.presented.card.id)
            await dont_know_and_rate(pilot, screen, "1")
            clock.advance(seconds=20)
            screen.show_next()
            await pilot.pause()
        assert all(a != b for a, b in zip(shown, shown[1:], strict=False))
        assert sorted(shown.count(card_id) for card_id in set(shown)) == [
            2,
            2,
            2,
            2,
        ]  # each had its turns


async def test_new_cards_of_one_topic_are_spread_apart(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        topics = []
        while screen.presented is not None:
            topics.append(screen.presented.card.topic)
            await dont_know_and_rate(pilot, screen, "4")  # Easy: none comes back today
        basics, methods = "tiny-basics", "tiny-methods"
        assert topics == [basics, methods, basics, methods, basics, methods, methods]


async def test_the_topic_shows_only_once_the_card_is_answered(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        meta = screen.query_one(CardMeta)
        assert "Basics" not in text_of(meta)  # the topic may be the answer
        await pilot.press("space")
        await pilot.pause()
        assert "Flashcard · Basics" in text_of(meta)


async def test_one_typo_is_almost_with_the_slip_marked_and_hard_suggested(
    make_app, tiny_load, store
):
    app = make_app(one_kind(tiny_load, "short"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        while screen.presented.card.kind != "short":
            await dont_know_and_rate(pilot, screen, "3")
        await pilot.press(*"Prompt tunig.")
        await pilot.press("enter")
        await pilot.pause()
        panel = text_of(screen.query_one(VerdictPanel))
        assert "≈ Almost: one typo   Answer: prompt tuning" in panel
        assert "Hard suggested: one typo: almost recalled" in panel
        # As grading compared it (folded), the missing letter marked _.
        assert "You typed: prompt tuni_g" in text_of(screen.view.query_one(".card-body"))
        assert "Hard  (suggested)" in text_of(screen.query_one(RatingBar))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.rating, review.correct) == ("t-short", fsrs.Rating.Hard, False)


async def test_the_matching_verdict_reads_what_you_matched_then_the_right_match(
    make_app, tiny_load
):
    app = make_app(one_kind(tiny_load, "matching"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        while screen.presented.card.kind != "matching":
            await dont_know_and_rate(pilot, screen, "3")
        order = screen.presented.order
        letter = "abc"
        # Row 1 right; rows 2 and 3 swapped.
        await pilot.press(letter[order.index(0)], letter[order.index(2)], letter[order.index(1)])
        await pilot.press("enter")
        await pilot.pause()
        lines = [line.strip() for line in text_of(screen.view.query_one(".card-body")).split("\n")]
        e, k, w = (letter[order.index(i)].upper() for i in range(3))
        assert f"✓ 1 Prompt tuning     you:   {e} input embeddings" in lines
        assert f"✗ 2 Prefix tuning     you:   {w} every weight" in lines
        assert f"right: {k} per-layer keys and values" in lines
        panel = text_of(screen.query_one(VerdictPanel))
        assert "✗ Partly right (33%): 1 of 3 pairs matched" in panel


async def test_a_notice_never_covers_the_rating_bar(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_deck(pilot)
        await pilot.press("@")  # "Suspended t-flash (u takes it back)." for a few seconds
        await pilot.pause()
        screen.view.commit(None)
        await pilot.pause()
        bar = screen.query_one(RatingBar)
        toasts = list(screen.query("Toast"))
        assert toasts and bar.display
        assert all(not toast.region.overlaps(bar.region) for toast in toasts)
