"""Snapshot tests of the main screens at 80x24 and 120x40, over the tiny deck with a frozen
clock, seed and answer timer. Update with `pytest tests/tui --snapshot-update` after reading the
report (`snapshot_report.html`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_paths import DECKS_DIR, LABS_DIR, TINY_DECK

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.tui.screens.study import StudyScreen

SIZES = [(80, 24), (120, 40)]


async def wait_for_lab(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


# run_before runs before `press`, so each one opens the deck itself.
async def open_deck(pilot) -> StudyScreen:
    await pilot.press("enter")
    await pilot.pause()
    return pilot.app.screen


async def mcq_answered_wrong(pilot) -> None:
    screen = await open_deck(pilot)
    assert isinstance(screen, StudyScreen)
    while screen.presented.card.kind != "mcq":  # the cards before it: "don't know", Good
        screen.view.commit(None)
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
    await pilot.press("abc"[screen.presented.order.index(0)])  # a wrong choice
    await pilot.pause()


async def three_reviews_then_stats(pilot) -> None:
    screen = await open_deck(pilot)
    await pilot.press("space", "3")  # the flashcard: Good
    await pilot.pause()
    for rating in ("1", "3"):  # two more cards, "don't know": Again, then Good
        screen.view.commit(None)
        await pilot.pause()
        await pilot.press(rating)
        await pilot.pause()
    await pilot.press("escape", "s")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_study_mcq_after_a_wrong_answer(snap_compare, make_app, size):
    assert snap_compare(make_app(), run_before=mcq_answered_wrong, terminal_size=size)


def test_study_matching_half_done(snap_compare, make_app):
    async def run_before(pilot):
        screen = await open_deck(pilot)
        while screen.presented.card.kind != "matching":
            screen.view.commit(None)
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
        await pilot.press("b")

    assert snap_compare(make_app(), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_finished(snap_compare, make_app, fake_lab, size):
    fake_lab.steps = 12

    async def run_before(pilot):
        await open_deck(pilot)
        await pilot.press("l")
        await wait_for_lab(pilot)

    assert snap_compare(make_app(), run_before=run_before, terminal_size=size)


def test_lab_results_scrolled_into_view(snap_compare, make_app, fake_lab):
    """At 80x24 the results sit below the curves: the methods table, the lab's table (whole
    figures, a negative one too), the claims. At 120x40 test_lab_finished shows them all."""
    fake_lab.steps = 12

    async def run_before(pilot):
        await open_deck(pilot)
        await pilot.press("l")
        await wait_for_lab(pilot)
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stats(snap_compare, make_app, size):
    assert snap_compare(make_app(), run_before=three_reviews_then_stats, terminal_size=size)


def test_broken_deck_problems(snap_compare, make_app, monkeypatch):
    # Relative paths, so the problem lines read the same in any checkout.
    monkeypatch.chdir(DECKS_DIR)
    load = load_decks([TINY_DECK, Path("broken.yaml")], lab_catalog=Catalog(LABS_DIR))
    assert snap_compare(make_app(load))


def test_help(snap_compare, make_app):
    assert snap_compare(make_app(), press=["enter", "question_mark"])
