"""The lab screen's live charts: which methods get a line, how many lines a panel holds, and
what the axes say (`studykit.lab.view.panels`, drawn by `LabCharts`)."""

from __future__ import annotations

from studykit.lab.results import Progress
from studykit.lab.view import MAX_POINTS, MAX_SERIES, panels, step_ticks
from studykit.tui.widgets.lab_chart import LabCharts

# A phase reported once (backprop's gradient-flow check), then a method trained 10 steps and
# evaluated once at its last step (eval_every 10), then one evaluated twice.
HISTORY = [
    Progress("gradient-flow", 1, 1, 0.5),
    *[
        Progress("prefix", step, 10, 1.0 / step, {"exact_match": 0.9} if step == 10 else {})
        for step in range(1, 11)
    ],
    *[
        Progress(
            "prompt", step, 20, 1.0 / step, {"exact_match": step / 20} if step % 10 == 0 else {}
        )
        for step in range(1, 21)
    ],
]


def lines_of(charts: LabCharts) -> dict[str, list[str]]:
    return {panel.title: [s.label for s in panel.series] for panel in charts.panels()}


def test_the_loss_leaves_out_a_phase_reported_once_the_metric_keeps_one_evaluation():
    charts = LabCharts()
    charts.add(HISTORY)
    assert lines_of(charts) == {
        "training loss": ["prefix", "prompt"],
        "exact match": ["prefix", "prompt"],
    }


def test_nothing_is_plotted_before_the_first_point():
    charts = LabCharts()
    assert charts.panels() == []
    charts.add([Progress("prompt", 1, 10, 2.0)])  # one loss point, no metric yet
    assert charts.panels() == []


def test_a_part_with_more_than_four_methods_is_split_and_each_line_has_its_own_marker():
    methods = [f"skill/m{i}" for i in range(6)] + ["new/m0"]
    made = panels("exact_match", [(key, [1, 2], [0.1, 0.2]) for key in methods])
    assert [(p.title, len(p.series)) for p in made] == [
        ("skill: exact match (1/2)", 3),
        ("skill: exact match (2/2)", 3),
        ("new: exact match", 1),
    ]
    for panel in made:
        assert len(panel.series) <= MAX_SERIES
        assert len({s.marker for s in panel.series}) == len(panel.series)
        assert panel.ylim == (0.0, 1.0)  # a share: 0 to 1, never -1 to 1
    assert panels("loss", [("a", [1, 2], [3.0, 2.0])])[0].ylim is None


def test_step_ticks_are_whole_round_numbers_up_to_the_last_step():
    assert step_ticks(80) == (0, 20, 40, 60, 80)
    assert step_ticks(103) == (0, 50, 100)
    assert step_ticks(7) == (0, 2, 4, 6)
    for last in (1, 3, 12, 99, 250, 1999):
        ticks = step_ticks(last)
        assert all(isinstance(t, int) for t in ticks) and ticks[-1] <= last
        assert 2 <= len(ticks) <= 6, (last, ticks)


def test_a_long_line_is_thinned_to_its_first_last_and_evenly_spaced_points():
    steps = list(range(1, 1001))
    [panel] = panels("loss", [("a", steps, [1.0 / s for s in steps])])
    [line] = panel.series
    assert len(line.steps) == MAX_POINTS and (line.steps[0], line.steps[-1]) == (1, 1000)
    assert line.values[-1] == 1.0 / 1000 and list(line.steps) == sorted(set(line.steps))
