"""Live training curves: the loss of each method, and the first metric the run reports.

Which panels there are, which lines each has (at most four), their markers, colours and step
ticks come from `studykit.lab.view.panels`, as `studykit lab` plots them; `draw_panel` is the
CLI's own drawing. A panel's legend is a line of text under its plot, never over the data, and
nothing is plotted before the first point (no empty axis from -1 to 1).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.widgets import Static
from textual_plotext import PlotextPlot

from studykit.lab.render import draw_panel
from studykit.lab.view import Line, Panel, panels

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


class ChartPanel(Vertical):
    """A plot with its legend underneath."""

    DEFAULT_CSS = """
    ChartPanel { height: auto; }
    ChartPanel > .lab-chart--legend { color: $text-muted; height: auto; }
    """

    def __init__(self, panel: Panel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel

    def compose(self) -> ComposeResult:
        yield PanelPlot(self.panel)
        yield Static(self.legend(self.panel), classes="lab-chart--legend")

    def legend(self, panel: Panel) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        for index, series in enumerate(panel.series):
            if index:
                parts.append("  ")
            if self.app.no_color:
                parts.append(f"{series.marker} ")
            else:
                parts.append(("━━ ", series.color))
            parts.append(series.label)
        return Content.assemble(*parts)

    def show(self, panel: Panel) -> None:
        self.panel = panel
        self.query_one(PanelPlot).show(panel)


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
        self.metric_lines: dict[str, tuple[list[float], list[float]]] = {}
        self.metric: str | None = None  # the first metric the run reports; exact match first
        self.shown: list[Panel] = []
        self.drawn_at = 0.0
        self.pending = False
        if self.is_mounted:
            self._remount([])

    @property
    def methods(self) -> set[str]:
        return set(self.loss)

    def compose(self) -> ComposeResult:
        yield Static("Curves appear with the first step.", classes="lab-chart--waiting")
        yield Vertical(classes="lab-chart--rows")

    def add(self, events: Iterable[Any]) -> None:
        for event in events:
            steps, values = self.loss.setdefault(event.method, ([], []))
            steps.append(event.step)
            values.append(event.loss)
            if self.metric is None and event.metrics:
                self.metric = (
                    "exact_match" if "exact_match" in event.metrics else next(iter(event.metrics))
                )
            value = event.metrics.get(self.metric) if self.metric else None
            if value is not None:
                steps, values = self.metric_lines.setdefault(event.method, ([], []))
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
        loss: list[Line] = [(m, s, v) for m, (s, v) in self.loss.items() if len(s) > 1]
        made = panels("loss", loss)
        if self.metric:
            made += panels(self.metric, [(m, s, v) for m, (s, v) in self.metric_lines.items()])
        return made

    def flush(self) -> None:
        """Draw what was added since the last redraw."""
        if not self.pending:
            return
        self.pending, self.drawn_at = False, time.monotonic()
        made = self.panels()
        if [p.shape for p in made] != [p.shape for p in self.shown]:
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
