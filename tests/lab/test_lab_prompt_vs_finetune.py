"""The prompt-vs-finetune lab: costs measured from the real optimizer and autograd, forgetting,
mixed-batch serving, and claims that are computed (they flip when their condition is false)."""

from __future__ import annotations

import torch

from studykit.lab.engine.data import Encoder, TaskData, encode
from studykit.lab.engine.finetune import FullFineTune
from studykit.lab.engine.instruments import saved_activation_bytes, serialized_bytes
from studykit.lab.engine.methods import build
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.experiments import prompt_vs_finetune as lab
from studykit.lab.runner import resolve_params, run_lab
from studykit.lab.tasks import get_task


def small_run(**overrides):
    params = {"steps": 4, "new_steps": 4, "serve_tasks": 2, **overrides}
    return run_lab("prompt-vs-finetune", params)


def claim(result, start: str):
    return next(c for c in result.claims if c.text.startswith(start))


def prompt(model, seed=0, k=4):
    return SoftPrompt(model, k, init="random", generator=torch.Generator().manual_seed(seed))


def test_activations_kept_for_backward_barely_shrink_for_a_prompt(base):
    batch = TaskData(get_task("sort"), Encoder(base.tokenizer), batch_size=16).next_batch()
    kept_prompt = saved_activation_bytes(prompt(base.model), batch)
    kept_full = saved_activation_bytes(FullFineTune(base.model), batch)
    assert kept_prompt > 0 and kept_full > 0
    assert kept_prompt >= 0.5 * kept_full  # yet the prompt trains 0.25% of the numbers
    assert all(p.grad is None for p in base.model.parameters())  # nothing ran backward


def test_a_prompt_file_is_a_small_fraction_of_a_state_dict(base):
    tuned = prompt(base.model)
    small = serialized_bytes(lab.per_task_tensors("prompt-tuning", tuned))
    large = serialized_bytes(lab.per_task_tensors("full-finetune", FullFineTune(base.model)))
    assert 4 * 64 * 4 < small < 4 * 64 * 4 + 2000  # the numbers plus torch.save's framing
    assert large > 100 * small


def test_every_method_stores_far_less_than_a_state_dict_but_full_fine_tuning(base):
    """Each method of the lab says what one more task stores; only full fine-tuning stores a
    whole model."""
    params = resolve_params("prompt-vs-finetune", {})
    options = lab.method_options(params)
    assert list(options) == lab.METHODS
    state_dict = serialized_bytes(base.model.state_dict())
    for method in lab.METHODS:
        model = build(method, base, **options[method])
        stored = serialized_bytes(lab.per_task_tensors(method, model))
        if method == "full-finetune":
            assert stored == state_dict
        else:
            assert stored * 10 < state_dict, method
    lora = lab.per_task_tensors("lora", build("lora", base, r=8))
    assert sorted(t.shape for t in lora.values()) == [(8, 64)] * 2 + [(192, 8)] * 2


def test_each_row_of_a_mixed_batch_uses_its_own_prompt(base):
    encoder = Encoder(base.tokenizer)
    names = ["sort", "max"]
    prompts = {name: prompt(base.model, seed=n) for n, name in enumerate(names)}
    data = {name: TaskData(get_task(name), encoder) for name in names}
    serving = lab.serve_mixed(base.model, prompts, data, encoder)
    assert serving.same_rows_right
    assert serving.rows == lab.SERVE_EXAMPLES * len(names)
    assert serving.mixed == serving.alone

    # Swapping which prompt each row gets changes the logits: the per-row prompt matters.
    batch = encode(data["sort"].eval_examples[:8], encoder)
    stacked = torch.stack([prompts[name].prompt for name in names])
    with torch.no_grad():
        own = lab.mixed_prompt_logits(
            base.model, stacked, torch.zeros(8, dtype=torch.long), batch.input_ids
        )
        other = lab.mixed_prompt_logits(
            base.model, stacked, torch.ones(8, dtype=torch.long), batch.input_ids
        )
        alone = prompts["sort"](batch.input_ids)
    assert torch.allclose(own, alone, atol=1e-5)
    assert not torch.allclose(own, other, atol=1e-3)


