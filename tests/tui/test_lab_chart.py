"""The lab screen's live charts: which methods get a line."""

from __future__ import annotations

from studykit.lab.results import Progress
from studykit.tui.widgets.lab_chart import LabChart


class RecordingPlot:
    """Stands in for plotext: remembers the label of every line drawn."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def plot(self, steps, values, *, label, marker) -> None:
        self.labels.append(label)

    def __getattr__(self, name):  # title, xlabel, xticks, clear_data: nothing to check
        return lambda *args, **kwargs: None


def drawn(chart: LabChart, history: list[Progress]) -> list[str]:
    chart._plot = RecordingPlot()
    chart.draw(history)
    return chart._plot.labels


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


def test_the_loss_chart_leaves_out_a_phase_reported_once():
    assert drawn(LabChart("loss", plots_loss=True), HISTORY) == ["prefix", "prompt"]


def test_the_metric_chart_keeps_a_method_evaluated_once():
    chart = LabChart("exact match", plots_loss=False)
    chart.metric = "exact_match"
    assert drawn(chart, HISTORY) == ["prefix", "prompt"]
