"""What a lab run reports while it runs and when it ends. Plain dataclasses, no torch.

The training loop emits `Progress` events to a callback; the CLI renders them as a rich progress
bar and live table, the TUI as a progress bar and a live curve. Both get the same `LabResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Progress:
    """One training step of one method (or one phase of a lab that does not train)."""

    method: str  # e.g. "prompt-tuning"
    step: int  # 1-based
    total_steps: int
    loss: float
    metrics: dict[str, float] = field(default_factory=dict)  # e.g. {"exact_match": 0.75}
    elapsed: float = 0.0  # seconds since this method started


@dataclass(frozen=True)
class Claim:
    """A statement the lab checked on this run; `holds` is computed, never written by hand.

    A "finding" could have come out otherwise on another run (it is what the lab teaches); an
    "invariant" is true by construction (shapes, checksums, counts) and is shown apart, so a ✓
    that could not have been ✗ never reads as evidence."""

    text: str
    holds: bool
    kind: str = "finding"  # "finding" | "invariant"


@dataclass(frozen=True)
class Observation:
    """What this run measured for one of the spec's observables (what a learner can predict).

    `value` is typed by the spec: a str for `choice`, an int, a float, a percentage in 0-100 for
    `percent`, a list of the spec's values, best first, for `order`; None when the run stopped
    before measuring it. `detail` gives the numbers behind the value; `rows` the method keys
    whose table rows show them (the front ends highlight those)."""

    value: Any
    detail: str = ""
    rows: tuple[str, ...] = ()

    @property
    def measured(self) -> bool:
        return self.value is not None


@dataclass
class MethodResult:
    trainable_params: int
    trainable_pct: float
    exact_match_before: float
    exact_match_after: float
    steps: int
    seconds: float
    ms_per_step: float
    peak_rss_mb: float
    steps_to_target: int | None = None
    seconds_to_target: float | None = None
    # [{"step", "loss", ...}]; None where a value was not finite (JSON has no NaN). Read-only
    # types, so that a lab's own list[dict[str, float]] is accepted as it is.
    curve: Sequence[Mapping[str, float | None]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LabResult:
    lab: str
    seed: int
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    device: str = ""  # where torch ran, e.g. "cpu" or "cuda"
    dtype: str = ""  # the base model's precision, e.g. "float32"
    methods: dict[str, MethodResult] = field(default_factory=dict)
    base_checksum_before: str = ""
    base_checksum_after: str = ""
    claims: list[Claim] = field(default_factory=list)
    observables: dict[str, Observation] = field(default_factory=dict)  # by the spec's names
    tables: dict[str, Any] = field(default_factory=dict)  # lab-specific figures
    wall_seconds: float = 0.0
    interrupted: bool = False
    # Which curve keys the terminal plot draws, one row of panels each (e.g. ["loss", ...]).
    curve_metrics: list[str] = field(default_factory=lambda: ["exact_match"])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def findings(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.kind == "finding"]

    @property
    def invariants(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.kind == "invariant"]

    def measured_anything(self) -> bool:
        """False only for a run stopped before it measured a thing: no method trained a step or
        was scored untrained (a baseline), and no table has a row. Such a run is not kept."""
        methods = any(m.steps or not m.trainable_params for m in self.methods.values())
        tables = any(isinstance(t, dict) and t.get("rows") for t in self.tables.values())
        return methods or tables


ProgressCallback = Callable[[Progress], None]
StopCheck = Callable[[], bool]
