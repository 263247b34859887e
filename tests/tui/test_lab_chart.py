"""The lab screen's live charts: which methods get a line, how many lines a panel holds, and
what the axes say (`studykit.lab.view.panels`, drawn by `LabCharts`)."""

from __future__ import annotations

from rich.console import Console

from studykit.lab.render import curves, draw_panel, legend_text
from studykit.lab.results import LabResult, MethodResult, Progress
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


class RecordingPlot:
    """Stands in for plotext: remembers how each line was drawn."""

    def __init__(self) -> None:
        self.lines: list[dict] = []

    def plot(self, steps, values, **options) -> None:
        self.lines.append(options)

    def __getattr__(self, name):  # title, xticks, xlabel, ylim: nothing to check here
        return lambda *args, **kwargs: None


def test_without_colour_each_line_has_its_own_marker_and_no_legend_is_drawn_on_the_plot():
    [panel] = panels("loss", [(f"m{i}", [1, 2], [2.0, 1.0]) for i in range(4)])
    plain, coloured = RecordingPlot(), RecordingPlot()
    draw_panel(plain, panel, color=False)
    draw_panel(coloured, panel, color=True)
    assert len({line["marker"] for line in plain.lines}) == 4
    assert all("label" not in line for line in plain.lines + coloured.lines)
    assert len({line["color"] for line in coloured.lines}) == 4
    assert legend_text(panel, color=False).plain == "• m0  + m1  x m2  o m3"


def test_the_cli_draws_each_legend_under_its_plot_at_80_columns():
    result = LabResult(lab="x", seed=0, model="m", curve_metrics=["loss"])
    for name in ("prompt-tuning", "prefix-tuning"):
        result.methods[f"skill/{name}"] = MethodResult(
            1,
            1.0,
            0.0,
            1.0,
            40,
            1.0,
            1.0,
            1.0,
            curve=[{"step": s, "loss": 2 / s} for s in range(1, 41)],
        )
    console = Console(width=80, record=True, color_system=None)
    console.print(curves(result, width=80, color=False))
    lines = console.export_text().splitlines()
    legend = [i for i, line in enumerate(lines) if "prompt tuning" in line]
    assert len(legend) == 1 and "prefix tuning" in lines[legend[0]]
    assert all("┤" not in line and "│" not in line for line in lines[legend[0] :])  # below it
    assert any("┤" in line for line in lines[: legend[0]])
