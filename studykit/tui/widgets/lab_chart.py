"""Live training curves: the loss of each method, and its exact match (else the first metric).

Which panels there are, which lines each has (at most four), their markers, colours and step
ticks come from `studykit.lab.view.panels`, as `studykit lab` plots them; `draw_panel` is the
CLI's own drawing. A method keeps its colour in every panel, and no two lines of a panel share
one. A panel's legend is under its plot, never over the data, in columns for its width, with
each entry whole on one line; nothing is plotted before the first point (no axis from -1 to 1).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from studykit.lab.render import SWATCH, draw_panel
from studykit.lab.view import LEGEND_GAP, Line, Panel, legend_rows, panels

# Seconds between two redraws of the plots. Drawing a panel takes 10-30 ms of Python, which the
# training thread waits for (one GIL, two cores): once a second is live enough.
CHART_EVERY = 1.0


class PanelPlot(PlotextPlot):
    """One panel's plot."""

    DEFAULT_CSS = "PanelPlot { height: 12; }"

    def __init__(self, panel: Panel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel

    def on_mount(self) -> None:
        super().on_mount()
        self.show(self.panel)

    def show(self, panel: Panel) -> None:
        self.panel = panel
        self.plt.clear_data()
        draw_panel(self.plt, panel, color=not self.app.no_color)
        self.refresh()


class Legend(Widget):
    """A panel's legend, laid out in columns for the width it gets (`legend_rows`): each entry,
    swatch or marker and label, on one line, even when the legend takes two."""

    DEFAULT_CSS = "Legend { height: auto; color: $text-muted; }"

    def __init__(self, panel: Panel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel

    def show(self, panel: Panel) -> None:
        entries = [(s.label, s.marker, s.color) for s in panel.series]
        before = [(s.label, s.marker, s.color) for s in self.panel.series]
        self.panel = panel
        if entries != before:  # a new line may take the legend onto another row
            self.refresh(layout=True)

    def rows(self, width: int) -> list[list[tuple[int, str]]]:
        return legend_rows([s.label for s in self.panel.series], width, len(SWATCH))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.rows(width)))

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        for number, row in enumerate(self.rows(self.content_size.width or 80)):
            if number:
                parts.append("\n")
            for column, (index, label) in enumerate(row):
                series = self.panel.series[index]
                if column:
                    parts.append(" " * LEGEND_GAP)
                if self.app.no_color:
                    parts.append(f"{series.marker} ")
                else:
                    parts.append((SWATCH, series.color))
                parts.append(label)
        return Content.assemble(*parts)


