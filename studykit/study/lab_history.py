"""Lab runs started from a card, kept in its history: the run's result without its curves."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from studykit.study.clock import as_clock
from studykit.study.records import LabRun
from studykit.study.store import ProgressStore


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
    store: ProgressStore, card_id: str, result_json: dict[str, Any], now: datetime | None = None
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
