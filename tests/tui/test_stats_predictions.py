"""The TUI's stats screen shows how often predictions were right, per lab and per topic, beside
the recall rate, in the figures `studykit stats` prints. Two predictions (one right, one wrong)
are recorded through the study layer, then read back on the screen. Update the snapshot with
`pytest tests/tui/test_stats_predictions.py --snapshot-update` after reading the report.
"""

from __future__ import annotations

import random

from fsrs import Rating
from predict_helpers import LABS, predict_load

from studykit.cli.stats import prediction_lines
from studykit.lab.results import Observation
from studykit.study.grading import present
from studykit.study.predictions import grade_prediction, rate_prediction
from studykit.study.session import StudySession
from studykit.study.stats import compute_stats, prediction_figures
from studykit.tui.screens.stats import StatsScreen


def record_right_and_wrong(store, load, now) -> None:
    """p-winner predicted right (Good), p-fastest wrong (Again), as the flow rates them."""
    session = StudySession(store, load.decks, now=now, seed=0)
    cards = {card.id: card for card in load.decks[0].cards}
    measured = {
        "p-winner": ("prefix-tuning", Observation("prefix-tuning", "prefix 92% vs prompt 40%")),
        "p-fastest": (
            ("prompt-tuning", "prefix-tuning", "fine-tuning"),
            Observation(["fine-tuning", "prefix-tuning", "prompt-tuning"], "steps 3, 5, 9"),
        ),
    }
    for card_id, (answer, observation) in measured.items():
        card = cards[card_id]
        graded = grade_prediction(card, answer, observation, seed=0)
        assert graded.rating is not None
        rate_prediction(session, present(card, random.Random(0)), graded.rating, 2000, graded)


async def open_stats(pilot) -> StatsScreen:
    await pilot.press("s")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    return screen


def shown_rows(screen: StatsScreen) -> list[str]:
    return str(screen.query_one("#stats-predictions").content).splitlines()


async def test_the_stats_screen_shows_predictions_right_as_the_cli_does(make_app, store):
    load = predict_load()
    app = make_app(load, labs_dir=LABS)
    record_right_and_wrong(store, load, app.now)
    stats = compute_stats(store, load.decks, now=app.now)
    assert [(p.group, p.right, p.predicted) for p in stats.predictions] == [
        ("lab", 1, 2),
        ("topic", 1, 2),
    ]
    # one Good and one Again on the race's cards: recall 50%, like the predictions
    figures = [prediction_figures(p) for p in stats.predictions]
    assert figures == [("1/2 right", "50%", "recall 50%")] * 2

    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_stats(pilot)
        heading, *rows = shown_rows(screen)
    cli_heading, *cli_rows = prediction_lines(stats)
    assert heading == cli_heading  # the same words
    assert [row.split()[:2] for row in rows] == [["lab", "race"], ["topic", "The"]]
    for row, cli_row, rate in zip(rows, cli_rows, stats.predictions, strict=True):
        figures = " ".join(prediction_figures(rate)).split()
        # the same figures, in the same order, on the screen and in `studykit stats`
        assert [w for w in row.split() if w in figures] == figures
        assert [w for w in cli_row.split() if w in figures] == figures
        assert len(row) <= 76  # fits 80 columns beside the scrollbar


async def test_without_predictions_the_section_is_hidden(make_app, store):
    load = predict_load()
    app = make_app(load, labs_dir=LABS)
    session = StudySession(store, load.decks, now=app.now, seed=0)
    session.rate(session.next(), Rating.Good, 1000)  # a review, but no prediction
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_stats(pilot)
        assert not screen.query_one("#stats-predictions").display


def test_stats_with_predictions_at_80x24(snap_compare, make_app, store):
    load = predict_load()
    app = make_app(load, labs_dir=LABS)
    record_right_and_wrong(store, load, app.now)

    async def run_before(pilot):
        screen = await open_stats(pilot)
        screen.query_one("#stats-area").scroll_end(animate=False)
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
