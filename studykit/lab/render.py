"""Showing a `LabResult` in the terminal, for every lab: the methods table, the curves (plotext),
the lab's own tables, the base-model checksums and the claims. What they say comes from
`studykit.lab.view`, which the TUI draws too; this module only draws it with rich. Also the live
progress display and the `--plot FILE.png` figure (matplotlib). Torch-free.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from studykit.lab.results import LabResult, MethodResult
from studykit.lab.results import Progress as ProgressEvent
from studykit.lab.view import (
    LEGEND_GAP,
    ChecksumView,
    Panel,
    ResultView,
    TableView,
    curve_panels,
    highlighted,
    legend_rows,
    percent,
    result_view,
    split_key,
)

if TYPE_CHECKING:
    from studykit.lab.catalog import LabSpec

CurvePoint = Mapping[str, float | None]  # one entry of `MethodResult.curve`


def rich_table(view: TableView, compact: bool = False, highlight: Collection[str] = ()) -> Table:
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
    for index, column in enumerate(view.columns):
        # A figure column keeps its width (its header may wrap above it); a text column wraps
        # at spaces, and folds a longer word rather than cut it. `table_renderable` stacks a
        # table whose figures alone are too wide.
        figures = column.align == "right"
        table.add_column(
            column.name,
            justify=column.align,
            no_wrap=compact or figures,
            overflow="fold",
            min_width=_figure_width(view, index) if figures else None,
        )
    for row in view.rows:
        if row.heading:
            table.add_row(*(Text(cell, style="bold") for cell in row.cells))
        else:  # Text: a cell is never markup
            style = "reverse bold" if highlighted(row, highlight) else ""
            table.add_row(*(Text(cell, style=style) for cell in row.cells))
    if view.note:  # a sentence on how to read the table
        table.caption, table.caption_justify = view.note, "left"
    return table


def _figure_width(view: TableView, index: int) -> int:
    """The widest figure of a column, or its header's longest word if wider."""
    words = [len(word) for word in view.columns[index].name.split()] or [0]
    return max([*words, *(len(row.cells[index]) for row in view.rows)])


def narrowest_width(view: TableView, compact: bool = False) -> int:
    """The least width the table needs with no figure cut: every cell whole on one line in a
    compact table; elsewhere, text columns wrapped down to their longest word. One blank
    column between cells."""
    widths = []
    for index, column in enumerate(view.columns):
        cells = [column.name, *(row.cells[index] for row in view.rows)]
        if compact:
            widths.append(max(len(cell) for cell in cells))
        elif column.align == "right":
            widths.append(_figure_width(view, index))
        else:
            widths.append(max((len(word) for cell in cells for word in cell.split()), default=0))
    return sum(widths) + len(widths) - 1


def stacked_text(view: TableView, highlight: Collection[str] = ()) -> Text:
    """A table too wide for the terminal, one row after another: its first cell, then each
    other cell after its column's name ("after 97.5%"), wrapped at spaces between them, so no
    figure is cut or split ("-0.1…", "meth…")."""
    text = Text(view.title + "\n", style="bold")
    for row in view.rows:
        if row.heading:
            text.append(row.cells[0].strip() + "\n", style="bold")
            continue
        style = "reverse bold" if highlighted(row, highlight) else "bold"
        text.append(row.cells[0].rstrip(), style=style)
        for column, value in zip(view.columns[1:], row.cells[1:], strict=False):
            if value.strip():
                # A no-break space keeps a column's name on the line of its value.
                name = column.name.replace(" ", "\u00a0") + "\u00a0"
                name = "" if column.name in ("", "%") else name
                text.append("  ")
                text.append(name, style="dim")
                text.append(value.replace(" ", "\u00a0") if _is_short(value) else value)
        text.append("\n")
    if view.note:
        text.append(view.note + "\n", style="dim italic")
    return text


def _is_short(value: str) -> bool:
    return len(value) <= 12  # a figure with its unit ("2.0 KB"); longer text may wrap


