"""Observables: what a spec declares a run measures, type-checked when a lab records it."""

import pytest

from studykit.lab.catalog import LabSpec, check_observation
from studykit.lab.results import Claim, LabResult, Observation

SPEC = LabSpec.model_validate(
    {
        "name": "demo",
        "title": "Demo",
        "summary": "s",
        "observables": {
            "winner": {"type": "choice", "values": ["a", "b", "tie"], "help": "who wins"},
            "first": {"type": "order", "values": ["a", "b"], "help": "who gets there first"},
            "count": {"type": "int", "help": "numbers trained"},
            "ratio": {"type": "float", "help": "a ratio"},
            "forgot": {"type": "percent", "help": "exact match lost"},
        },
    }
)


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("winner", "tie", "tie"),
        ("first", ("b", "a"), ["b", "a"]),
        ("count", 512, 512),
        ("ratio", 3, 3.0),
        ("forgot", 87.5, 87.5),
    ],
)
def test_a_value_of_the_declared_type_is_kept(name, value, kept):
    assert check_observation(SPEC, name, value) == kept


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("winner", "c"),
        ("first", ["a"]),
        ("first", ["a", "a"]),
        ("count", 1.5),
        ("count", True),
        ("ratio", float("nan")),
        ("forgot", 101),
        ("missing", 1),
    ],
)
def test_a_wrong_or_undeclared_value_is_a_bug_in_the_lab(name, value):
    with pytest.raises(ValueError, match=name):
        check_observation(SPEC, name, value)


def test_a_choice_observable_needs_its_values():
    with pytest.raises(ValueError, match="at least two values"):
        LabSpec.model_validate(
            {"name": "x", "title": "x", "summary": "s",
             "observables": {"w": {"type": "choice", "help": "h"}}}
        )  # fmt: skip


def test_invariants_and_findings_are_told_apart():
    result = LabResult(lab="demo", seed=0, model="m")
    result.claims = [Claim("a count", True, kind="invariant"), Claim("a result", False)]
    result.observables["winner"] = Observation(None)
    assert [c.text for c in result.invariants] == ["a count"]
    assert [c.text for c in result.findings] == ["a result"]
    assert not result.observables["winner"].measured
    assert result.to_json()["claims"][0]["kind"] == "invariant"
