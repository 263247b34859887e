"""Lab `peft-methods`: four ways to adapt one frozen model, side by side on one task.

    studykit lab peft-methods [--task add1] [--steps 40] [--lora-rank 8] [--seed 0]

Prompt tuning (k input vectors), prefix tuning (k keys and values per layer, trained through
Li & Liang's MLP and stored without it), LoRA (a rank-r
update B·A beside each attention projection) and full fine-tuning (a copy of every weight) learn
the same known skill, its instruction word removed, from the same batches for the same steps.
Each method answers for itself, through the method registry, what it trains, what one more task
stores and what it adds at inference; the lab measures the rest:

1. Cost: trainable parameters (checked against each method's own formula), Adam's state
   (exp_avg and exp_avg_sq, counted in the real optimizer), the activations autograd keeps for
   the backward pass, the bytes to store one more task (serialized with torch.save), step time.
2. Accuracy on the task, and forgetting: the other pretraining tasks, with their words, before
   and after. The methods that keep the shared base leave them untouched (the same frozen model
   evaluated twice); the fine-tuned copy loses some, and so does LoRA once merged.
3. Inference: LoRA merged into W + (α/r)·B·A is a plain model with the adapter's logits.

Scale: Lester et al. found prompt tuning matching full fine-tuning only as models grow towards
~10B parameters; a 100k-parameter model cannot show that. Every method here reaches a known
skill; what the miniature shows is what each one costs and what it leaves untouched. Whether a
method adds a skill the model lacks is the `prompt-vs-finetune` lab's question.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from studykit.lab.engine.data import Batch
from studykit.lab.engine.evaluate import evaluate
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import saved_activation_bytes, serialized_bytes
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import REGISTRY, Count, Frozen
from studykit.lab.engine.train import TrainConfig
from studykit.lab.tasks import PRETRAINING, get_task

# the prefix trains through Li & Liang's MLP: direct prefix updates are unstable (they reach
# 90% on only some seeds here, as the paper found), and only the prefix it yields is stored
METHODS = ["prompt-tuning", "prefix-tuning-mlp", "lora", "full-finetune"]
SKILL_TARGET = 0.9  # exact match at which the known skill counts as brought back
FORGETTING_DROP = 0.10  # a fall in the other tasks' mean exact match that counts as forgetting
ACTIVATION_SHARE = 0.5  # prompt tuning keeps at least this share of full fine-tuning's activations
MERGE_TOLERANCE = 1e-5  # merged logits may differ from the adapter's by this share of their size
EVAL_EVERY = 10
EVAL_SIZE = 128  # held-out examples per task: enough to tell 90% from 10%, and quick to score
SCALE_NOTE = (
    "Scale: Lester et al. found prompt tuning matching full fine-tuning only near ~10B "
    "parameters; this 100k-parameter model cannot show that. Here every method reaches a known "
    "skill; the miniature shows what each costs and what it leaves untouched."
)


# -- the lab ---------------------------------------------------------------------------------------


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("exact_match")
    skill = get_task(params["task"])
    others = [name for name in PRETRAINING if name != skill.name]  # the tasks not trained on
    word_data = {
        name: lab.data(t, words=t.words, eval_size=EVAL_SIZE) for name, t in PRETRAINING.items()
    }
    frozen = Frozen(lab.base.model)
    before = {name: evaluate(frozen, d.eval_batch).exact_match for name, d in word_data.items()}
    data = lab.data(skill, eval_size=EVAL_SIZE)  # the instruction word removed
    probe = Batch(data.eval_batch.input_ids[:64], data.eval_batch.labels[:64])  # for memory
    base_loss = evaluate(frozen, data.eval_batch).loss

    def scores(model: nn.Module) -> dict[str, float]:
        return {name: evaluate(model, d.eval_batch).exact_match for name, d in word_data.items()}

    costs: dict[str, Cost] = {}
    after: dict[str, dict[str, float]] = {}  # the other tasks, by what serves them
    merge: Merge | None = None
    for method in METHODS:
        if lab.stopped:
            break
        lr = params[LR_PARAM[method]]
        config = TrainConfig(
            steps=params["steps"], lr=lr, eval_every=EVAL_EVERY, target=SKILL_TARGET
        )
        result, model = lab.train(method, data, config, **method_options(params)[method])
        spec = REGISTRY[method]
        own = spec.own_weights(model)  # None: the method keeps the shared frozen base
        # the other tasks are served by what the method leaves of the model: the base with
        # nothing added, or the only copy full fine-tuning has
        after[method] = scores(Frozen(own) if own is not None else frozen)
        if spec.merge is not None:
            merged = spec.merge(model)
            after[f"{method} merged"] = scores(Frozen(merged))
            merge = check_merge(lab, model, merged, data.eval_batch)
        stored = spec.per_task(model)
        costs[method] = Cost(
            trainable=result.trainable_params,
            expected=spec.expected_trainable(model),
            trainable_bytes=trainable_bytes(model),
            adam_bytes=result.extra["adam_state_bytes"],
            activation_bytes=saved_activation_bytes(model, probe),
            stored_tensors=len(stored),
            stored_numbers=sum(t.numel() for t in stored.values()),
            stored_bytes=serialized_bytes(stored),
            ms_per_step=result.ms_per_step,
            exact_match=result.exact_match_after,
            shares_base=own is None,
            served_checksum=checksum(own if own is not None else lab.base.model),
        )
    _cost_tables(lab, costs, before, after, others)
    _forgetting_table(lab, skill.name, before, after, others)
    _inference_table(lab, costs, merge)
    _invariants(lab, costs, before, after, base_loss, merge)
    _findings(lab, skill.name, costs, before, after, others)


LR_PARAM = {
    "prompt-tuning": "prompt_lr",
    "prefix-tuning-mlp": "prefix_lr",
    "lora": "lora_lr",
    "full-finetune": "finetune_lr",
}


def method_options(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each method's own options, from the lab's parameters. LoRA keeps α = 8 whatever r, as
    Hu et al. set α to the first r they tried and did not tune it."""
    k = params["virtual_tokens"]
    return {
        "prompt-tuning": {"virtual_tokens": k, "init": "random"},
        "prefix-tuning-mlp": {"virtual_tokens": k, "init": "random"},
        "lora": {"r": params["lora_rank"]},
        "full-finetune": {},
    }