def table_renderable(
    view: TableView, width: int, compact: bool = False, highlight: Collection[str] = ()
) -> Table | Text:
    """The table as a grid when it fits `width` columns, else stacked (`stacked_text`)."""
    if narrowest_width(view, compact) > width:
        return stacked_text(view, highlight)
    return rich_table(view, compact=compact, highlight=highlight)


def checksum_text(view: ChecksumView) -> Text:
    text = Text(f"{view.label}  before ", style="bold")
    text.append(f"{view.before}  after {view.after}  ")
    if view.same is not None:
        text.append(view.verdict, style="green" if view.same else "red bold")
    return text


def claims_text(view: ResultView) -> Text:
    """The findings, then the invariants apart (a ✗ there is a bug, drawn louder)."""
    text = Text(view.findings_title + "\n", style="bold")
    for claim in view.findings:
        text.append(f"  {claim.mark} ", style="green" if claim.holds else "red")
        text.append(claim.text + "\n")
    if not view.claims:
        text.append(f"  {view.no_claims}\n")
    if view.invariants:
        text.append(view.invariants_title + "\n", style="bold")
        for claim in view.invariants:
            text.append(f"  {claim.mark} ", style="dim green" if claim.holds else "red bold")
            text.append(claim.text + "\n", style="" if claim.holds else "red bold")
    return text


def observations_text(view: ResultView) -> Text:
    """The observables this run measured (empty when the lab declares none)."""
    if not view.observations:
        return Text()
    text = Text(view.observations_title + "\n", style="bold")
    for line in view.observations:
        text.append(f"  {line.label}: ")
        text.append(line.value, style="bold" if line.measured else "dim")
        if line.detail:
            text.append(f"  ({line.detail})", style="dim")
        text.append("\n")
    return text


def header_text(view: ResultView) -> Text:
    text = Text(view.title, style="bold")
    for fact in view.facts:
        text.append(f"   {fact.label} {fact.value}", style="dim")
    return text


def draw_panel(plt: Any, panel: Panel, color: bool = True) -> None:
    """Draw `panel` on a plotext figure `plt` (the CLI's plotext, or a TUI widget's): its
    lines without plotext's legend, which covers the data; the caller draws the legend
    (`legend_text`) under it. With colour, fine braille lines in the legend's colours; without,
    a distinct marker per line."""
    plt.title(panel.title)
    for series in panel.series:
        options = (
            {"marker": "braille", "color": rgb(series.color)}
            if color
            else {"marker": series.marker}
        )
        plt.plot(list(series.steps), list(series.values), **options)
    if panel.ylim:
        plt.ylim(*panel.ylim)
    plt.xticks(list(panel.xticks))
    plt.xlabel("step")


