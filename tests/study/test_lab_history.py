"""A card's past lab runs show each measured value as the caller's formatter writes it: the TUI
passes the lab layer's `observed_value`, typed by the spec, as the lab's own output uses."""

from __future__ import annotations

from studykit.lab.catalog import get_lab
from studykit.lab.view import observed_value
from studykit.study.lab_history import run_figures

SUMMARY = {
    "lab": "prompt-vs-finetune",
    "observables": {
        "forgetting_after_finetune": {"value": 90.15625},
        "prompt_tuning_forgetting": {"value": 0.0},
        "new_skill_reached_by": {"value": "full-finetune"},
    },
}


def test_observed_values_read_as_their_types():
    kinds = {name: o.type for name, o in get_lab("prompt-vs-finetune").observables.items()}
    shown = run_figures(SUMMARY, show=lambda name, value: observed_value(value, kinds.get(name)))
    assert shown == (
        "forgetting after finetune: 90.2%; prompt tuning forgetting: 0.0%; "
        "new skill reached by: full-finetune"
    )


def test_an_int_gets_thousands_separators():
    summary = {"lab": "x", "observables": {"count": {"value": 103488}}}
    assert run_figures(summary, show=lambda name, value: observed_value(value)) == "count: 103,488"
