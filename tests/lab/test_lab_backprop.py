"""The backprop lab: gradients at every layer, a float64 finite-difference check, the cost of
weight gradients, and claims that are computed (they flip when their condition is false)."""

from __future__ import annotations

import copy

import pytest
import torch

from studykit.lab.engine import instruments
from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.experiments import backprop
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task


@pytest.fixture(scope="module")
def batch(base):
    return TaskData(
        get_task("reverse"), Encoder(base.tokenizer), seed=0, batch_size=16
    ).next_batch()


def make_prompt(model, k=4, seed=0):
    return SoftPrompt(model, k, generator=torch.Generator().manual_seed(seed))


def test_gradient_reaches_the_prompt_through_every_layer(base, batch):
    prompt = make_prompt(base.model)
    flow = instruments.activation_gradients(prompt, batch)
    layers = base.model.config.num_hidden_layers
    names = [a.name for a in flow.activations]
    assert names[0] == "logits" and names[-1] == "prompt (the parameter)"
    assert sum(name.endswith("output") for name in names) == layers
    assert all(a.grad_norm > 0 for a in flow.activations)
    B, T = batch.input_ids.shape
    assert flow.joined_shape == (B, 4 + T, base.config.hidden_size)
    # The last layer's outputs at the prompt positions are dropped with their logits: no gradient.
    last = next(a for a in flow.activations if a.name == f"layer {layers} output")
    assert last.prompt_grad_norm == 0.0
    below = next(a for a in flow.activations if a.name == f"layer {layers - 1} output")
    assert below.prompt_grad_norm > 0  # real tokens attended to the prompt one layer up
    assert flow.prompt_is_sum_of_joined
    assert instruments.only_prompt_has_grad(flow)
    assert all(p.grad is None for p in base.model.parameters())


def test_only_prompt_claim_flips_when_a_weight_is_unfrozen(base, batch):
    model = copy.deepcopy(base.model)
    prompt = make_prompt(model)
    model.get_input_embeddings().weight.requires_grad_(True)  # one weight no longer frozen
    flow = instruments.activation_gradients(prompt, batch)
    assert not instruments.only_prompt_has_grad(flow)
    assert flow.frozen_total == flow.frozen_without_grad  # the unfrozen one is not counted frozen
    assert len(flow.with_grad) == 2


def test_finite_differences_agree_in_float64_and_catch_a_wrong_gradient(base, batch):
    exact = backprop.float64_prompt(make_prompt(base.model))
    assert exact.prompt.dtype == torch.float64
    assert next(base.model.parameters()).dtype == torch.float32  # the original is untouched
    answer_loss(exact(batch.input_ids), batch.labels).backward()
    coordinates = [(0, 0), (1, 5), (3, 63)]

    def loss_at():
        return answer_loss(exact(batch.input_ids), batch.labels)

    right = backprop.finite_difference_check(loss_at, exact.prompt, exact.prompt.grad, coordinates)
    assert right.max_relative_error < backprop.FD_TOLERANCE
    assert right.forward_passes == 2 * len(coordinates)
    wrong = backprop.finite_difference_check(
        loss_at, exact.prompt, exact.prompt.grad * 1.01, coordinates
    )
    assert wrong.max_relative_error > backprop.FD_TOLERANCE
    assert wrong.numeric == pytest.approx(right.numeric)  # the nudges put every number back


def test_backward_without_weight_gradients_writes_one_tensor(base, batch):
    prompt = make_prompt(base.model)
    cost = backprop.backward_cost(prompt, batch, repeats=3)
    weights = len(list(base.model.parameters()))
    assert cost.repeats == 3
    assert (cost.frozen_grad_tensors, cost.unfrozen_grad_tensors) == (1, 1 + weights)
    assert cost.frozen_grad_numbers == prompt.prompt.numel()
    assert cost.unfrozen_grad_numbers == prompt.prompt.numel() + base.num_params
    assert cost.frozen_ms > 0 and cost.unfrozen_ms > 0
    assert all(p.grad is None and not p.requires_grad for p in base.model.parameters())


def small_run(**overrides):
    return run_lab("backprop", {"steps": 3, "repeats": 3, "fd_coordinates": 2, **overrides})


def test_the_lab_computes_its_claims_and_repeats_per_seed():
    first, second = small_run(), small_run()
    assert len(first.findings) == 2 and len(first.invariants) == 7
    assert all(c.holds for c in first.invariants), [c.text for c in first.invariants]
    assert first.base_checksum_before == first.base_checksum_after
    assert first.methods["prompt-tuning"].steps == 3
    for name in ("gradient flow, loss → prompt", "finite differences (float64)"):
        assert first.tables[name]["rows"] == second.tables[name]["rows"]
    assert [p["loss"] for p in first.methods["prompt-tuning"].curve[1:]] == [
        p["loss"] for p in second.methods["prompt-tuning"].curve[1:]
    ]
    observed = first.observables
    assert observed["numbers_the_backward_pass_wrote"].value == 4 * 64  # k × d, nothing else
    faster = next(c for c in first.findings if "faster" in c.text)
    assert observed["backward_without_weight_gradients"].value == (
        "faster" if faster.holds else "not faster"
    )


def trained(result):
    return next(c for c in result.findings if "update steps of the prompt" in c.text)


def test_the_training_finding_fails_on_a_run_that_did_not_learn():
    result = small_run(steps=1, lr=1e-5)
    assert result.methods["prompt-tuning"].extra["prompt_moved_by"] > 0  # it moved, a little
    assert not trained(result).holds


def test_the_training_finding_holds_on_a_run_that_learned():
    result = small_run(steps=25, virtual_tokens=2)
    assert trained(result).holds, trained(result).text
    assert result.observables["numbers_the_backward_pass_wrote"].value == 2 * 64


def test_a_stop_request_returns_what_was_measured():
    params = {"steps": 3, "repeats": 3, "fd_coordinates": 2}
    result = run_lab("backprop", params, should_stop=lambda: True)
    assert result.interrupted
    assert "gradient flow, loss → prompt" in result.tables
    assert "prompt-tuning" not in result.methods


def test_cli_prints_the_tables_and_claims():
    from typer.testing import CliRunner

    from studykit.cli import app

    out = CliRunner().invoke(
        app, ["lab", "backprop", "--steps", "2", "--repeats", "3", "--fd-coordinates", "2"]
    )
    assert out.exit_code == 0, out.output
    for text in (
        "gradient flow",
        "finite differences (float64)",
        "cost of one backward pass",
        "Findings on this run",
        "identical",
    ):
        assert text in out.stdout, text
