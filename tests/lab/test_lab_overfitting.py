"""The overfitting lab: disjoint splits, early stopping applied to a curve, weight decay, train vs
held-out curves, and claims that are computed (they flip when their condition is false)."""

from __future__ import annotations

import torch

from studykit.lab.engine.harness import LabRun
from studykit.lab.experiments import overfitting as lab
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task


def small_run(**overrides):
    params = {"steps": 20, "seeds": 1, "train_examples": 8, "val_examples": 8, **overrides}
    return run_lab("overfitting", params)


def claim(result, start: str):
    return next(c for c in result.claims if c.text.startswith(start))


def curve(*val_losses):
    return [
        {"step": 10 * n, "val_loss": v, "exact_match": n / 100} for n, v in enumerate(val_losses)
    ]


def test_early_stopping_keeps_the_lowest_validation_loss_and_waits_patience_evaluations():
    stop = lab.early_stop(curve(3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9, 1.0), patience=3)
    assert (stop.best_step, stop.stop_step) == (20, 50)  # 1.5, 1.2, 1.1 never beat 1.0
    assert stop.held_out_at_best == 0.02 and stop.held_out_at_end == 0.07
    patient = lab.early_stop(curve(3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9, 1.0), patience=4)
    assert (patient.best_step, patient.stop_step) == (60, None)  # 0.9 came in time


def test_splits_never_overlap():
    run = LabRun("overfitting", {"seed": 3})
    splits = lab.make_splits(run, get_task("sort"), 16, 32, seed=3)
    assert splits.sizes == (16, 32, 256)

    def rows(batch):
        return {tuple(r.tolist()) for r in batch.input_ids}

    train, val, held = rows(splits.train), rows(splits.validation), rows(splits.held_out)
    assert len(train) == 16 and len(val) == 32
    assert not train & val and not train & held and not val & held


def test_the_lab_draws_train_and_held_out_curves_for_every_method():
    result = small_run(seeds=2)
    assert list(result.methods) == [lab.FT, lab.FT_WD, lab.PROMPT]
    assert result.curve_metrics == ["train_exact_match", "exact_match", "val_loss"]
    for method in result.methods.values():
        evaluated = [p for p in method.curve if "exact_match" in p]
        assert [p["step"] for p in evaluated] == [0, 10, 20]
        assert all({"train_exact_match", "val_loss"} <= set(p) for p in evaluated)
    assert result.methods[lab.FT].extra["weight_decay"] == 0.0
    assert result.methods[lab.FT_WD].extra["weight_decay"] == 1.0
    per_seed = result.tables["Train vs held-out, and early stopping, per seed"]["rows"]
    assert [row[0] for row in per_seed] == [0, 0, 0, 1, 1, 1]
    assert claim(result, "weight decay 1 leaves").holds
    assert claim(result, "the base model's weights").holds
    assert result.base_checksum_before == result.base_checksum_after


def test_claims_flip_when_their_condition_is_false():
    no_decay = small_run(steps=5, weight_decay=0.0)  # the "regularised" run is the same run
    assert not claim(no_decay, "weight decay 0 leaves").holds
    assert not claim(no_decay, "weight decay 0 lowers").holds
    one_step = small_run(steps=1)  # one step cannot fit the training set
    assert not claim(one_step, "full fine-tuning fits").holds


def test_runs_repeat_bit_for_bit_per_seed():
    first, second = small_run(steps=10), small_run(steps=10)
    for key in first.methods:
        assert first.methods[key].curve == second.methods[key].curve
    other = small_run(steps=10, seed=1)
    assert other.methods[lab.FT].curve != first.methods[lab.FT].curve


def test_the_evaluation_claim_flips_if_evaluating_moved_the_weights(monkeypatch):
    honest = small_run(steps=3)
    assert claim(honest, "evaluating on the held-out set never changed").holds
    real_evaluate = lab.evaluate

    def meddling_evaluate(model, batch):
        with torch.no_grad():
            next(p for p in model.parameters() if p.requires_grad).add_(1e-3)
        return real_evaluate(model, batch)

    monkeypatch.setattr(lab, "evaluate", meddling_evaluate)
    meddled = small_run(steps=3)
    assert not claim(meddled, "evaluating on the held-out set never changed").holds
