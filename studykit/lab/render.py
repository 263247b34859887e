"""Showing a `LabResult` in the terminal, for every lab: the methods table, the curves (plotext),
the lab's own tables, the base-model checksums and the claims. What they say comes from
`studykit.lab.view`, which the TUI draws too; this module only draws it with rich. Also the live
progress display and the `--plot FILE.png` figure (matplotlib). Torch-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from studykit.lab.results import LabResult, MethodResult
from studykit.lab.results import Progress as ProgressEvent
from studykit.lab.view import ChecksumView, ResultView, TableView, percent, result_view, split_key

CurvePoint = Mapping[str, float | None]  # one entry of `MethodResult.curve`


def rich_table(view: TableView, compact: bool = False) -> Table:
    """One table of the view as rich draws it: `compact` (the methods table) has no box, and a
    part's heading row in bold; the lab's tables have a box, which reads best for their text."""
    # No vertical rules: a wide table keeps its width for the figures on a narrow terminal.
    options: dict[str, Any] = (
        {"header_style": "bold underline", "box": None}
        if compact
        else {"header_style": "bold", "box": box.SIMPLE_HEAD, "show_edge": False}
    )
    table = Table(
        title=view.title,
        title_justify="left",
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        **options,
    )
    for column in view.columns:
        # Too narrow a column folds a word or a figure onto the next line, never cuts it ("-0.0…").
        table.add_column(column.name, justify=column.align, no_wrap=compact, overflow="fold")
    for row in view.rows:
        if row.heading:
            table.add_row(*(Text(cell, style="bold") for cell in row.cells))
        else:
            table.add_row(*(Text(cell) for cell in row.cells))  # Text: a cell is never markup
    if view.note:  # a sentence on how to read the table
        table.caption, table.caption_justify = view.note, "left"
    return table


def checksum_text(view: ChecksumView) -> Text:
    text = Text(f"{view.label}  before ", style="bold")
    text.append(f"{view.before}  after {view.after}  ")
    if view.same is not None:
        text.append(view.verdict, style="green" if view.same else "red bold")
    return text


def claims_text(view: ResultView) -> Text:
    text = Text(view.claims_title + "\n", style="bold")
    for claim in view.claims:
        text.append(f"  {claim.mark} ", style="green" if claim.holds else "red")
        text.append(claim.text + "\n")
    if not view.claims:
        text.append(f"  {view.no_claims}\n")
    return text


def header_text(view: ResultView) -> Text:
    text = Text(view.title, style="bold")
    for fact in view.facts:
        text.append(f"   {fact.label} {fact.value}", style="dim")
    return text


def curves(result: LabResult, width: int = 100, height: int = 14, color: bool = True) -> str:
    """One row of panels per metric in `result.curve_metrics` (exact match unless the lab says
    otherwise), one panel per part, one line per trained method (plotext)."""
    import plotext as plt

    rows: list[tuple[str, dict[str, list[tuple[str, list[CurvePoint]]]]]] = []
    for metric in result.curve_metrics or ["exact_match"]:
        groups: dict[str, list[tuple[str, list[CurvePoint]]]] = {}
        for key, m in result.methods.items():
            points = [p for p in m.curve if p.get(metric) is not None]
            if m.steps and len(points) > 1:
                part, method = split_key(key)
                groups.setdefault(part, []).append((method, points))
        if groups:
            rows.append((metric, groups))
    if not rows:
        return ""
    plt.clear_figure()
    plt.subplots(len(rows), max(len(groups) for _, groups in rows))
    plt.plot_size(width, height * len(rows))
    for row, (metric, groups) in enumerate(rows, start=1):
        label = _METRIC_TITLES.get(metric, metric.replace("_", " "))
        for column, (part, lines) in enumerate(groups.items(), start=1):
            plt.subplot(row, column)
            plt.title(f"{part}: {metric.replace('_', ' ')}" if part else label)
            for method, points in lines:
                plt.plot(
                    [p["step"] for p in points],
                    [p[metric] for p in points],
                    label=method,
                    marker="braille",
                )
            if metric == "exact_match":
                plt.ylim(0, 1)
            plt.xlabel("step")
    if not color:
        plt.theme("clear")
    return plt.build()


_METRIC_TITLES = {"exact_match": "exact match on the held-out set", "loss": "training loss"}


def render(result: LabResult, console: Console, title: str = "") -> None:
    """Print everything a lab measured, in reading order (`studykit.lab.view` decides what)."""
    view = result_view(result, title)
    console.print(header_text(view))
    for note in view.notes:
        console.print(Text(note, style="yellow bold"))
    if view.methods:
        console.print(rich_table(view.methods, compact=True))
    plot = curves(result, width=min(console.width, 120), color=console.is_terminal)
    if plot:
        console.print(Text.from_ansi(plot))
    for table in view.tables:
        console.print(rich_table(table))
    if view.checksum:
        console.print(checksum_text(view.checksum))
    console.print(claims_text(view))


class LiveProgress:
    """A rich progress display fed by `Progress` events: one bar per method, with its latest
    loss and exact match. Use as a context manager and pass the instance as `on_progress`."""

    def __init__(self, console: Console):
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.running: set[str] = set()  # methods whose clock is still counting
        self.latest: dict[str, float] = {}

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish_others(keep=None)
        self.progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        # Methods train one after another: a new method's first event means the others are done
        # (some stop before their last step, at their target), so their clocks must stop too.
        self._finish_others(keep=event.method)
        if event.method not in self.tasks:
            part, method = split_key(event.method)
            label = f"{part}: {method}" if part else method
            self.tasks[event.method] = self.progress.add_task(
                label, total=event.total_steps, status=""
            )
        elif event.method not in self.running:
            self.progress.start_task(self.tasks[event.method])
        self.running.add(event.method)
        if "exact_match" in event.metrics:
            self.latest[event.method] = event.metrics["exact_match"]
        match = self.latest.get(event.method)
        status = f"loss {event.loss:.3f}" + (
            f"  exact {percent(match)}" if match is not None else ""
        )
        self.progress.update(self.tasks[event.method], completed=event.step, status=status)

    def _finish_others(self, keep: str | None) -> None:
        for method in [m for m in self.running if m != keep]:
            task_id = self.tasks[method]
            self.progress.stop_task(task_id)
            task = next(t for t in self.progress.tasks if t.id == task_id)
            if task.total is not None and task.completed < task.total:
                status = task.fields.get("status", "")
                self.progress.update(task_id, status=f"{status}  stopped early")
            self.running.discard(method)


def save_plot(result: LabResult, path: Path) -> Path:
    """The curves of every trained method, one column per part (matplotlib): a row for the
    training loss, then one per metric in `result.curve_metrics` (exact match by default)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts: dict[str, list[tuple[str, MethodResult]]] = {}
    for key, m in result.methods.items():
        if m.steps:
            part, method = split_key(key)
            parts.setdefault(part, []).append((method, m))
    metrics = list(result.curve_metrics or ["exact_match"])
    if "loss" not in metrics:
        metrics.insert(0, "loss")
    columns = max(1, len(parts))
    fig, axes = plt.subplots(
        len(metrics), columns, figsize=(5 * columns, 3 * len(metrics)), squeeze=False
    )
    for column, (part, methods) in enumerate(parts.items()):
        for row, metric in enumerate(metrics):
            ax = axes[row][column]
            for method, m in methods:
                points = [p for p in m.curve if p.get(metric) is not None]
                if points:
                    evaluated = metric != "loss" and len(points) < len(m.curve) / 2
                    ax.plot(
                        [p["step"] for p in points],
                        [p[metric] for p in points],
                        marker="o" if evaluated else None,
                        markersize=3,
                        label=method,
                    )
            title = _PLOT_TITLES.get(metric, metric.replace("_", " "))
            ax.set_title(f"{part}: {title}" if part else title)
            if (
                metric == "loss"
                and ax.lines
                and all(min(line.get_ydata()) > 0 for line in ax.lines)
            ):
                ax.set_yscale("log")
            if "exact_match" in metric:
                ax.set_ylim(0, 1.02)
            if row == len(metrics) - 1:
                ax.set_xlabel("step")
            if ax.lines:
                ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
    fig.suptitle(f"{result.lab} (seed {result.seed})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    from studykit.files import replace_atomically

    # Through a temporary file (named .tmp, so the format is given): a full disk must not
    # leave half a figure where the last one was.
    fmt = path.suffix.lstrip(".").lower() or "png"
    try:
        replace_atomically(path, lambda temp: fig.savefig(temp, dpi=120, format=fmt))
    finally:
        plt.close(fig)
    return path


_PLOT_TITLES = {"loss": "training loss", "exact_match": "held-out exact match"}
