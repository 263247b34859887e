"""What a finished lab run shows, as plain data that both front ends draw: the CLI with rich
(`lab/render.py`), the TUI with Textual widgets (`tui/screens/lab.py`).

Every choice of what to show and how a figure reads is made here, once: which columns the
methods table has, how a share or an exact match is written (`100%`, never `1e+02%`), the
grouping of methods under their part, the lab's own tables, the checksums and the claims. The
front ends only pick colours and widgets, so the same run shows the same figures in both.
Torch-free and UI-free: it reads only `studykit.lab.results`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from studykit.lab.results import LabResult, MethodResult

if TYPE_CHECKING:
    from studykit.lab.catalog import LabSpec

Align = Literal["left", "right"]

BLANK = "-"  # a figure that does not apply (an untrained method's ms/step) or was not finite


@dataclass(frozen=True)
class Column:
    name: str
    align: Align = "left"


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]  # already formatted, one per column
    heading: bool = False  # a part's name above its methods ("skill", "new"), drawn bold
    key: str = ""  # the method key the row shows ("skill/prompt-tuning"), to highlight it


def highlighted(row: Row, keys: Collection[str]) -> bool:
    """Whether `row` shows one of `keys` (method keys such as "skill/prompt-tuning"; a lab's own
    table may name the method without its part)."""
    if not row.key or row.heading or not keys:
        return False
    return row.key in keys or any(key.rpartition("/")[2] == row.key for key in keys)


@dataclass(frozen=True)
class TableView:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""  # how to read the table, drawn under it


@dataclass(frozen=True)
class Fact:
    """One item of the header line, e.g. ("seed", "0")."""

    label: str
    value: str


@dataclass(frozen=True)
class ChecksumView:
    """The base model's sha256 before and after the run, shortened, and whether they match."""

    before: str
    after: str
    same: bool | None  # None when one side was not measured (a run stopped while loading)
    label: str = "Base model sha256"

    @property
    def verdict(self) -> str:
        return {True: "identical", False: "CHANGED", None: ""}[self.same]


@dataclass(frozen=True)
class ClaimLine:
    holds: bool
    text: str

    @property
    def mark(self) -> str:
        return "✓" if self.holds else "✗"


@dataclass(frozen=True)
class ObservationLine:
    """One observable as this run measured it: "winner on new task: prompt-tuning (97% vs 41%)"."""

    name: str  # the spec's name, e.g. "winner_on_new_task"
    value: str  # formatted by the observable's type; NOT_MEASURED when the run did not get there
    detail: str  # the numbers behind it
    help: str = ""  # the spec's one line on what is measured
    measured: bool = True

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class ResultView:
    title: str
    facts: tuple[Fact, ...]  # model, seed, device and dtype when known, wall time
    notes: tuple[str, ...]  # said before the tables, e.g. that the run was interrupted
    methods: TableView | None  # None when the lab trained or scored no method
    tables: tuple[TableView, ...]  # the lab's own, in the order the lab made them
    checksum: ChecksumView | None
    findings: tuple[ClaimLine, ...]  # could have come out otherwise: what the lab teaches
    invariants: tuple[ClaimLine, ...]  # true by construction: a ✗ is a bug, not a result
    observations: tuple[ObservationLine, ...] = ()
    findings_title: str = "Findings on this run"
    invariants_title: str = "Invariants (true by construction; a ✗ is a bug)"
    observations_title: str = "Measured (what predict cards are graded against)"
    no_claims: str = "(none: the run stopped before they could be checked)"

    @property
    def claims(self) -> tuple[ClaimLine, ...]:
        return self.findings + self.invariants

    @property
    def all_tables(self) -> tuple[TableView, ...]:
        return ((self.methods,) if self.methods else ()) + self.tables


def result_view(result: LabResult, title: str = "", spec: LabSpec | None = None) -> ResultView:
    """Everything a finished (or stopped) run shows, in reading order. `spec` (the lab's)
    gives the observables' types and help; without it a value is shown as its type reads."""
    stopped = "Stopped by the learner: showing what was measured before the stop."
    notes = (stopped,) if result.interrupted else ()
    return ResultView(
        title=title or result.lab,
        facts=header_facts(result),
        notes=notes,
        methods=methods_table(result),
        tables=lab_tables(result),
        checksum=checksum_view(result),
        findings=tuple(ClaimLine(c.holds, c.text) for c in result.findings),
        invariants=tuple(ClaimLine(c.holds, c.text) for c in result.invariants),
        observations=observation_lines(result, spec),
    )


