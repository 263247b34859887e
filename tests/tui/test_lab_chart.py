"""The lab screen's live charts: which methods get a line, how many lines a panel holds, and
what the axes say (`studykit.lab.view.panels`, drawn by `LabCharts`)."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from settle import settled
from textual.app import App, ComposeResult

from studykit.lab.render import SWATCH, curves, draw_panel, legend_text
from studykit.lab.results import LabResult, MethodResult, Progress
from studykit.lab.view import COLORS, MAX_POINTS, MAX_SERIES, Panel, panels, step_ticks
from studykit.tui.widgets.lab_chart import LabCharts, Legend

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


# gradient-descent's five runs, the first three and the last in one part and again in another:
# the loss of five is split over two panels, whose lines used to share colours (the first line
# of each panel blue, the second red).
RUNS = ["sgd-eta=0.001", "sgd-eta=0.02", "sgd-eta=100", "sgd-eta=100-every-weight", "adam-eta=0.01"]


def two_points(keys: list[str]) -> list[tuple[str, list[int], list[float]]]:
    return [(key, [1, 2], [2.0, 1.0]) for key in keys]


def assert_distinct_in_each_panel_and_stable(made: list[Panel]) -> None:
    style_of: dict[str, tuple[str, str]] = {}
    for panel in made:
        colours = [s.color for s in panel.series]
        markers = [s.marker for s in panel.series]
        assert len(set(colours)) == len(colours), (panel.title, colours)
        assert len(set(markers)) == len(markers), (panel.title, markers)
        for series in panel.series:  # the same method, whatever its part, drawn alike
            assert style_of.setdefault(series.label, (series.color, series.marker)) == (
                series.color,
                series.marker,
            ), (panel.title, series.label)


def test_no_two_lines_of_a_panel_share_a_colour_and_a_method_keeps_its_own_everywhere():
    order = [f"skill/{run}" for run in RUNS] + [f"new/{RUNS[4]}", f"new/{RUNS[0]}"]
    made = panels("loss", two_points(order), order)
    made += panels("exact_match", two_points([key for key in order if "every" not in key]), order)
    assert [len(p.series) for p in made] == [3, 2, 2, 4, 2]
    assert_distinct_in_each_panel_and_stable(made)
    # Five methods, five colours: none is reused even across panels.
    assert len({s.color for p in made for s in p.series}) == 5


def test_a_run_with_more_methods_than_colours_still_has_distinct_colours_in_each_panel():
    order = [f"a/m{i}" for i in range(len(COLORS) + 1)]  # m0 and the last share a colour
    made = panels("loss", two_points(["b/m0", f"b/m{len(COLORS)}", "b/m1"]), order)
    assert [s.label for s in made[0].series] == ["m0", f"m{len(COLORS)}", "m1"]
    colours = [s.color for s in made[0].series]
    assert len(set(colours)) == 3 and colours[0] == COLORS[0]


LABELS = ["sgd η=0.001", "sgd η=100 every weight", "prefix tuning mlp", "adam η=0.01"]


def legend_entries(lines: list[str], keys: list[str]) -> list[tuple[str, str]]:
    """Each legend line's entries as (key, label): entries are two or more spaces apart."""
    entries = []
    for line in lines:
        for entry in re.split(r" {2,}", line.strip()):
            key = next((k for k in keys if entry.startswith(k)), "")
            entries.append((key, entry[len(key) :]))
    return entries


@pytest.mark.parametrize("width", [14, 20, 27, 34, 38, 41, 49, 60, 80])
@pytest.mark.parametrize("color", [True, False], ids=["colour", "no-colour"])
def test_each_legend_entry_stays_whole_on_one_line_at_any_width(width, color):
    [panel] = panels("loss", two_points([label.replace(" ", "-") for label in LABELS]))
    keys = [SWATCH if color else f"{s.marker} " for s in panel.series]
    lines = legend_text(panel, color, width).plain.split("\n")
    assert all(len(line) <= width for line in lines), lines
    entries = legend_entries(lines, keys)
    assert [key for key, _ in entries] == keys, lines  # every entry starts with its own key
    for (_, shown), label in zip(entries, LABELS, strict=True):
        # The whole label, or its start cut with "…" when even alone it does not fit.
        assert shown == label or (shown.endswith("…") and label.startswith(shown[:-1])), lines
    if width >= 80:
        assert len(lines) == 1


class ChartsApp(App):
    def compose(self) -> ComposeResult:
        yield LabCharts()


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_tui_legends_keep_each_entry_on_one_line_at_80_columns(no_color, monkeypatch):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = ChartsApp()
    events = [
        Progress(run, step, 20, 1.0 / step, {"exact_match": step / 20})
        for run in RUNS
        for step in range(1, 21)
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        charts = app.query_one(LabCharts)
        charts.add(events)
        charts.flush()
        assert await settled(pilot, lambda: len(app.query(Legend)) == 4)
        assert_distinct_in_each_panel_and_stable(charts.shown)
        assert await settled(pilot, lambda: all(w.content_size.width for w in app.query(Legend)))
        for legend in app.query(Legend):
            width = legend.content_size.width
            assert 30 <= width < 40  # two panels side by side
            lines = legend.render().plain.split("\n")
            assert legend.size.height == len(lines)
            assert all(len(line) <= width for line in lines), lines
            keys = [f"{s.marker} " if no_color else SWATCH for s in legend.panel.series]
            labels = [s.label for s in legend.panel.series]
            assert legend_entries(lines, keys) == list(zip(keys, labels, strict=True)), lines


def test_peft_methods_four_lines_take_two_legend_lines_in_a_panel_at_80_columns():
    keys = ["prompt-tuning", "prefix-tuning-mlp", "lora", "full-finetune"]
    [panel] = panels("loss", two_points(keys))
    for color in (True, False):  # the same layout with and without colour
        assert len(legend_text(panel, color, width=37).plain.split("\n")) == 2