class ChartPanel(Vertical):
    """A plot with its legend underneath."""

    DEFAULT_CSS = "ChartPanel { height: auto; }"

    def __init__(self, panel: Panel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield PanelPlot(self.panel)
        yield Legend(self.panel, classes="lab-chart--legend")

    def show(self, panel: Panel) -> None:
        self.panel = panel
        self.query_one(PanelPlot).show(panel)
        self.query_one(Legend).show(panel)


class LabCharts(Vertical):
    """The run's live panels: the loss, then the metric, a panel per part; fed `Progress`
    events with `add`; `tick` redraws at most every CHART_EVERY seconds, `flush` at once."""

    DEFAULT_CSS = """
    LabCharts { height: auto; }
    LabCharts > Vertical { height: auto; }
    LabCharts Grid { grid-size: 2; grid-gutter: 0 2; height: auto; grid-rows: auto; }
    LabCharts > .lab-chart--waiting { color: $text-muted; height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reset()

    def reset(self) -> None:
        """Forget the last run's lines (a rerun starts empty)."""
        self.loss: dict[str, tuple[list[float], list[float]]] = {}
        # Every metric the run reports, then each method's line of it.
        self.metrics: dict[str, dict[str, tuple[list[float], list[float]]]] = {}
        self.shown: list[Panel] = []
        self.drawn_at = 0.0
        self.pending = False
        if self.is_mounted:
            self._remount([])

    @property
    def methods(self) -> set[str]:
        return set(self.loss)

    @property
    def metric(self) -> str | None:
        """The metric drawn: exact match whenever the run reports it (at its evaluations, which
        may come after a metric logged at every step, like gradient-descent's prompt norm, as
        `studykit lab` draws it), else the first one reported."""
        if "exact_match" in self.metrics:
            return "exact_match"
        return next(iter(self.metrics), None)

    @property
    def metric_lines(self) -> dict[str, tuple[list[float], list[float]]]:
        return self.metrics.get(self.metric or "", {})

    def compose(self) -> ComposeResult:
        yield Static("Curves appear with the first step.", classes="lab-chart--waiting")
        yield Vertical(classes="lab-chart--rows")

    def add(self, events: Iterable[Any]) -> None:
        for event in events:
            steps, values = self.loss.setdefault(event.method, ([], []))
            steps.append(event.step)
            values.append(event.loss)
            for name, value in event.metrics.items():
                if value is not None:
                    lines = self.metrics.setdefault(name, {})
                    steps, values = lines.setdefault(event.method, ([], []))
                    steps.append(event.step)
                    values.append(value)
        self.pending = True

    def tick(self) -> None:
        """Redraw if something was added and the last redraw is CHART_EVERY seconds old."""
        if self.pending and time.monotonic() - self.drawn_at >= CHART_EVERY:
            self.flush()

    def panels(self) -> list[Panel]:
        # A single loss point is a phase of the lab (one measurement), not a curve: leave it to
        # the results table. Not so for a metric: a method evaluated once (it met its target at
        # the first evaluation) still has a point worth showing.
        # A loss that became non-finite diverged on the way, through values (1e8 and more)
        # that would flatten every other line: its figures are in the lab's table, as in the
        # CLI's chart.
        loss: list[Line] = [
            (m, s, v)
            for m, (s, v) in self.loss.items()
            if len(s) > 1 and all(math.isfinite(x) for x in v)
        ]
        metric: list[Line] = [(m, s, v) for m, (s, v) in self.metric_lines.items()]
        # Every plotted method in the order it trained: its colour is the same in each panel.
        plotted = {line[0] for line in loss + metric}
        order = [m for m in self.loss if m in plotted]
        made = panels("loss", loss, order)
        if self.metric:
            made += panels(self.metric, metric, order)
        return made

    def flush(self) -> None:
        """Draw what was added since the last redraw."""
        if not self.pending:
            return
        self.pending, self.drawn_at = False, time.monotonic()
        made = self.panels()
        # A new method adds a line to panels already drawn: redraw those in place. Mounting
        # new widgets (a layout and styles pass) is for a change in which panels there are.
        if [p.metric for p in made] != [p.metric for p in self.shown]:
            self._remount(made)
        else:
            for widget, panel in zip(self.query(ChartPanel), made, strict=False):
                if panel != widget.panel:  # methods train in turn: most panels are done
                    widget.show(panel)
        self.shown = made

    def _remount(self, made: list[Panel]) -> None:
        """A grid of panels per metric, so that each metric starts a row of its own (unless
        each has a single panel: then they sit side by side)."""
        self.query_one(".lab-chart--waiting").display = not made
        rows = self.query_one(".lab-chart--rows")
        rows.remove_children()
        by_metric: dict[str, list[Panel]] = {}
        for panel in made:
            by_metric.setdefault(panel.metric, []).append(panel)
        if all(len(group) == 1 for group in by_metric.values()):
            by_metric = {"": made}  # one panel per metric: the loss beside the metric
        columns = self._columns()
        for panels_of_metric in by_metric.values():
            grid = Grid(*(ChartPanel(panel) for panel in panels_of_metric))
            grid.styles.grid_size_columns = columns
            rows.mount(grid)

    def _columns(self) -> int:
        # Side by side when two fit (38 columns each), else one above the other.
        return 2 if self.size.width >= 76 or not self.size.width else 1

    def on_resize(self) -> None:
        for grid in self.query(Grid):
            grid.styles.grid_size_columns = self._columns()
