"""The overfitting lab: disjoint splits, wrong answers a model can memorise, early stopping applied
to a curve, weight decay, and findings that are computed (they flip when their condition is
false) apart from invariants."""

from __future__ import annotations

import pytest
import torch

from studykit.lab.engine.harness import LabRun
from studykit.lab.experiments import overfitting as lab
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task


def small_run(**overrides):
    params = {"steps": 20, "seeds": 1, "train_examples": 8, "val_examples": 8, **overrides}
    return run_lab("overfitting", params)


@pytest.fixture(scope="module")
def shown():
    """One run long enough for full fine-tuning to memorise its 4 wrong answers."""
    return small_run(steps=60)


@pytest.fixture
def sixteen_held_out(monkeypatch):
    """The lab's held-out set, which it only reports, capped at 16 examples (it builds its splits
    with TaskData itself, not through LabRun.data): scoring 256 was ~60% of a 3-step run. For
    tests that compare runs with each other or read an invariant, never a held-out figure."""
    real = lab.TaskData
    monkeypatch.setattr(lab, "TaskData", lambda *args, **kw: real(*args, **kw, eval_size=16))


def claim(result, start: str):
    return next(c for c in result.claims if c.text.startswith(start))


def curve(*val_losses):
    return [
        {"step": 10 * n, "val_loss": v, "exact_match": n / 100, "held_out_loss": v + 1}
        for n, v in enumerate(val_losses)
    ]


def test_early_stopping_keeps_the_lowest_validation_loss_and_waits_patience_evaluations():
    stop = lab.early_stop(curve(3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9, 1.0), patience=3)
    assert (stop.best_step, stop.stop_step) == (20, 50)  # 1.5, 1.2, 1.1 never beat 1.0
    assert stop.held_out_at_best == 0.02 and stop.held_out_at_end == 0.07
    assert (stop.loss_at_best, stop.loss_at_end, stop.loss_lowest_step) == (2.0, 2.0, 60)
    patient = lab.early_stop(curve(3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9, 1.0), patience=4)
    assert (patient.best_step, patient.stop_step) == (60, None)  # 0.9 came in time


def test_a_u_needs_a_rise_of_ten_percent_after_the_lowest_point():
    assert lab._u_shaped(lab.early_stop(curve(3.0, 1.0, 1.5), patience=5))
    assert not lab._u_shaped(lab.early_stop(curve(3.0, 1.0, 1.05), patience=5))
    assert not lab._u_shaped(lab.early_stop(curve(3.0, 2.0, 1.0), patience=5))


def test_splits_never_overlap_and_wrong_answers_are_wrong():
    run = LabRun("overfitting", {"seed": 3})
    splits = lab.make_splits(run, get_task("sort"), 16, 32, seed=3, wrong=4)
    assert splits.sizes == (16, 32, 256)

    def rows(batch):
        return {tuple(r.tolist()) for r in batch.input_ids}

    train, val, held = rows(splits.train), rows(splits.validation), rows(splits.held_out)
    assert len(train) == 16 and len(val) == 32
    assert not train & val and not train & held and not val & held
    assert splits.wrong is not None and len(splits.wrong) == 4
    clean = lab.make_splits(run, get_task("sort"), 16, 32, seed=3)
    assert clean.wrong is None
    # the same prompts, other answers: exactly the first four rows differ
    differ = (splits.train.input_ids != clean.train.input_ids).any(dim=1).tolist()
    assert differ == [True] * 4 + [False] * 12


def test_the_lab_draws_train_and_held_out_curves_for_every_method(shown):
    assert list(shown.methods) == [lab.FT, lab.FT_WD, lab.PROMPT]
    assert shown.curve_metrics == ["train_exact_match", "exact_match", "val_loss"]
    for method in shown.methods.values():
        evaluated = [p for p in method.curve if "exact_match" in p]
        assert [p["step"] for p in evaluated] == [0, 10, 20, 30, 40, 50, 60]
        assert all({"train_exact_match", "val_loss", "wrong_answers_fitted"} <= set(p)
                   for p in evaluated)  # fmt: skip
    assert shown.methods[lab.FT].extra["weight_decay"] == 0.0
    assert shown.methods[lab.FT_WD].extra["weight_decay"] == 1.0
    assert shown.base_checksum_before == shown.base_checksum_after


def test_findings_hold_on_a_run_that_shows_the_effect_and_invariants_stand_apart(shown):
    findings = {c.text.split(" on seed")[0]: c.holds for c in shown.findings}
    assert len(findings) == 7 and all(findings.values()), findings
    assert {c.text[:24] for c in shown.invariants} == {
        "evaluating never changed",
        "the base model's weights",
    }
    assert all(c.holds for c in shown.invariants)


def test_observables_are_measured_with_their_numbers(shown):
    observed = shown.observables
    assert set(observed) == {
        "early_stopping_helps",
        "train_heldout_gap",
        "prompt_fits_wrong_answers",
    }
    assert observed["early_stopping_helps"].value == "yes"
    assert "at the kept step" in observed["early_stopping_helps"].detail
    assert observed["train_heldout_gap"].value >= 50
    assert observed["prompt_fits_wrong_answers"].value == 0.0
    assert all(o.rows for o in observed.values())


def test_findings_flip_when_the_run_did_not_show_the_effect():
    short = small_run(steps=10, weight_decay=0.0)  # too short to memorise; no decay at all
    assert not claim(short, "full fine-tuning fits").holds
    assert not claim(short, "full fine-tuning's held-out loss falls, then rises").holds
    assert not claim(short, "early stopping on validation loss keeps").holds
    assert not claim(short, "prompt tuning reproduces none").holds  # FT memorised none yet
    assert not claim(short, "weight decay 0 leaves").holds
    assert not claim(short, "weight decay 0 lowers").holds
    assert short.observables["early_stopping_helps"].value == "no"


def test_runs_repeat_bit_for_bit_per_seed(sixteen_held_out):
    first, second = small_run(steps=3), small_run(steps=3)
    for key in first.methods:
        assert first.methods[key].curve == second.methods[key].curve
    other = small_run(steps=3, seed=1)
    assert other.methods[lab.FT].curve != first.methods[lab.FT].curve


def test_the_evaluation_invariant_flips_if_evaluating_moved_the_weights(
    monkeypatch, sixteen_held_out
):
    real_evaluate = lab.evaluate

    def meddling_evaluate(model, batch):
        with torch.no_grad():
            next(p for p in model.parameters() if p.requires_grad).add_(1e-3)
        return real_evaluate(model, batch)

    monkeypatch.setattr(lab, "evaluate", meddling_evaluate)
    meddled = small_run(steps=1)
    assert not claim(meddled, "evaluating never changed").holds
