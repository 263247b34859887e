"""studykit.lab.view: what a LabResult shows, decided once for the CLI and the TUI."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from studykit.lab.catalog import LabSpec
from studykit.lab.results import Claim, LabResult, MethodResult, Observation
from studykit.lab.view import (
    NOT_MEASURED,
    highlighted,
    lab_table,
    metric_text,
    observed_value,
    percent,
    result_view,
    share,
    to_target,
)


def method(steps: int = 0, **fields) -> MethodResult:
    values = dict(
        trainable_params=0,
        trainable_pct=0.0,
        exact_match_before=0.0,
        exact_match_after=0.0,
        steps=steps,
        seconds=0.0,
        ms_per_step=0.0,
        peak_rss_mb=0.0,
    )
    return MethodResult(**{**values, **fields})


def test_shares_and_exact_matches_read_as_percentages():
    assert share(100.0) == "100%"  # not 1e+02%
    assert share(25.0) == "25%" and share(0.2473) == "0.25%" and share(0.0) == "0.00%"
    assert percent(1.0) == "100.0%" and percent(0.953) == "95.3%" and percent(None) == "-"


def test_to_target_says_steps_and_seconds_no_or_a_dash():
    assert to_target(method(steps=0)) == "-"  # untrained: it had no target to reach
    assert to_target(method(steps=40)) == "no"
    assert to_target(method(steps=40, steps_to_target=31, seconds_to_target=0.61)) == "31/0.6s"


def test_methods_are_grouped_under_their_part_and_the_target_names_a_column():
    result = LabResult(lab="x", seed=0, model="m")
    result.methods = {
        "skill/prompt-tuning": method(steps=2, extra={"target": 0.9}),
        "skill/prefix-tuning": method(steps=2),
        "new/prompt-tuning": method(steps=2),
        "skill/full-finetune": method(steps=2),  # trained later: still shown under its part
    }
    table = result_view(result).methods
    assert table is not None
    assert [c.name for c in table.columns][6] == "to 90%"
    assert [(row.heading, row.cells[0]) for row in table.rows] == [
        (True, "skill"),
        (False, "  prompt tuning"),
        (False, "  prefix tuning"),
        (False, "  full finetune"),
        (True, "new"),
        (False, "  prompt tuning"),
    ]
    assert [c.align for c in table.columns] == ["left"] + ["right"] * 8


def test_a_run_without_methods_checksums_or_claims_shows_none_of_them():
    view = result_view(LabResult(lab="x", seed=0, model="m", interrupted=True))
    assert view.methods is None and view.tables == () and view.checksum is None
    assert view.claims == () and view.no_claims
    assert view.notes == ("Stopped by the learner: showing what was measured before the stop.",)


def test_checksums_are_shortened_and_compared():
    result = LabResult(lab="x", seed=0, model="m", base_checksum_before="a" * 64)
    half = result_view(result).checksum
    assert half is not None and (half.before, half.after, half.same) == ("a" * 16 + "…", "-", None)
    assert half.verdict == ""
    result.base_checksum_after = "b" * 64
    changed = result_view(result).checksum
    assert changed is not None and changed.same is False and changed.verdict == "CHANGED"


def test_header_facts_include_the_device_and_dtype_when_the_run_states_them():
    result = LabResult(lab="x", seed=4, model="m", wall_seconds=1.25)
    assert [(f.label, f.value) for f in result_view(result).facts] == [
        ("model", "m"),
        ("seed", "4"),
        ("wall time", "1.2s"),
    ]
    result.device, result.dtype = "cuda:0", "bfloat16"
    labels = [f.label for f in result_view(result).facts]
    assert labels == ["model", "seed", "device", "dtype", "wall time"]


def test_lab_table_cells_and_alignment():
    table = lab_table(
        "t",
        {
            "columns": ["name", "loss", "share", "size", "ok"],
            "rows": [
                ["a", 0.12345, "99.9%", "2.0 KB", True],
                ["b", None, "—", "1,280", False],
                ["c", -0.1, "12%", "4×64", None, "extra"],
            ],
            "note": "how to read it",
        },
    )
    assert [row.cells for row in table.rows] == [
        ("a", "0.123", "99.9%", "2.0 KB", "yes", ""),
        ("b", "-", "—", "1,280", "no", ""),
        ("c", "-0.100", "12%", "4×64", "-", "extra"),  # a longer row loses nothing
    ]
    # Figures line up on the right; a column with any non-figure (4×64, yes) stays left.
    assert [c.align for c in table.columns] == ["left", "right", "right", "left", "left", "left"]
    assert table.columns[-1].name == "" and table.note == "how to read it"


cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)


@given(
    columns=st.lists(st.text(max_size=10), max_size=6),
    rows=st.lists(st.lists(cell_values, max_size=8), max_size=6),
)
def test_any_lab_table_becomes_rectangular_rows_of_text(columns, rows):
    table = lab_table("t", {"columns": columns, "rows": rows})
    assert len(table.rows) == len(rows)
    assert len(table.columns) >= len(columns)
    for row in table.rows:
        assert len(row.cells) == len(table.columns)
        assert all(isinstance(cell, str) for cell in row.cells)


def test_findings_and_invariants_are_shown_apart_in_their_order():
    result = LabResult(lab="x", seed=0, model="m")
    result.claims = [
        Claim("0 parameters of the base trained", True, "invariant"),
        Claim("prompt tuning beat prefix tuning", False),
        Claim("the checksum is unchanged", False, "invariant"),
        Claim("the loss fell", True),
    ]
    view = result_view(result)
    assert [(c.mark, c.text) for c in view.findings] == [
        ("✗", "prompt tuning beat prefix tuning"),
        ("✓", "the loss fell"),
    ]
    assert [(c.mark, c.text) for c in view.invariants] == [
        ("✓", "0 parameters of the base trained"),
        ("✗", "the checksum is unchanged"),
    ]
    assert "a ✗ is a bug" in view.invariants_title


SPEC = LabSpec.model_validate(
    {
        "name": "x",
        "title": "X",
        "summary": "s",
        "observables": {
            "winner": {"type": "choice", "values": ["a", "b"], "help": "who wins"},
            "forgot": {"type": "percent", "help": "exact match lost"},
            "first": {"type": "order", "values": ["a", "b"], "help": "who gets there first"},
            "count": {"type": "int", "help": "numbers trained"},
        },
    }
)


def test_observables_read_by_their_type_in_the_spec_order_and_unmeasured_ones_say_so():
    result = LabResult(lab="x", seed=0, model="m")
    result.observables = {
        "count": Observation(103488),
        "first": Observation(["b", "a"], "b at step 40, a never", ("b",)),
        "forgot": Observation(87.5, "99% -> 11.5%"),
        "winner": Observation(None),
    }
    lines = result_view(result, spec=SPEC).observations
    assert [(o.label, o.value, o.measured) for o in lines] == [
        ("winner", NOT_MEASURED, False),
        ("forgot", "87.5%", True),
        ("first", "b > a", True),
        ("count", "103,488", True),
    ]
    assert lines[1].detail == "99% -> 11.5%" and lines[0].help == "who wins"
    # Without the spec, a value reads as its Python type says (no % on a bare float).
    assert [o.value for o in result_view(result).observations] == [
        "103,488",
        "b > a",
        "87.5",
        NOT_MEASURED,
    ]
    assert observed_value(0.03125, "float") == "0.0312" and observed_value(True) == "yes"


def test_rows_are_highlighted_by_method_key_in_the_methods_and_the_lab_tables():
    result = LabResult(lab="x", seed=0, model="m")
    result.methods = {"skill/prompt-tuning": method(steps=2), "new/prompt-tuning": method(2)}
    result.tables = {"t": {"columns": ["method", "loss"], "rows": [["prompt-tuning", 1.0]]}}
    view = result_view(result)
    assert view.methods is not None
    keys = {"skill/prompt-tuning"}
    assert [highlighted(row, keys) for row in view.methods.rows] == [False, True, False, False]
    assert [highlighted(row, keys) for row in view.tables[0].rows] == [True]
    assert not any(highlighted(row, set()) for row in view.methods.rows)


def test_live_metrics_read_as_percentages_not_exponents():
    assert metric_text("exact_match", 1.0) == "exact match 100.0%"
    assert metric_text("token_accuracy", 0.5) == "token accuracy 50.0%"
    assert metric_text("eval_loss", 0.01234) == "eval loss 0.0123"
