"""Lab runs started from a card, kept in its history: the run's result without its curves, and
the card's earlier runs as its lab screen lists them (`past_runs`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from studykit.study.clock import Clock, as_clock
from studykit.study.records import LabRun
from studykit.study.store import ProgressStore

ShowValue = Callable[[str, Any], str]  # (observable name, value) -> "90.2%"


def summarize_lab_result(result_json: dict[str, Any]) -> dict[str, Any]:
    """A LabResult's JSON without the per-step curves: what a card's history needs to show."""
    summary = {k: v for k, v in result_json.items() if k != "methods"}
    methods = result_json.get("methods") or {}
    summary["methods"] = {
        name: {k: v for k, v in method.items() if k != "curve"}
        for name, method in methods.items()
        if isinstance(method, dict)
    }
    return summary


def record_lab_run(
    store: ProgressStore,
    card_id: str,
    result_json: dict[str, Any],
    now: datetime | Clock | None = None,
) -> None:
    """Store a lab run started from `card_id` (its summary, see `summarize_lab_result`)."""
    store.add_lab_run(
        LabRun(
            uid=uuid.uuid4().hex,
            card_id=card_id,
            ran_at=as_clock(now)(),
            summary=summarize_lab_result(result_json),
        )
    )


@dataclass(frozen=True)
class PastRun:
    """One earlier run of a card's lab as its screen lists it: when, which seed, what it showed."""

    ran_at: datetime
    lab: str
    seed: int | None
    figures: str  # "prompt-tuning 0% → 100%; winner: prompt-tuning; 3 of 4 findings held"

    @property
    def when(self) -> str:
        return self.ran_at.astimezone().strftime("%Y-%m-%d %H:%M")


def past_runs(
    store: ProgressStore, card_id: str, lab: str | None = None, show: ShowValue | None = None
) -> list[PastRun]:
    """The card's stored lab runs (of `lab` only, when given), newest first; `show` as for
    `run_figures`."""
    runs = []
    for run in store.lab_runs(card_id):
        summary = run.summary if isinstance(run.summary, dict) else {}
        name = summary.get("lab")
        if lab is not None and name != lab:
            continue
        seed = summary.get("seed")
        runs.append(
            PastRun(
                run.ran_at,
                name if isinstance(name, str) else "?",
                seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                run_figures(summary, show),
            )
        )
    return sorted(runs, key=lambda run: run.ran_at, reverse=True)


MAX_METHODS = 3  # a past run names its first few observables or methods; the JSON has the rest


def run_figures(summary: dict[str, Any], show: ShowValue | None = None) -> str:
    """A stored run's key figures on one line: what it measured (its observables) or, for a
    lab that declares none, exact match before → after of its first methods that trained; how
    many findings held, and whether it was stopped. `show(name, value)` writes a measured value
    as the lab's output does (the caller passes the lab layer's formatter, typed by the spec;
    without it, values are shown raw). Stored summaries may come from an import: odd values
    are skipped."""
    parts = _observed(summary, show)
    if not parts:
        parts = _exact_matches(summary)
    claims = [c for c in summary.get("claims") or [] if isinstance(c, dict)]
    findings = [c for c in claims if c.get("kind", "finding") == "finding"]
    if findings:
        held = sum(c.get("holds") is True for c in findings)
        parts.append(f"{held} of {len(findings)} findings held")
    broken = sum(c.get("kind") == "invariant" and c.get("holds") is False for c in claims)
    if broken:
        parts.append(f"{broken} invariant{'s' if broken > 1 else ''} broken")
    if summary.get("interrupted") is True:
        parts.append("stopped by the learner")
    return "; ".join(parts) or "nothing measured"


def _observed(summary: dict[str, Any], show: ShowValue | None) -> list[str]:
    """ "forgetting after finetune: 90.2%": each measured value as `show` writes it."""
    parts = []
    observables = summary.get("observables")
    for name, observed in observables.items() if isinstance(observables, dict) else ():
        value = observed.get("value") if isinstance(observed, dict) else None
        if value is not None:
            if show is not None:
                shown = show(name, value)
            else:
                shown = " > ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{name.replace('_', ' ')}: {shown}")
    return parts[:MAX_METHODS]


def _exact_matches(summary: dict[str, Any]) -> list[str]:
    parts = []
    methods = summary.get("methods")
    trained = [
        (name, m)
        for name, m in (methods.items() if isinstance(methods, dict) else ())
        if isinstance(m, dict) and m.get("steps") and _number(m.get("exact_match_after"))
    ]
    for name, m in trained[:MAX_METHODS]:
        before = m.get("exact_match_before")
        start = f"{before:.0%} → " if _number(before) else ""
        parts.append(f"{name} {start}{m['exact_match_after']:.0%}")
    if len(trained) > MAX_METHODS:
        parts[-1] += f" (+{len(trained) - MAX_METHODS} more)"
    return parts


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