# -- what a method costs -----------------------------------------------------------------------


def trainable_bytes(model: nn.Module) -> int:
    """Bytes of the numbers that train (a prompt stays float32 in a bfloat16 model)."""
    return sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)


@dataclass
class Cost:
    trainable: int
    expected: Count  # what the method's own formula predicts, from the model's geometry
    trainable_bytes: int  # one gradient number per trainable parameter takes as much
    adam_bytes: int  # exp_avg + exp_avg_sq, measured in the optimizer after training
    activation_bytes: int  # saved for backward on one training batch
    stored_tensors: int  # how many tensors one more task stores
    stored_numbers: int  # and how many numbers they hold
    stored_bytes: int  # the per-task file
    ms_per_step: float
    exact_match: float  # after training, on the held-out set
    shares_base: bool  # it answers with the frozen base plus something beside it
    served_checksum: str  # sha256 of the weights this method answers with


@dataclass
class Merge:
    """LoRA folded into the weights: a plain model, checked against the adapter."""

    model_class: str
    same_class: bool  # the base model's own class: nothing wrapped, no hooks
    parameters: int
    logit_gap: float  # max |merged - adapter| over a held-out batch, as a share of max |logit|
    forward_ms: dict[str, float]  # the base, the adapter, the merged model on the held-out set


@torch.no_grad()
def check_merge(lab: LabRun, adapter: nn.Module, merged: nn.Module, batch: Batch) -> Merge:
    """Compare the merged model with the adapter it came from on a held-out batch, and time
    one forward pass of each (median of three), beside the base's."""

    def forward_ms(forward) -> float:
        times = []
        for _ in range(3):
            tick = time.perf_counter()
            forward(batch.input_ids)
            times.append(1000 * (time.perf_counter() - tick))
        return statistics.median(times)

    adapter_logits = adapter(batch.input_ids)
    merged_logits = Frozen(merged)(batch.input_ids)
    gap = (merged_logits - adapter_logits).abs().max() / adapter_logits.abs().max()
    return Merge(
        model_class=type(merged).__name__,
        same_class=type(merged) is type(lab.base.model),
        parameters=sum(p.numel() for p in merged.parameters()),
        logit_gap=gap.item(),
        forward_ms={
            "base": forward_ms(Frozen(lab.base.model)),
            "adapter": forward_ms(adapter),
            "merged": forward_ms(Frozen(merged)),
        },
    )


# -- tables ------------------------------------------------------------------------------------


