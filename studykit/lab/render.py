"""Showing a `LabResult` in the terminal, for every lab: the methods table, the curves (plotext),
the lab's own tables, the base-model checksums and the claims. Also the live progress display
and the `--plot FILE.png` figure (matplotlib). Torch-free: it reads only `studykit.lab.results`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from studykit.lab.results import LabResult, MethodResult
from studykit.lab.results import Progress as ProgressEvent

CurvePoint = Mapping[str, float | None]  # one entry of `MethodResult.curve`


def split_key(key: str) -> tuple[str, str]:
    """ "skill/prompt-tuning" -> ("skill", "prompt tuning"); a key without a part -> ("", ...)."""
    part, _, method = key.rpartition("/")
    return part, method.replace("-", " ")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _to_target(m: MethodResult) -> str:
    if m.steps == 0:
        return "-"
    if m.steps_to_target is None:
        return "no"
    return f"{m.steps_to_target}/{m.seconds_to_target:.1f}s"


def _share(pct: float) -> str:
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.2f}%"


def methods_table(result: LabResult) -> Table:
    """One row per method (grouped under a heading per part): what trains, how well, how fast,
    how much memory."""
    target = next((m.extra["target"] for m in result.methods.values() if "target" in m.extra), None)
    table = Table(
        title="Methods",
        title_justify="left",
        header_style="bold underline",
        box=None,
        pad_edge=False,
        padding=(0, 1),
    )
    table.add_column("method", no_wrap=True)
    for name in [
        "trains",
        "%",
        "before",
        "after",
        "steps",
        f"to {target:.0%}" if target is not None else "to target",
        "ms/step",
        "MB",
    ]:
        table.add_column(name, justify="right", no_wrap=True)
    previous_part = ""
    for key, m in result.methods.items():
        part, method = split_key(key)
        if part != previous_part:
            table.add_row(Text(part, style="bold"))
            previous_part = part
        table.add_row(
            ("  " if part else "") + method,
            f"{m.trainable_params:,}",
            _share(m.trainable_pct),
            _pct(m.exact_match_before),
            _pct(m.exact_match_after),
            str(m.steps),
            _to_target(m),
            f"{m.ms_per_step:.1f}" if m.steps else "-",
            f"{m.peak_rss_mb:.0f}",
        )
    table.caption = (
        "before/after: exact match on the held-out set; to target: steps/seconds; "
        "MB: peak resident memory"
    )
    table.caption_justify = "left"
    return table


def lab_tables(result: LabResult) -> list[Table]:
    """The lab-specific tables: `tables[name] = {"columns": [...], "rows": [[...], ...]}`."""
    out = []
    for name, spec in result.tables.items():
        if not isinstance(spec, dict) or "columns" not in spec:
            continue
        table = Table(title=name, title_justify="left", header_style="bold")
        for column in spec["columns"]:
            table.add_column(str(column))
        for row in spec.get("rows", []):
            table.add_row(*(_cell(v) for v in row))
        if spec.get("note"):  # a sentence on how to read the table
            table.caption, table.caption_justify = str(spec["note"]), "left"
        out.append(table)
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def checksum_lines(result: LabResult) -> Text:
    before, after = result.base_checksum_before, result.base_checksum_after
    text = Text("Base model sha256  before ", style="bold")
    text.append(before[:16] or "-")
    text.append("…  after ")
    text.append(after[:16] or "-")
    text.append("…  ")
    if before and after:
        same = before == after
        text.append("identical" if same else "CHANGED", style="green" if same else "red bold")
    return text


def claims_text(result: LabResult) -> Text:
    text = Text("Claims checked on this run\n", style="bold")
    for claim in result.claims:
        text.append("  ✓ " if claim.holds else "  ✗ ", style="green" if claim.holds else "red")
        text.append(claim.text + "\n")
    if not result.claims:
        text.append("  (none: the run stopped before they could be checked)\n")
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
    """Print everything a lab measured, in reading order."""
    header = Text(title or result.lab, style="bold")
    header.append(f"   model {result.model}   seed {result.seed}", style="dim")
    console.print(header)
    if result.interrupted:
        console.print(
            Text("Interrupted: showing what was measured before the stop.", style="yellow bold")
        )
    console.print(methods_table(result))
    plot = curves(result, width=min(console.width, 120), color=console.is_terminal)
    if plot:
        console.print(Text.from_ansi(plot))
    for table in lab_tables(result):
        console.print(table)
    console.print(checksum_lines(result))
    console.print(claims_text(result))
    console.print(Text(f"Wall time {result.wall_seconds:.1f}s", style="dim"))


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
        status = f"loss {event.loss:.3f}" + (f"  exact {_pct(match)}" if match is not None else "")
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