def observation_lines(
    result: LabResult, spec: LabSpec | None = None
) -> tuple[ObservationLine, ...]:
    """The run's observables in the spec's order (then any the spec does not name)."""
    declared = dict(spec.observables) if spec is not None else {}
    names = [*declared, *(name for name in result.observables if name not in declared)]
    lines = []
    for name in names:
        observation = result.observables.get(name)
        kind = declared[name].type if name in declared else None
        value = None if observation is None else observation.value
        lines.append(
            ObservationLine(
                name,
                NOT_MEASURED if value is None else observed_value(value, kind),
                observation.detail if observation is not None else "",
                declared[name].help if name in declared else "",
                measured=value is not None,
            )
        )
    return tuple(lines)


def observed_value(value: Any, kind: str | None = None) -> str:
    """A measured value as its observable's type reads: "97.5%", "512", "0.031", "a > b"."""
    if isinstance(value, list | tuple):
        return " > ".join(str(item) for item in value)  # an order, best first
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.1f}%"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)


def header_facts(result: LabResult) -> tuple[Fact, ...]:
    facts = [Fact("model", result.model), Fact("seed", str(result.seed))]
    # Where it ran, when the run says so (a result built without a model leaves them empty).
    facts += [
        Fact(name, value)
        for name, value in (("device", result.device), ("dtype", result.dtype))
        if value
    ]
    facts.append(Fact("wall time", f"{result.wall_seconds:.1f}s"))
    return tuple(facts)


# -- the methods table ---------------------------------------------------------------------------


def split_key(key: str) -> tuple[str, str]:
    """ "skill/prompt-tuning" -> ("skill", "prompt tuning"); a key without a part -> ("", ...)."""
    part, _, method = key.rpartition("/")
    return part, method.replace("-", " ")


def percent(fraction: float | None) -> str:
    """An exact match (a fraction of 1) as a percentage: 0.953 -> "95.3%"."""
    return BLANK if fraction is None else f"{100 * fraction:.1f}%"


def share(pct: float) -> str:
    """A share of the model already in percent: "100%", "25%", "0.25%" (small ones need digits)."""
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.2f}%"


def to_target(m: MethodResult) -> str:
    """steps/seconds to the target exact match; "no" if a trained method never got there."""
    if m.steps == 0:
        return BLANK
    if m.steps_to_target is None:
        return "no"
    seconds = f"{m.seconds_to_target:.1f}s" if m.seconds_to_target is not None else "?"
    return f"{m.steps_to_target}/{seconds}"


METHODS_NOTE = (
    "before/after: exact match on the held-out set; to target: steps/seconds; "
    "MB: peak resident memory"
)


def methods_table(result: LabResult) -> TableView | None:
    """One row per method, under a heading row per part: what trains, how well, how fast, how
    much memory."""
    if not result.methods:
        return None
    target = next((m.extra["target"] for m in result.methods.values() if "target" in m.extra), None)
    names = ["trains", "%", "before", "after", "steps"]
    names += [f"to {target:.0%}" if isinstance(target, float | int) else "to target"]
    names += ["ms/step", "MB"]
    columns = (Column("method"), *(Column(name, "right") for name in names))
    # Each part once, in the order parts first appear; a lab may train them out of order (its
    # baselines for every part first, then the tuned methods).
    parts: dict[str, list[tuple[str, str, MethodResult]]] = {}
    for key, m in result.methods.items():
        part, method = split_key(key)
        parts.setdefault(part, []).append((key, method, m))
    rows: list[Row] = []
    for part, methods in parts.items():
        if part:
            rows.append(Row((part,) + ("",) * (len(columns) - 1), heading=True))
        rows += [_method_row(part, method, key, m) for key, method, m in methods]
    return TableView("Methods", columns, tuple(rows), METHODS_NOTE)


def _method_row(part: str, method: str, key: str, m: MethodResult) -> Row:
    return Row(
        (
            ("  " if part else "") + method,
            f"{m.trainable_params:,}",
            share(m.trainable_pct),
            percent(m.exact_match_before),
            percent(m.exact_match_after),
            str(m.steps),
            to_target(m),
            f"{m.ms_per_step:.1f}" if m.steps else BLANK,
            f"{m.peak_rss_mb:.0f}",
        ),
        key=key,
    )


