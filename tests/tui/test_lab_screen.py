"""Pilot tests for the lab screen: a run from a card, live progress, results, cancelling with
Esc, keys that keep working meanwhile, and the run's summary in the store.
"""

from __future__ import annotations

import threading

from settle import settled

from studykit.tui.screens.help import HelpScreen
from studykit.tui.screens.lab import LabScreen
from studykit.tui.screens.study import StudyScreen
from studykit.tui.widgets.lab_chart import ChartPanel, LabCharts
from studykit.tui.widgets.lab_table import LabTable


async def open_lab(pilot) -> LabScreen:
    await pilot.press("enter")  # study the deck: the first card (a flashcard) has a lab
    await pilot.pause()
    assert isinstance(pilot.app.screen, StudyScreen)
    await pilot.press("l")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LabScreen)
    return screen


async def test_a_lab_runs_shows_results_and_is_stored(make_app, store, fake_lab):
    app = make_app(lab_overrides={"steps": 4})
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lab(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake_lab.calls == [("soft-prompt", {"steps": 4})]
        methods, lab_table = screen.query(LabTable)  # the methods table, then the lab's own
        assert methods.view.title == "Methods"
        assert methods.cells() == [
            ["soft prompt", "40", "0.50%", "0.0%", "100.0%", "4", "no", "100.0", "50"]
        ]
        assert lab_table.view.title == "losses"
        assert lab_table.cells() == [["soft-prompt", "2.000", "0.500", "-1.500"]]
        assert "✓ the loss went down" in str(screen.query_one("#lab-claims").content)
        assert "model fake" in str(screen.query_one("#lab-facts").content)
        assert "done" in str(screen.query_one("#lab-status").content)
        await pilot.press("escape")  # finished: Esc goes back to the card
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
    [run] = store.lab_runs("t-flash")
    assert run.summary["lab"] == "soft-prompt" and run.summary["interrupted"] is False
    assert "curve" not in run.summary["methods"]["soft-prompt"]  # the summary, not every step


async def test_escape_stops_a_running_lab_and_keys_keep_working(make_app, store, fake_lab):
    fake_lab.gate = threading.Event()  # after one step, the run waits until the gate opens
    fake_lab.free_steps = 1
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lab(pilot)
        assert fake_lab.started.wait(5)
        assert screen.running
        await pilot.press("question_mark")  # the UI answers while the lab thread runs
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.running
        await pilot.press("escape")  # stop the run
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        assert screen.result.interrupted
        assert "stopped by you" in str(screen.query_one("#lab-status").content)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
    [run] = store.lab_runs("t-flash")
    assert run.summary["interrupted"] is True
    assert run.summary["methods"]["soft-prompt"]["steps"] == 1


async def test_stopping_before_the_first_step_saves_nothing(make_app, store, fake_lab):
    fake_lab.gate = threading.Event()  # the run waits before its first step
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lab(pilot)
        assert fake_lab.started.wait(5)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running and screen.result.interrupted
        status = str(screen.query_one("#lab-status").content)
        assert "nothing measured, nothing saved" in status
    assert store.lab_runs("t-flash") == []


async def test_progress_messages_update_the_bar_and_curves(make_app, fake_lab):
    fake_lab.gate = threading.Event()
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lab(pilot)
        fake_lab.gate.set()  # let the whole run through
        await app.workers.wait_for_complete()
        await pilot.pause()
        bar = screen.query_one("#lab-progress")
        assert bar.percentage == 1.0
        charts = screen.query_one(LabCharts)
        assert charts.metric == "exact_match"
        assert [panel.title for panel in charts.shown] == ["training loss", "exact match"]
        assert len(screen.query(ChartPanel)) == 2  # drawn: the last steps are not left behind


async def test_a_failing_lab_shows_its_error_and_the_app_keeps_running(make_app, store):
    def broken_runner(name, params, on_progress, should_stop):
        raise RuntimeError("the base model is missing; run `studykit model pretrain`")

    app = make_app(lab_runner=broken_runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lab(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(screen.query_one("#lab-status").content)
        assert "The lab failed" in status and "studykit model pretrain" in status
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen)
    assert store.lab_runs("t-flash") == []


async def test_the_real_lab_starts_in_a_thread_and_esc_stops_it(make_app, store):
    """The bundled prompt-vs-prefix lab with the real runner: torch loads in the worker, the
    first step arrives, Esc stops the run, and the interrupted run is stored with the card."""
    app = make_app(lab_runner=None, labs_dir=None)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = LabScreen("t-flash", "prompt-vs-prefix", {"steps": 50})
        await app.push_screen(screen)
        for _ in range(600):  # up to 60 s for torch, the model and the first step
            if screen.query_one("#lab-progress").progress > 0 or not screen.running:
                break
            await pilot.pause(0.1)
        assert screen.running, str(screen.query_one("#lab-status").content)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        # The worker posts LabFinished as it ends: wait for the screen to have handled it.
        assert await settled(pilot, lambda: screen.result is not None)
        assert screen.result.interrupted
    [run] = store.lab_runs("t-flash")
    assert run.summary["lab"] == "prompt-vs-prefix" and run.summary["interrupted"] is True


async def test_running_again_replaces_the_results(make_app, fake_lab):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lab(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [table.view.title for table in screen.query(LabTable)] == ["Methods", "losses"]
        fake_lab.steps = 2
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        tables = list(screen.query(LabTable))
        assert [table.view.title for table in tables] == ["Methods", "losses"]  # not doubled
        assert tables[0].cells()[0][5] == "2"  # the second run's steps


async def test_the_results_are_laid_out_again_when_the_terminal_is_resized(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_lab(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        rooms = [table.room for table in screen.query(LabTable)]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        tables = list(screen.query(LabTable))
        assert [table.room for table in tables] != rooms
        for table in tables:  # laid out for 80 columns, not 120: nothing hides off the edge
            grid = table.data_table
            assert grid.virtual_size.width <= grid.size.width, table.view.title


async def test_hooks_for_a_caller_finished_highlight_slot_and_autostart(make_app, fake_lab):
    """What the predict flow builds on: no run until start(), a widget in the slot above the
    results, Finished with the result, and rows highlighted by method key."""
    from textual.widgets import Static

    finished = []

    class Watched(LabScreen):
        def on_lab_screen_finished(self, message: LabScreen.Finished) -> None:
            finished.append(message)

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = Watched("t-flash", "soft-prompt", {}, autostart=False)
        await app.push_screen(screen)
        await pilot.pause()
        assert fake_lab.calls == [] and not screen.running
        screen.mount_in_slot(Static("you predicted: falls", id="verdict"))
        screen.start()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        [message] = finished
        assert message.result is screen.result and message.lab_screen is screen
        assert screen.query_one("#lab-slot #verdict")  # the caller's widget stayed
        methods = screen.query(LabTable).first()
        assert methods.highlighted_rows() == []
        screen.set_highlight({"soft-prompt"})
        await pilot.pause()
        assert [table.highlighted_rows() for table in screen.query(LabTable)] == [[0], [0]]


async def test_the_cards_earlier_runs_are_listed_with_date_seed_and_figures(make_app, fake_lab):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_lab(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        history = screen.query_one("#lab-history")
        assert history.display  # the run just saved is listed at once
        fake_lab.gate = threading.Event()  # the second run waits before its first step
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")  # the same card's lab again: the earlier run is there first
        await pilot.pause()
        again = app.screen
        assert isinstance(again, LabScreen) and again is not screen
        text = str(again.query_one("#lab-history").content)
        assert "This card's runs of the lab (1, newest first)" in text
        assert "2025-01-06 12:00  seed 0  soft-prompt 0% → 100%; 1 of 1 findings held" in text
        fake_lab.gate.set()
        await app.workers.wait_for_complete()


async def test_while_the_model_loads_the_screen_says_so_and_counts_the_seconds(make_app, fake_lab):
    fake_lab.gate = threading.Event()  # the run waits before its first step
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lab(pilot)
        assert fake_lab.started.wait(5)
        await pilot.pause(0.25)  # a few ticks of the redraw timer
        status = str(screen.query_one("#lab-status").content)
        assert status.startswith("Loading") and "s: starting the run" in status
        assert "esc stops it" in status
        fake_lab.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "done" in str(screen.query_one("#lab-status").content)