def test_the_lab_measures_costs_forgetting_and_serving():
    result = small_run()
    methods = ["prompt-tuning", "prefix-tuning", "lora", "full-finetune"]
    assert list(result.methods) == [
        *(f"skill/{m}" for m in methods),
        *(f"new/{m}" for m in methods),
        "serving/max prompt",
    ]
    for key, method in result.methods.items():
        assert method.extra["adam_state_bytes"] == 8 * method.trainable_params, key
    costs = result.tables["What each method costs"]["rows"]
    assert [row[1] for row in costs[:4]] == [
        "prompt tuning",
        "prefix tuning",
        "LoRA",
        "full fine-tuning",
    ]
    # k·d, k·2·L·d, r·(d + 3d)·L for GPT-2's fused c_attn, every weight
    assert [row[2] for row in costs] == ["256", "1,024", "4,096", "103,488"] * 2
    checksums = [row[-1] for row in costs]
    base = result.base_checksum_before[:12]
    assert [c == base for c in checksums] == [True, True, True, False] * 2
    forgetting = result.tables["Forgetting: the other tasks' exact match"]
    assert forgetting["columns"][4:6] == ["after LoRA on add1", "after LoRA merged on add1"]
    for row in forgetting["rows"]:  # the columns of the methods that keep the base are its own
        assert [row[i] for i in (2, 3, 4, 7, 8, 9)] == [row[1]] * 6
    inference = result.tables["What each method adds at inference"]["rows"]
    assert [row[0] for row in inference][-1] == "LoRA merged"
    mixed = result.tables["One mixed batch of 64 rows, 2 tasks, one frozen model"]["rows"]
    assert [row[0] for row in mixed] == ["add1", "max"]
    assert all(row[1] == row[2] for row in mixed)
    serving = result.tables["Serving 2 tasks"]["rows"]
    assert serving[0][0] == "1 frozen model + 2 soft prompts"
    assert result.base_checksum_before == result.base_checksum_after
    for start in (
        "prompt tuning trains",
        "Adam keeps",
        "one more task costs",
        "activations kept",
        "the shared base",
        "after prompt tuning, prefix tuning, LoRA every other task",
        "in one mixed",
        "each method trains what its own formula gives",
        "LoRA starts exactly at the base model",
        "merged into W + (α/r)·B·A, LoRA is a plain GPT2LMHeadModel",
    ):
        assert claim(result, start).holds, start
    # Four steps of full fine-tuning at 1e-3 do not learn mul2: this claim is honestly false.
    assert not claim(result, "on mul2, a skill the base model lacks").holds


def test_claims_flip_with_their_thresholds(monkeypatch):
    monkeypatch.setattr(lab, "FORGETTING_DROP", -1.0)
    monkeypatch.setattr(lab, "NEW_SKILL_GAP", -1.0)
    monkeypatch.setattr(lab, "SKILL_TARGET", 0.0)
    monkeypatch.setattr(lab, "MERGE_TOLERANCE", 1.0)
    easy = small_run(steps=2, new_steps=2)
    monkeypatch.setattr(lab, "FORGETTING_DROP", 2.0)
    monkeypatch.setattr(lab, "NEW_SKILL_GAP", 2.0)
    monkeypatch.setattr(lab, "SKILL_TARGET", 1.01)
    monkeypatch.setattr(lab, "MERGE_TOLERANCE", 0.0)
    monkeypatch.setattr(lab, "LORA_NEW_SKILL_LEAD", 2.0)
    hard = small_run(steps=2, new_steps=2)
    for start in (
        "full fine-tuning on add1 forgets",
        "on mul2, a skill the base model lacks",
        "a soft prompt brings",
        "merged into W",
        "merged, LoRA on add1 forgets",
    ):
        assert claim(easy, start).holds and not claim(hard, start).holds, start
    assert not claim(hard, "on mul2, after the same").holds


def test_runs_repeat_bit_for_bit_per_seed():
    first, second = small_run(steps=3, new_steps=2), small_run(steps=3, new_steps=2)
    for key in first.methods:
        assert first.methods[key].curve == second.methods[key].curve
    assert (
        first.tables["Forgetting: the other tasks' exact match"]
        == (second.tables["Forgetting: the other tasks' exact match"])
    )