# -- the lab's own tables ------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A lab table's cell as text. Labs mostly format their own figures; a bare float gets
    three decimals, and None (a value that was not finite: JSON has no NaN) a dash."""
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# A figure as labs write it: -0.03574, 1,280, 6.703e-02, 99.9%, 2.0 KB, 7.42 ms, 4×64 is not one.
_FIGURE = re.compile(r"[-+−]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][-+]?\d+)?( ?(%|B|KB|MB|GB|ms|s))?")
_NOT_A_VALUE = {"", "-", "—"}


def _is_figure(text: str) -> bool:
    return bool(_FIGURE.fullmatch(text.strip()))


def lab_tables(result: LabResult) -> tuple[TableView, ...]:
    """The lab-specific tables, `tables[name] = {"columns": [...], "rows": [[...]], "note": "..."}`.
    A column of figures is right-aligned, so their digits line up."""
    return tuple(
        lab_table(name, spec)
        for name, spec in result.tables.items()
        if isinstance(spec, Mapping) and "columns" in spec
    )


def lab_table(name: str, spec: Mapping[str, Any]) -> TableView:
    names = [str(column) for column in spec["columns"]]
    raw_rows: Sequence[Sequence[Any]] = spec.get("rows") or []
    rows = [[cell(value) for value in row] for row in raw_rows]
    width = max([len(names), *(len(row) for row in rows)])
    names += [""] * (width - len(names))  # a row longer than the header loses nothing
    rows = [row + [""] * (width - len(row)) for row in rows]
    columns = []
    for index, column_name in enumerate(names):
        values = [row[index] for row in rows if row[index].strip() not in _NOT_A_VALUE]
        figures = bool(values) and all(_is_figure(value) for value in values)
        columns.append(Column(column_name, "right" if figures else "left"))
    note = str(spec.get("note") or "")
    # A row whose first cell names a method ("skill/prompt-tuning" or "prompt-tuning") can be
    # highlighted by that name; `row_keys` in the table's spec names them when it does not.
    keys = list(spec.get("row_keys") or [row[0] if row else "" for row in rows])
    keys += [""] * (len(rows) - len(keys))
    return TableView(
        str(name),
        tuple(columns),
        tuple(Row(tuple(row), key=str(key)) for row, key in zip(rows, keys, strict=False)),
        note,
    )


# -- checksums -----------------------------------------------------------------------------------


def checksum_view(result: LabResult) -> ChecksumView | None:
    before, after = result.base_checksum_before, result.base_checksum_after
    if not (before or after):
        return None

    def short(digest: str) -> str:
        return f"{digest[:16]}…" if digest else BLANK

    return ChecksumView(
        short(before), short(after), (before == after) if before and after else None
    )


# -- live figures and curves ---------------------------------------------------------------------

METRIC_TITLES = {"exact_match": "exact match", "loss": "training loss"}


def metric_title(metric: str) -> str:
    return METRIC_TITLES.get(metric, metric.replace("_", " "))


def metric_text(metric: str, value: float) -> str:
    """A live metric as the status line writes it: "exact match 75.0%", "loss 0.123"."""
    if metric == "exact_match" or metric.endswith("accuracy"):
        return f"{metric_title(metric)} {percent(value)}"
    return f"{metric_title(metric)} {value:.3g}"


MAX_SERIES = 4  # lines in one panel; a part with more is split over several panels
# A style per method of the run, the same in every panel it is drawn in: a colour and, for a
# terminal without colour, a marker. Colours are written out (Paul Tol's "bright" scheme, told
# apart with colour blindness, on dark and light backgrounds) because ANSI names are remapped
# by each library's theme: Textual drew "blue" lines purple under a pure-blue legend swatch.
COLORS = ("#4477AA", "#EE6677", "#228833", "#AA3377", "#66CCEE", "#CCBB44")
MARKERS = ("•", "+", "x", "o", "*", "#")  # one per colour


@dataclass(frozen=True)
class Series:
    key: str  # the method key, "skill/prompt-tuning"
    label: str  # "prompt tuning"
    steps: tuple[float, ...]
    values: tuple[float, ...]
    marker: str
    color: str


@dataclass(frozen=True)
class Panel:
    """One chart: at most MAX_SERIES lines of one metric; its legend is drawn beside or under
    it, never over the data."""

    title: str
    metric: str
    series: tuple[Series, ...]
    xticks: tuple[int, ...]  # whole steps
    ylim: tuple[float, float] | None = None  # exact match: 0-1; otherwise the data's own

    @property
    def shape(self) -> tuple[str, tuple[str, ...]]:
        """What a redraw can keep: the same title and lines (only their points grew)."""
        return self.title, tuple(series.key for series in self.series)


Line = tuple[str, Sequence[float], Sequence[float]]  # method key, steps, values


def styles(keys: Sequence[str]) -> dict[str, int]:
    """Each method's style (an index into COLORS and MARKERS), by its name without the part:
    "skill/prompt-tuning" and "new/prompt-tuning" are one method, drawn alike. `keys` are the
    run's plotted methods in the order they trained, so a style never changes as lines come."""
    slots: dict[str, int] = {}
    for key in keys:
        slots.setdefault(split_key(key)[1], len(slots) % len(COLORS))
    return slots


