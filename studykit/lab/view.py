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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from studykit.lab.results import LabResult, MethodResult

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
class ResultView:
    title: str
    facts: tuple[Fact, ...]  # model, seed, device and dtype when known, wall time
    notes: tuple[str, ...]  # said before the tables, e.g. that the run was interrupted
    methods: TableView | None  # None when the lab trained or scored no method
    tables: tuple[TableView, ...]  # the lab's own, in the order the lab made them
    checksum: ChecksumView | None
    claims: tuple[ClaimLine, ...]
    claims_title: str = "Claims checked on this run"
    no_claims: str = "(none: the run stopped before they could be checked)"

    @property
    def all_tables(self) -> tuple[TableView, ...]:
        return ((self.methods,) if self.methods else ()) + self.tables


def result_view(result: LabResult, title: str = "") -> ResultView:
    """Everything a finished (or stopped) run shows, in reading order."""
    notes = (
        ("Interrupted: showing what was measured before the stop.",) if result.interrupted else ()
    )
    return ResultView(
        title=title or result.lab,
        facts=header_facts(result),
        notes=notes,
        methods=methods_table(result),
        tables=lab_tables(result),
        checksum=checksum_view(result),
        claims=tuple(ClaimLine(claim.holds, claim.text) for claim in result.claims),
    )


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
    parts: dict[str, list[tuple[str, MethodResult]]] = {}
    for key, m in result.methods.items():
        part, method = split_key(key)
        parts.setdefault(part, []).append((method, m))
    rows: list[Row] = []
    for part, methods in parts.items():
        if part:
            rows.append(Row((part,) + ("",) * (len(columns) - 1), heading=True))
        rows += [_method_row(part, method, m) for method, m in methods]
    return TableView("Methods", columns, tuple(rows), METHODS_NOTE)


def _method_row(part: str, method: str, m: MethodResult) -> Row:
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
        )
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
    return TableView(str(name), tuple(columns), tuple(Row(tuple(row)) for row in rows), note)


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