def _kb(n: int) -> str:
    """Bytes for people: KB below a megabyte, MB above."""
    return f"{n / 1024:,.1f} KB" if n < 1024**2 else f"{n / 1024**2:,.1f} MB"


def _title(key: str) -> str:
    """ "lora merged" -> "LoRA merged": the method's own title."""
    method, _, merged = key.partition(" ")
    return REGISTRY[method].title + (f" {merged}" if merged else "")


def _mean(scores_by_task: dict[str, float], names) -> float:
    return sum(scores_by_task[n] for n in names) / len(names)


def _cost_tables(lab: LabRun, costs, before, after, others) -> None:
    if not costs:
        return
    lab.table(
        "Training: what each method costs",
        ["method", "trainable", "Adam state", "saved for backward", "ms/step"],
        [
            [
                _title(key),
                f"{c.trainable:,}",
                _kb(c.adam_bytes),
                _kb(c.activation_bytes),
                f"{c.ms_per_step:.1f}",
            ]
            for key, c in costs.items()
        ],
        note=(
            "Gradients take as many bytes as the trainable numbers; Adam state (exp_avg + "
            "exp_avg_sq, counted in the optimizer after training) twice as many. Saved for "
            "backward: the activations autograd kept on one batch of 64. Step times are "
            "wall-clock and move with the machine's load."
        ),
    )
    lab.table(
        "Serving: what one more task stores",
        ["method", "file per task", "exact match", "other tasks", "answers with"],
        [
            [
                _title(key),
                f"{_kb(c.stored_bytes)} ({c.stored_tensors})",
                c.exact_match,
                _mean(after[key], others),
                c.served_checksum[:12],
            ]
            for key, c in costs.items()
        ],
        note=(
            "File per task: torch.save of what the method stores (prompt, prefix, LoRA's A and "
            "B, or the whole state_dict), with its number of tensors. Exact match: held-out, "
            "after training. Other tasks: their mean exact match afterwards, with their words. "
            "Answers with: sha256 of the weights the method serves with; the frozen base is "
            f"{lab.base_checksum[:12]}… " + SCALE_NOTE
        ),
    )


def _forgetting_table(lab: LabRun, skill: str, before, after, others) -> None:
    if not after:
        return
    keys = list(after)
    rows: list[list[Any]] = [
        [name, before[name], *(after[k][name] for k in keys)] for name in PRETRAINING
    ]
    rows.append([f"mean, not {skill}", _mean(before, others)])
    rows[-1] += [_mean(after[k], others) for k in keys]
    lab.table(
        f"Forgetting: the other tasks after training on {skill}",
        ["task", "base", *(_title(k) for k in keys)],
        rows,
        note=(
            "Each task is asked with its instruction word. "
            "Prompt tuning, prefix tuning and LoRA serve the other tasks with the untouched base "
            "(nothing added); full fine-tuning serves them with its own copy, the only copy it "
            "has, and so does LoRA merged into the weights."
        ),
    )


def _inference_table(lab: LabRun, costs: dict[str, Cost], merge: Merge | None) -> None:
    """What serving one task adds to the frozen model, in each method's own words."""
    rows = []
    for key, c in costs.items():
        spec = REGISTRY[key]
        beside = f"{c.stored_numbers:,}" if c.shares_base else f"a whole copy ({c.trainable:,})"
        rows.append([spec.title, spec.at_inference, beside])
    if merge:
        rows.append(["LoRA merged", "nothing", f"a whole copy ({merge.parameters:,})"])
    note = ""
    if merge:
        ms = merge.forward_ms
        note = (
            f"LoRA merged into W + (α/r)·B·A is a plain {merge.model_class} with "
            f"{merge.parameters:,} parameters; its logits differ from the adapter's by at most "
            f"{merge.logit_gap:.1e} of their size. One forward pass over the held-out set: "
            f"base {ms['base']:.1f} ms, LoRA adapter {ms['adapter']:.1f} ms, merged "
            f"{ms['merged']:.1f} ms."
        )
    name = "What each method adds at inference"
    lab.table(name, ["method", "adds", "numbers beside the base"], rows, note=note)


# -- invariants and findings -------------------------------------------------------------------


