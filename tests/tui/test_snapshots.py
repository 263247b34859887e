"""Snapshot tests of the main screens at 80x24 and 120x40, over the tiny deck with a frozen
clock, seed and answer timer. Update with `pytest tests/tui --snapshot-update` after reading the
report (`snapshot_report.html`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from settle import dont_know_and_rate, settled
from tui_paths import DECKS_DIR, LABS_DIR, TINY_DECK

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.lab.results import Claim, LabResult, Observation
from studykit.tui.screens.lab import LabScreen
from studykit.tui.screens.study import StudyScreen

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def make_app(make_app):
    """The conftest's app, with Textual's animations off: a scroll ("end", "down") jumps where
    it would glide to, so a snapshot shows the same screen without 60 redraws a second of the
    way there (the "end" press alone was 1 s wall, 0.4 CPU s)."""

    def build(*args, **options):
        app = make_app(*args, **options)
        app.animation_level = "none"
        return app

    return build


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
        await dont_know_and_rate(pilot, screen, "3")
    await pilot.press("abc"[screen.presented.order.index(0)])  # a wrong choice
    await pilot.pause()


async def three_reviews_then_stats(pilot) -> None:
    screen = await open_deck(pilot)
    await pilot.press("space", "3")  # the flashcard: Good
    await pilot.pause()
    for rating in ("1", "3"):  # two more cards, "don't know": Again, then Good
        await dont_know_and_rate(pilot, screen, rating)
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
            await dont_know_and_rate(pilot, screen, "3")
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


def many_methods_lab(fake_lab):
    """The fake lab with two parts and six methods (more than a panel holds), an invariant
    beside its finding, and observables, one not measured."""
    methods = ("prompt-tuning", "prefix-tuning", "prefix-mlp", "lora", "full-finetune")
    fake_lab.steps = 40
    fake_lab.methods = (*(f"skill/{m}" for m in methods), "new/prompt-tuning")

    def run(*args, **kwargs) -> LabResult:
        result = fake_lab(*args, **kwargs)
        invariant = Claim("the base model's 103,488 weights are unchanged", True, "invariant")
        result.claims.append(invariant)
        result.observables = {
            "winner": Observation("prompt-tuning", "100.0% vs 97.5%", ("skill/prompt-tuning",)),
            "forgetting": Observation(None),
        }
        return result

    return run


async def open_many_methods_lab(pilot, presses=(), lines_down=0) -> None:
    screen = LabScreen("t-flash", "soft-prompt", {}, highlight={"skill/prompt-tuning"})
    await pilot.app.push_screen(screen)
    await wait_for_lab(pilot)
    for key in presses:
        await pilot.press(key)
        await pilot.pause()
    if lines_down:  # where `lines_down` presses of "down" land, drawn once instead of each time
        area = screen.query_one("#lab-area")
        area.scroll_to(y=lines_down, animate=False)
        assert await settled(pilot, lambda: area.scroll_y == lines_down)


def test_lab_charts_of_six_methods_at_80x24(snap_compare, make_app, fake_lab):
    """Legends under the plots, at most four lines a panel (the part of five is split), whole
    steps on the x axis, exact match from 0 to 1."""
    app = make_app(lab_runner=many_methods_lab(fake_lab))
    run_before = partial(open_many_methods_lab, lines_down=10)
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_lab_charts_of_six_methods_at_100x30(snap_compare, make_app, fake_lab):
    app = make_app(lab_runner=many_methods_lab(fake_lab))
    run_before = partial(open_many_methods_lab, lines_down=8)
    assert snap_compare(app, run_before=run_before, terminal_size=(100, 30))


def test_lab_findings_invariants_and_measured_at_80x24(snap_compare, make_app, fake_lab):
    """The end of the results: findings, the invariants apart, what was measured; above them
    the lab's table with the highlighted method's row."""
    app = make_app(lab_runner=many_methods_lab(fake_lab))
    run_before = partial(open_many_methods_lab, presses=["end"])
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


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