def rgb(color: str) -> tuple[int, int, int]:
    """ "#4477AA" -> (68, 119, 170), as plotext takes a colour that is not one of its names."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


# A legend entry's key: with colour a bar of the line's colour, without it the line's marker;
# both as wide, so the legend is laid out alike (two entries of 17 letters fit 37 columns).
SWATCH = "━ "


def legend_text(panel: Panel, color: bool = True, width: int = 80) -> Text:
    """The panel's legend in columns that fit `width`, one entry per line drawn, each entry
    whole on one line: "━ prompt tuning  ━ prefix tuning"."""
    text = Text(no_wrap=True)
    key = len(SWATCH)
    for number, row in enumerate(legend_rows([s.label for s in panel.series], width, key)):
        if number:
            text.append("\n")
        for column, (index, label) in enumerate(row):
            series = panel.series[index]
            if column:
                text.append(" " * LEGEND_GAP)
            if color:
                text.append(SWATCH, style=series.color)
            else:
                text.append(f"{series.marker} ")
            text.append(label)
    return text


def curves(result: LabResult, width: int = 100, height: int = 12, color: bool = True) -> Any:
    """The run's curves as rich draws them: the panels of `studykit.lab.view.curve_panels`
    (a row per metric, a panel per part, at most four lines each), as many side by side as
    fit 40 columns each, each with its legend underneath. None when nothing was curved."""
    import plotext as plt

    made = curve_panels(result)
    if not made:
        return None
    across = max(1, min(len(made), width // 40))
    grid = Table.grid(padding=(0, 1))
    for _ in range(across):
        grid.add_column()
    cells = []
    for panel in made:
        plt.clear_figure()
        plt.plot_size(width // across - 1, height)
        draw_panel(plt, panel, color)
        # On the terminal's own background, like the legend under it (plotext's default is a
        # white box, on which the lines' colours read otherwise than the legend's swatches).
        plt.theme("clear")
        plot = Text.from_ansi(plt.build().rstrip())  # without the blank line plotext ends with
        cells.append(Group(plot, legend_text(panel, color, width // across - 1)))
    for i in range(0, len(cells), across):
        row = cells[i : i + across]
        grid.add_row(*row, *([""] * (across - len(row))))
    return grid


def render(
    result: LabResult,
    console: Console,
    title: str = "",
    spec: LabSpec | None = None,
    highlight: Collection[str] = (),
) -> None:
    """Print everything a lab measured, in reading order (`studykit.lab.view` decides what).
    `spec` types the observables; `highlight` names method keys whose rows stand out."""
    view = result_view(result, title, spec)
    console.print(header_text(view))
    for note in view.notes:
        console.print(Text(note, style="yellow bold"))
    if view.methods:
        console.print(table_renderable(view.methods, console.width, True, highlight))
    # Colour only on a terminal that shows it (NO_COLOR too): else each line's own marker.
    color = console.is_terminal and not console.no_color
    plot = curves(result, width=min(console.width, 120), color=color)
    if plot is not None:
        console.print(plot)
    for table in view.tables:
        console.print(table_renderable(table, console.width, highlight=highlight))
    if view.checksum:
        console.print(checksum_text(view.checksum))
    console.print(claims_text(view))
    if view.observations:
        console.print(observations_text(view))


NARROW_PROGRESS = 100  # columns below which the live progress has no bar


class LiveProgress:
    """A rich progress display fed by `Progress` events: one row per method, with its latest
    loss and exact match. Use as a context manager and pass the instance as `on_progress`."""

    def __init__(self, console: Console, stopped: Callable[[], bool] | None = None):
        """`stopped` says whether the learner asked the run to stop (Ctrl-C), so that a method
        cut short says why: "stopped by you", "target reached" or "not finite"."""
        # Every column but the status keeps its width; the status wraps at spaces onto a
        # second line rather than cut a figure ("stopped early: target rea…"). Below 100
        # columns the bar is dropped: the steps column says as much.
        whole = Column(no_wrap=True)
        columns: list[Any] = [TextColumn("{task.description}", table_column=whole)]
        if console.width >= NARROW_PROGRESS:
            columns.append(BarColumn(bar_width=20))
        columns += [
            TextColumn("{task.completed}/{task.total}", table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[status]}", table_column=Column(ratio=1, overflow="fold")),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
        ]
        self.progress = Progress(*columns, console=console, transient=False, expand=True)
        self.tasks: dict[str, Any] = {}
        self.running: set[str] = set()  # methods whose clock is still counting
        self.latest: dict[str, float] = {}
        self.stopped = stopped
        self.broken: set[str] = set()  # methods whose last loss was not finite

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
        if math.isfinite(event.loss):
            self.broken.discard(event.method)
        else:
            self.broken.add(event.method)
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
                why = self._why_early(method, at_exit=keep is None)
                self.progress.update(task_id, status=f"{status}  stopped early: {why}")
            self.running.discard(method)

    def _why_early(self, method: str, at_exit: bool) -> str:
        """Training stops before its last step on a loss that is not finite, on the learner's
        Ctrl-C (the lab then skips the rest, so only the last method), or at its target."""
        if method in self.broken:
            return "loss not finite"
        if at_exit and self.stopped is not None and self.stopped():
            return "stopped by you"
        return "target reached"


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