def _invariants(lab: LabRun, costs, before, after, base_loss, merge) -> None:
    """What holds by construction: a ✗ here is a bug in the engine, not a result."""
    if not costs:
        return
    lab.invariant(
        "each method trains what its own formula gives, from the model's geometry: "
        + "; ".join(f"{_title(key)} {c.expected}" for key, c in costs.items()),
        all(c.trainable == c.expected.value for c in costs.values()),
    )
    lab.invariant(
        "Adam keeps two numbers per trainable parameter (exp_avg, exp_avg_sq): "
        + ", ".join(f"{_kb(c.adam_bytes)} for {_title(key)}" for key, c in costs.items()),
        all(c.adam_bytes == 2 * c.trainable_bytes for c in costs.values()),
    )
    beside = {key: c for key, c in costs.items() if c.shares_base}
    if "full-finetune" in costs and beside:
        full = costs["full-finetune"]
        lab.invariant(
            "one more task stores "
            + ", ".join(f"{c.stored_bytes:,} bytes as {_title(k)}" for k, c in beside.items())
            + f", and {full.stored_bytes:,} as a fine-tuned state_dict (≥ 10× each)",
            all(full.stored_bytes >= 10 * c.stored_bytes for c in beside.values()),
        )
        fewest = min(costs, key=lambda key: costs[key].stored_bytes)
        lab.observe(
            "fewest_bytes_per_task",
            fewest,
            detail=", ".join(f"{_title(k)} {c.stored_bytes:,} bytes" for k, c in costs.items()),
            rows=list(costs),
        )
    lab.invariant(
        "the shared base is bit-for-bit unchanged, and the methods that keep it answer with it "
        "while the fine-tuned copy's weights differ from it (sha256)",
        lab.base_unchanged()
        and all((c.served_checksum == lab.base_checksum) == c.shares_base for c in costs.values()),
    )
    kept = [key for key, c in costs.items() if c.shares_base]
    if kept:
        lab.invariant(
            f"after {', '.join(_title(key) for key in kept)} every other task keeps exactly its "
            "exact match: the same frozen model, evaluated twice",
            all(after[key] == before for key in kept),
        )
    if "lora" in costs:
        lora = costs["lora"]
        lab.observe(
            "lora_trainable",
            lora.trainable,
            detail=f"{lora.expected}, measured by requires_grad",
            rows=["lora"],
        )
        start = lab.methods["lora"].curve[0].get("eval_loss")
        lab.invariant(
            "LoRA starts exactly at the base model (B = 0, so B·A = 0): its held-out loss before "
            f"training is the base's, {base_loss:.4f}",
            start == base_loss,
        )
    if merge:
        lab.invariant(
            f"merged into W + (α/r)·B·A, LoRA is a plain {merge.model_class} with the base's "
            f"{lab.base.num_params:,} parameters and the adapter's logits (max difference "
            f"{merge.logit_gap:.1e} of their size, ≤ {MERGE_TOLERANCE:g})",
            merge.same_class
            and merge.parameters == lab.base.num_params
            and merge.logit_gap <= MERGE_TOLERANCE,
        )


def _findings(lab: LabRun, skill: str, costs, before, after, others) -> None:
    """What could have come out otherwise, each checked as its text says."""
    if costs:
        steps = lab.params["steps"]
        lab.claim(
            f"every method reaches ≥ {SKILL_TARGET:.0%} on {skill} without its word in "
            f"{steps} steps: "
            + ", ".join(f"{_title(k)} {c.exact_match:.1%}" for k, c in costs.items()),
            all(c.exact_match >= SKILL_TARGET for c in costs.values()),
        )
    if "prompt-tuning" in costs and "full-finetune" in costs:
        p, f = costs["prompt-tuning"], costs["full-finetune"]
        share = p.activation_bytes / f.activation_bytes
        lab.claim(
            f"prompt tuning keeps ≥ {ACTIVATION_SHARE:.0%} of full fine-tuning's activations for "
            f"backward ({share:.0%}) while training {p.trainable / f.trainable:.2%} as many "
            "numbers",
            share >= ACTIVATION_SHARE,
        )
    for key in ("full-finetune", "lora merged"):
        if key not in after:
            continue
        drop = _mean(before, others) - _mean(after[key], others)
        lab.claim(
            f"{_title(key)} on {skill} forgets: the other tasks' mean exact match falls by "
            f"{100 * drop:.1f} points (≥ {100 * FORGETTING_DROP:.0f})",
            drop >= FORGETTING_DROP,
        )
        if key == "lora merged":
            lab.observe(
                "merged_lora_forgetting",
                100 * max(drop, 0.0),
                detail=f"other tasks' mean exact match {_mean(before, others):.1%} with the "
                f"base, {_mean(after[key], others):.1%} with LoRA merged into its weights",
                rows=["lora"],
            )
