"""`run_lab`, the contract the CLI and the TUI share, run on prompt-vs-prefix with few steps."""

from __future__ import annotations

import json

import pytest

from studykit.lab.catalog import UnknownLab, check_params, get_lab
from studykit.lab.errors import LabParamError, ModelDirError
from studykit.lab.runner import run_lab

LAB = "prompt-vs-prefix"
UNTRAINED = ("no-prompt", "hand-written")
TUNED = {  # part -> the methods it trains
    "skill": ("prompt-tuning", "prefix-tuning", "prefix-tuning-mlp"),
    "new": ("prompt-tuning", "prefix-tuning"),
    "same size": ("prompt-tuning", "prefix-tuning"),
}
JSON_METHOD_KEYS = {
    "trainable_params",
    "trainable_pct",
    "exact_match_before",
    "exact_match_after",
    "steps",
    "seconds",
    "ms_per_step",
    "peak_rss_mb",
}


@pytest.fixture
def short_run(prompt_vs_prefix_short):
    return prompt_vs_prefix_short  # (result, events) of 3 steps a part, shared (conftest)


def test_spec_declares_the_flags_a_learner_varies():
    spec = get_lab(LAB)
    assert {"task", "new_task", "virtual_tokens", "steps", "lr", "seed", "model"} <= set(
        spec.params
    )
    assert check_params(spec, spec.defaults()) == []


def test_a_run_measures_every_method_of_both_parts(short_run, base):
    result, _ = short_run
    untrained = {"skill": UNTRAINED, "new": UNTRAINED, "same size": ()}
    expected = [f"{p}/{m}" for p, tuned in TUNED.items() for m in (*untrained[p], *tuned)]
    assert list(result.methods) == expected
    L, d, _, _ = base.shape
    k = get_lab(LAB).params["virtual_tokens"].default
    for part in ("skill", "new"):
        assert result.methods[f"{part}/prompt-tuning"].trainable_params == k * d
        assert result.methods[f"{part}/prefix-tuning"].trainable_params == k * 2 * L * d
        assert result.methods[f"{part}/no-prompt"].trainable_params == 0
        assert result.methods[f"{part}/prefix-tuning"].steps == 3
    same = [result.methods[f"same size/{m}"].trainable_params for m in TUNED["same size"]]
    assert same == [8 * d, 2 * 2 * L * d]
    assert result.base_checksum_before == result.base_checksum_after
    assert not result.interrupted and result.wall_seconds > 0


def test_progress_events_come_from_every_trained_method(short_run):
    _, events = short_run
    seen = {(e.method, e.step) for e in events}
    for part, tuned in TUNED.items():
        for method in tuned:
            assert {(f"{part}/{method}", s) for s in (1, 2, 3)} <= seen
    assert all(e.total_steps == 3 for e in events)
    assert all("exact_match" in e.metrics for e in events if e.step == 3)


def test_claims_are_computed_and_three_steps_are_not_enough(short_run):
    result, _ = short_run
    claims = {c.text.split(" (")[0]: c.holds for c in result.claims}
    assert claims[
        "The base model's weights are bit-for-bit identical after prompt and prefix tuning"
    ]
    assert any(text.startswith("Prompt tuning trains k·d = 4·64 = 256") for text in claims)
    # three steps cannot bring reverse back: the claim is computed, so it fails honestly
    recovered = next(c for c in result.claims if c.text.startswith("Tuning under 1% of"))
    assert recovered.holds is False and recovered.kind == "finding"


def test_json_has_the_documented_keys(short_run):
    result, _ = short_run
    data = json.loads(json.dumps(result.to_json()))
    assert {
        "lab",
        "seed",
        "model",
        "methods",
        "base_checksum_before",
        "base_checksum_after",
        "claims",
        "observables",
        "wall_seconds",
    } <= set(data)
    for method in data["methods"].values():
        assert set(method) >= JSON_METHOD_KEYS
    assert all(set(c) == {"text", "holds", "kind"} for c in data["claims"])
    assert all(c["kind"] in ("finding", "invariant") for c in data["claims"])


def test_a_changed_base_shows_as_a_failed_claim(monkeypatch, small_held_out):  # no score read
    import torch

    import studykit.lab.engine.harness as harness

    real_train = harness.train

    def train_and_tamper(method, model, *args, **kwargs):
        result = real_train(method, model, *args, **kwargs)
        with torch.no_grad():  # what a buggy method that forgot to freeze the base would do
            model.base.transformer.wte.weight[0, 0] += 1.0
        return result

    monkeypatch.setattr(harness, "train", train_and_tamper)
    result = run_lab(LAB, {"steps": 1, "new_steps": 1, "seed": 5})
    assert result.base_checksum_before != result.base_checksum_after
    identical = next(c for c in result.claims if "bit-for-bit" in c.text)
    assert identical.holds is False


def test_should_stop_returns_what_was_measured():
    events = []
    result = run_lab(
        LAB, {"steps": 50}, on_progress=events.append, should_stop=lambda: len(events) >= 5
    )  # like Esc pressed after 5 steps
    assert result.interrupted
    assert list(result.methods) == ["skill/no-prompt", "skill/hand-written", "skill/prompt-tuning"]
    tuned = result.methods["skill/prompt-tuning"]
    assert tuned.steps == len(events) == 6  # the step under way when the stop came finishes
    assert "exact_match" in tuned.curve[-1]
    assert not any("prefix" in c.text and "trains" in c.text for c in result.claims)


def test_a_seed_repeats_the_lab(short_run):
    first, _ = short_run  # the shared run, repeated here with the same parameters
    second = run_lab(LAB, {"steps": 3, "new_steps": 3})
    assert list(first.methods) == list(second.methods)
    for key in first.methods:
        a, b = first.methods[key], second.methods[key]
        assert a.exact_match_after == b.exact_match_after
        assert [p.get("loss") for p in a.curve] == [p.get("loss") for p in b.curve]


def test_bad_names_and_values_fail_before_training():
    with pytest.raises(UnknownLab, match='did you mean "prompt-vs-prefix"'):
        run_lab("prompt-vs-prefx", {})
    with pytest.raises(LabParamError, match="virtual_tokens must be ≤ 8"):
        run_lab(LAB, {"virtual_tokens": 20})
    with pytest.raises(LabParamError, match='no parameter "step"; did you mean "steps"'):
        run_lab(LAB, {"step": 3})
    with pytest.raises(LabParamError, match="task must be one of"):
        run_lab(LAB, {"task": "juggle"})
    with pytest.raises(ModelDirError, match="does not exist"):
        run_lab(LAB, {"model": "/nonexistent/model"})


def test_the_collector_is_paused_only_while_the_lab_loads(monkeypatch, small_held_out):
    """run_lab pauses the garbage collector for the imports and the model load (see
    runner._loading): it must be running again for the lab's own code, and after a failed load."""
    import gc

    seen = []
    real = run_lab.__globals__["importlib"].import_module

    def spy(name):
        seen.append(("importing", gc.isenabled()))
        return real(name)

    monkeypatch.setattr(run_lab.__globals__["importlib"], "import_module", spy)
    with pytest.raises(ModelDirError):
        run_lab(LAB, {"model": "/nonexistent/model"})
    assert gc.isenabled()
    run_lab(
        LAB,
        {"steps": 1, "new_steps": 1},
        on_progress=lambda _: seen.append(("training", gc.isenabled())),
    )
    assert seen[0] == ("importing", False)
    assert ("training", True) in seen and ("training", False) not in seen
    assert gc.isenabled()
