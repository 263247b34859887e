"""The CLI's live progress: a method that stops before its last step stops its clock too."""

from __future__ import annotations

import io

from rich.console import Console

from studykit.lab.render import LiveProgress
from studykit.lab.results import Progress


def test_a_method_that_stops_early_freezes_its_clock_and_says_so():
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    with LiveProgress(console) as live:
        for step in (1, 2):
            live(Progress("skill/prompt-tuning", step, 10, 1.0 / step, {"exact_match": 0.9}))
        first = live.tasks["skill/prompt-tuning"]
        live(Progress("skill/prefix-tuning", 1, 10, 0.5))
        tasks = {t.id: t for t in live.progress.tasks}
        assert tasks[first].stop_time is not None  # the clock stopped when the next method began
        assert tasks[first].fields["status"].endswith("stopped early: target reached")
        frozen = tasks[first].elapsed
        assert tasks[live.tasks["skill/prefix-tuning"]].stop_time is None
    assert tasks[first].elapsed == frozen
    assert tasks[live.tasks["skill/prefix-tuning"]].stop_time is not None  # stopped on exit


def test_a_method_that_runs_every_step_is_not_called_early():
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    with LiveProgress(console) as live:
        for step in (1, 2):
            live(Progress("prompt-tuning", step, 2, 1.0))
    task = live.progress.tasks[0]
    assert "stopped early" not in task.fields["status"] and task.stop_time is not None


def test_a_method_cut_short_says_whether_the_learner_stopped_it_or_its_loss_broke():
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    with LiveProgress(console, stopped=lambda: True) as live:
        live(Progress("a", 1, 10, float("nan")))
        live(Progress("b", 1, 10, 0.5))
    statuses = [task.fields["status"] for task in live.progress.tasks]
    assert statuses[0].endswith("stopped early: loss not finite")
    assert statuses[1].endswith("stopped early: stopped by you")


def test_rows_fit_80_columns_without_a_figure_cut():
    console = Console(file=io.StringIO(), width=80, force_terminal=False)
    with LiveProgress(console) as live:
        live(Progress("skill/prompt tuning", 60, 100, 0.048, {"exact_match": 0.957}))
        live(Progress("skill/full fine-tuning", 100, 100, 1234.5678, {"exact_match": 1.0}))
        live(Progress("sgd η=0.001", 300, 300, 9.012, elapsed=75.0))
    shown = console.file.getvalue()
    lines = shown.splitlines()
    assert lines and all(len(line.rstrip()) <= 80 for line in lines)
    assert "…" not in shown
    words = shown.split()
    for figure in ("0.048", "95.7%", "1234.568", "100.0%", "60/100", "300/300", "9.012"):
        assert figure in words
    assert "skill: prompt tuning" in shown and "reached" in words  # the why, wrapped, not cut
