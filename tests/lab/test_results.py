"""LabResult.measured_anything: what decides whether a stopped run is worth keeping."""

from __future__ import annotations

from studykit.lab.results import LabResult, MethodResult


def method(steps: int, trainable: int) -> MethodResult:
    return MethodResult(
        trainable_params=trainable,
        trainable_pct=0.0,
        exact_match_before=0.0,
        exact_match_after=0.0,
        steps=steps,
        seconds=0.0,
        ms_per_step=0.0,
        peak_rss_mb=0.0,
    )


def test_nothing_trained_scored_or_tabled_is_nothing_measured():
    empty = LabResult(lab="x", seed=0, model="m", interrupted=True)
    assert not empty.measured_anything()
    empty.methods["prompt"] = method(steps=0, trainable=256)  # set up, never stepped
    empty.tables["flow"] = {"columns": ["a"], "rows": []}
    assert not empty.measured_anything()


def test_a_step_a_baseline_or_a_table_row_counts():
    for filled in (
        LabResult(lab="x", seed=0, model="m", methods={"prompt": method(1, 256)}),
        LabResult(lab="x", seed=0, model="m", methods={"no-prompt": method(0, 0)}),
        LabResult(lab="x", seed=0, model="m", tables={"flow": {"rows": [[1]]}}),
    ):
        assert filled.measured_anything()
