"""Pilot tests of a predict card: the learner locks a prediction (a choice, an ordering or a
number) and may say why; the card's lab runs on the lab screen; the verdict compares the
prediction with what this run measured, highlights the rows that show it and suggests Good or
Again; the rating is stored like any review. A stub runner measures what each test tells it to,
so the same prediction is right on one run and wrong on the next.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from predict_helpers import LABS, WINNER_PREFIX, WINNER_PROMPT, MeasuringLab, predict_load
from textual.widgets import DataTable

from studykit.lab.results import Observation
from studykit.study.preferences import load_preferences, save_preferences
from studykit.study.store import ProgressStore
from studykit.tui.screens.card_page import CardPageScreen
from studykit.tui.screens.predict import PredictRunScreen
from studykit.tui.screens.stats import StatsScreen
from studykit.tui.screens.study import StudyScreen
from studykit.tui.widgets.lab_table import LabTable
from studykit.tui.widgets.predict import PredictionPanel, PredictView
from studykit.tui.widgets.verdict import RatingBar


@pytest.fixture
def app_with(make_app, fake_lab, store):
    """The app over the test deck (or only `cards` of it), with a runner measuring `measures`
    on its successive runs. The deck's cards share one lab, so they are siblings: these tests
    turn burying off to study them one after the other."""
    save_preferences(store, replace(load_preferences(store), bury_siblings="none"))

    def build(*measures: dict[str, Observation], cards: tuple[str, ...] = ()):
        runner = MeasuringLab(fake_lab, list(measures))
        return make_app(predict_load(*cards), lab_runner=runner, labs_dir=LABS), runner

    return build


async def study(pilot) -> StudyScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StudyScreen)
    assert isinstance(screen.view, PredictView)
    return screen


async def predict_choice(pilot, screen: StudyScreen, value: str, reason: str = "") -> None:
    """Pick the choice standing for `value`, type the reason, Enter: the run starts."""
    view = screen.view
    card = view.card
    original = next(i for i, c in enumerate(card.choices) if c.value == value)
    await pilot.press("abc"[view.arrangement.index(original)])
    await pilot.pause()
    if reason:
        await pilot.press(*reason)
    await pilot.press("enter")
    await pilot.pause()


async def finish_run(pilot) -> PredictRunScreen:
    screen = pilot.app.screen
    assert isinstance(screen, PredictRunScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
    return screen


def text(widget) -> str:
    return str(widget.content)


async def test_the_same_prediction_is_right_on_one_run_and_wrong_on_the_next(app_with, store):
    app, runner = app_with(WINNER_PREFIX, WINNER_PROMPT)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "prefix-tuning")
        run = await finish_run(pilot)
        panel = run.query_one(PredictionPanel)
        shown = text(panel)
        assert "✓ You predicted Prefix tuning (every layer)" in shown
        assert "this run measured Prefix tuning (every layer)" in shown
        assert "prefix 92% vs prompt 40% exact match" in shown  # the numbers behind it
        assert "The prefix reaches every layer's attention" in shown  # the explanation
        assert run.suggested == 3  # Good
        methods = run.query(LabTable).first()
        assert methods.highlighted_rows()  # the rows that show the measurement stand out
        await pilot.press("escape")  # back to the card without rating: nothing stored
        await pilot.pause()
        assert store.reviews(card_id="p-winner") == []

        assert isinstance(app.screen, StudyScreen)
        await predict_choice(pilot, app.screen, "prefix-tuning")  # the same card, again
        run = await finish_run(pilot)
        shown = text(run.query_one(PredictionPanel))
        assert "✗ You predicted Prefix tuning (every layer)" in shown
        assert "this run measured Prompt tuning (input layer only)" in shown
        assert run.suggested == 1  # Again
        assert "Again" in text(run.query_one(RatingBar))
        await pilot.press("enter")  # accept Again
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        assert app.screen.presented.card.id != "p-winner"
        [review] = store.reviews(card_id="p-winner")
        assert int(review.rating) == 1 and review.correct is False
        [prediction] = store.predictions("p-winner")
        assert prediction.correct is False and prediction.value == "prompt-tuning"
        await pilot.press("u")  # undo takes back the rating and its prediction together
        await pilot.pause()
        assert app.screen.presented.card.id == "p-winner"
    assert store.reviews(card_id="p-winner") == [] and store.predictions("p-winner") == []
    assert len(runner.inner.calls) == 2


async def test_the_run_lists_only_this_cards_observable_as_measured(app_with):
    # The issue: bg-p1's run listed every observable, the answers to bg-p2 and bg-p3.
    fastest = {"fastest": Observation(["prefix-tuning", "prompt-tuning"], "prefix 12 steps")}
    app, _ = app_with(WINNER_PREFIX | fastest, cards=("p-winner",))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "prefix-tuning")
        run = await finish_run(pilot)
        measured = text(run.query_one("#lab-observed"))
        assert "winner: " in measured
        assert "fastest" not in measured and "prefix 12 steps" not in measured


async def test_a_run_stopped_before_the_measurement_records_nothing(app_with, store, fake_lab):
    app, runner = app_with(WINNER_PREFIX)
    fake_lab.gate = threading.Event()  # the run waits after its first step
    fake_lab.free_steps = 1
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "tie")
        run = app.screen
        assert isinstance(run, PredictRunScreen)
        assert fake_lab.started.wait(5)
        await pilot.press("escape")  # stop the run
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = text(run.query_one("#lab-status"))
        assert "no review was recorded" in status
        assert not run.query(PredictionPanel)
        await pilot.press("1")  # rating keys do nothing: there is nothing to rate
        await pilot.pause()
        assert app.screen is run
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
        view = app.screen.view
        assert view.card.id == "p-winner" and view.value is None  # ready to predict again
    assert store.reviews() == []


async def test_the_reason_is_shown_with_the_verdict_and_stored(app_with, store):
    app, _ = app_with(WINNER_PREFIX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "prefix-tuning", "more layers")
        run = await finish_run(pilot)
        assert "Your reason: more layers" in text(run.query_one(PredictionPanel))
        await pilot.press("3")
        await pilot.pause()
        page = CardPageScreen("p-winner")  # the card's page (browse) shows it back
        await app.push_screen(page)
        await pilot.pause()
        table = page.query_one("#card-predictions", DataTable)
        assert table.display and table.row_count == 1
        row = [" ".join(cell.plain.split()) for cell in table.get_row_at(0)]  # unwrapped
        assert "Prefix tuning (every layer)" in row[1]  # predicted
        assert "prefix 92% vs prompt 40%" in row[2]  # measured, with the numbers behind it
        assert row[3] == "right" and row[5] == "more layers"
        stats = StatsScreen()  # and the stats screen counts it, per lab and per topic
        await app.push_screen(stats)
        await pilot.pause()
        shown = text(stats.query_one("#stats-predictions"))
        assert "lab   race" in shown and "1/1 right" in shown and "The race" in shown
    [prediction] = store.predictions("p-winner")
    assert prediction.reason == "more layers"
    assert prediction.correct is True


async def test_an_ordering_is_arranged_with_the_order_cards_keys(app_with, store):
    fastest = ["fine-tuning", "prefix-tuning", "prompt-tuning"]
    measured = {"fastest": Observation(fastest, "steps to target 12, 30, 80")}
    app, _ = app_with(measured, cards=("p-fastest",))
    async with app.run_test(size=(100, 30)) as pilot:
        view = (await study(pilot)).view
        assert view.mode == "order"
        # Move fine-tuning to the top: down to it, space grabs, up, space drops; Enter commits.
        at = view.arrangement.index([c.value for c in view.card.choices].index("fine-tuning"))
        await pilot.press(*["down"] * at, "space", *["up"] * at, "space", "enter")
        await pilot.pause()
        assert view.value[0] == "fine-tuning"
        await pilot.press("enter")  # no reason
        run = await finish_run(pilot)
        shown = text(run.query_one(PredictionPanel))
        assert "this run measured Full fine-tuning > Prefix tuning > Prompt tuning" in shown
        assert ("✓" in shown) == (view.value == fastest)


async def test_a_number_is_typed_and_graded_within_its_tolerance(app_with, store):
    count = Observation(3072, "2 x 4 layers x 6 positions x 64")
    app, _ = app_with({"prefix_trainable": count}, cards=("p-count",))
    async with app.run_test(size=(100, 30)) as pilot:
        view = (await study(pilot)).view
        assert view.mode == "number"
        await pilot.press(*"about", "enter")  # not a number: nothing locks
        await pilot.pause()
        assert view.value is None
        await pilot.press(*["backspace"] * 5, *"3,072", "enter")
        await pilot.pause()
        assert view.value == 3072
        await pilot.press("enter")
        run = await finish_run(pilot)
        shown = text(run.query_one(PredictionPanel))
        assert "✓ You predicted 3,072 — this run measured 3,072" in shown
        assert "Counts as right: exactly" in shown
        assert "2 x 4 layers x 6 positions x 64" in shown


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_verdict_and_explanation_are_on_screen_after_the_run(app_with, size):
    app, _ = app_with(WINNER_PROMPT)
    async with app.run_test(size=size) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "tie", "no idea")
        run = await finish_run(pilot)
        await pilot.pause()
        panel = run.query_one(PredictionPanel)
        area = run.query_one("#lab-area")
        assert panel.region.height >= 5  # laid out: verdict, numbers, reason, why, explanation
        assert area.content_region.contains_region(panel.region), (panel.region, area.region)
        assert run.query_one(RatingBar).display


async def test_killing_the_app_mid_run_loses_no_earlier_review(app_with, fake_lab, tmp_path):
    app, _ = app_with(WINNER_PREFIX)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await study(pilot)
        await predict_choice(pilot, screen, "prefix-tuning")
        await finish_run(pilot)
        await pilot.press("3")
        await pilot.pause()
        fake_lab.gate = threading.Event()  # the next card's run hangs after one step
        fake_lab.free_steps = 1
        fake_lab.started.clear()
        view = app.screen.view
        await pilot.press("enter", "enter")  # the ordering as shown, no reason
        assert fake_lab.started.wait(5)
        app.exit()  # as a kill does: the run is abandoned
        fake_lab.gate.set()
    with ProgressStore.open(tmp_path / "data") as reopened:  # conftest's store, read afresh
        [review] = reopened.reviews()
    assert review.card_id == "p-winner" and view.card.id == "p-fastest"
