"""Live training curves: loss per step for each method, and the first tracked metric."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual_plotext import PlotextPlot


class LabChart(PlotextPlot):
    """One chart of `series(progress)` against step, a line per method."""

    DEFAULT_CSS = """
    LabChart { height: 12; width: 1fr; }
    """

    def __init__(self, title: str, *, plots_loss: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.plots_loss = plots_loss
        self.metric: str | None = None  # a metric chart draws nothing until this is set

    def on_mount(self) -> None:
        super().on_mount()
        self.draw([])

    def value(self, event: Any) -> float | None:
        if self.plots_loss:
            return event.loss
        return event.metrics.get(self.metric) if self.metric else None

    def draw(self, history: Sequence[Any]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.title(self.title)
        plt.xlabel("step")
        by_method: dict[str, tuple[list[int], list[float]]] = {}
        for event in history:
            value = self.value(event)
            if value is None:
                continue
            steps, values = by_method.setdefault(event.method, ([], []))
            steps.append(event.step)
            values.append(value)
        if self.plots_loss:
            # A single loss point is a phase of the lab (one measurement), not a curve: leave it
            # to the results table rather than give it a legend entry with nothing to see. Not so
            # for a metric: a method evaluated once (it met its target at the first evaluation,
            # or trained fewer steps than eval_every) still has a point worth showing.
            by_method = {m: points for m, points in by_method.items() if len(points[0]) > 1}
        for method, (steps, values) in by_method.items():
            plt.plot(steps, values, label=method, marker="braille")
        last = max((steps[-1] for steps, _ in by_method.values()), default=0)
        if last:
            # Whole-number step ticks: about five of them, whatever the run's length.
            every = max(1, round(last / 5))
            plt.xticks(list(range(0, last + 1, every)))
        self.refresh()