def panels(metric: str, lines: Sequence[Line], order: Sequence[str] = ()) -> list[Panel]:
    """`lines` of one metric as panels: one per part ("skill", "new"), at most MAX_SERIES
    lines each (a part with more gets a second panel, "skill (2/2)"). No panel without data.
    `order` lists every plotted method key of the run (all metrics), so that a method has the
    same colour in each panel; without it, the order of `lines`."""
    slots = styles([*order, *(line[0] for line in lines)])
    groups: dict[str, list[Line]] = {}
    for line in lines:
        if line[1]:
            groups.setdefault(split_key(line[0])[0], []).append(line)
    made = []
    for part, members in groups.items():
        count = -(-len(members) // MAX_SERIES)  # panels needed; the lines shared out evenly
        size = -(-len(members) // count)
        chunks = [members[i : i + size] for i in range(0, len(members), size)]
        for number, chunk in enumerate(chunks, start=1):
            title = f"{part}: {metric_title(metric)}" if part else metric_title(metric)
            if len(chunks) > 1:
                title += f" ({number}/{len(chunks)})"
            styled = _distinct([slots[split_key(key)[1]] for key, _, _ in chunk])
            series = tuple(
                Series(key, split_key(key)[1], *thinned(steps, values), MARKERS[i], COLORS[i])
                for i, (key, steps, values) in zip(styled, chunk, strict=True)
            )
            last = max(max(s.steps) for s in series)
            ylim = (0.0, 1.0) if metric == "exact_match" or metric.endswith("accuracy") else None
            made.append(Panel(title, metric, series, step_ticks(last), ylim))
    return made


def _distinct(slots: list[int]) -> list[int]:
    """A panel's styles made distinct: a run with more methods than colours reuses them, so
    two lines of one panel could share one; the later line then takes a style still free."""
    taken: list[int] = []
    for slot in slots:
        if slot in taken:
            slot = next(free for free in range(len(COLORS)) if free not in taken)
        taken.append(slot)
    return taken


LEGEND_GAP = 2  # spaces between two legend entries on one line


def legend_rows(labels: Sequence[str], width: int, key: int) -> list[list[tuple[int, str]]]:
    """A legend laid out in columns to fit `width`: each entry is a key (`key` columns wide:
    a colour swatch or a marker, and a space) and its label, and never breaks between lines.
    The most columns that fit, filled row by row; a label is padded to its column's width,
    or cut with "…" if even alone it does not fit. Rows of (series index, label as shown)."""
    if not labels:
        return []
    room = max(2, width - key)
    shown = [label if len(label) <= room else label[: room - 1] + "…" for label in labels]
    for across in range(len(shown), 0, -1):
        columns = [shown[start::across] for start in range(across)]
        widths = [key + max(len(label) for label in column) for column in columns]
        if across == 1 or sum(widths) + LEGEND_GAP * (across - 1) <= width:
            break
    rows = []
    for start in range(0, len(shown), across):
        row = []
        for column, index in enumerate(range(start, min(start + across, len(shown)))):
            last = column == across - 1 or index == len(shown) - 1
            row.append((index, shown[index] if last else shown[index].ljust(widths[column] - key)))
        rows.append(row)
    return rows


MAX_POINTS = 120  # a line's points drawn: more than a terminal panel shows, and plotting is slow


def thinned(
    steps: Sequence[float], values: Sequence[float], most: int = MAX_POINTS
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """At most `most` evenly spaced points of a line, its first and last always among them:
    the time to draw a panel grows with its points, and a panel is under 80 columns wide."""
    if len(steps) <= most:
        return tuple(steps), tuple(values)
    picks = sorted({round(i * (len(steps) - 1) / (most - 1)) for i in range(most)})
    return tuple(steps[i] for i in picks), tuple(values[i] for i in picks)


def step_ticks(last: float, count: int = 5) -> tuple[int, ...]:
    """About `count` whole-number ticks from 0 to `last`, at a round spacing (1, 2, 5, 10, 20…)."""
    top = max(1, int(last))
    spacing = 1
    while top / spacing > count:
        for factor in (2, 2.5, 2):  # 1, 2, 5, 10, 20, 50, ...
            spacing = int(spacing * factor)
            if top / spacing <= count:
                break
    return tuple(range(0, top + 1, spacing))


def curve_panels(result: LabResult) -> list[Panel]:
    """The finished run's curves: a row of panels per metric in `result.curve_metrics`, a line
    per trained method with at least two points; a method's colour is the same in each."""
    by_metric: dict[str, list[Line]] = {}
    for metric in result.curve_metrics or ["exact_match"]:
        lines = by_metric.setdefault(metric, [])
        for key, m in result.methods.items():
            points = [p for p in m.curve if p.get(metric) is not None]
            if m.steps and len(points) > 1:
                lines.append(
                    (key, [p["step"] or 0 for p in points], [p[metric] or 0 for p in points])
                )
    plotted = {line[0] for lines in by_metric.values() for line in lines}
    order = [key for key in result.methods if key in plotted]
    return [panel for metric, lines in by_metric.items() for panel in panels(metric, lines, order)]
