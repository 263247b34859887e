"""Lab `prompt-vs-finetune`: four ways to adapt one frozen model, side by side on one task.

    studykit lab prompt-vs-finetune [--task add1] [--new-task mul2] [--steps 100] [--seed 0]

Prompt tuning (k input vectors), prefix tuning (k keys and values per layer), LoRA (a rank-r
update B·A beside each attention projection) and full fine-tuning (a copy of every weight) learn
the same task from the same batches. Each method answers for itself, through the method
registry, what it trains, what one more task stores and what it adds at inference; the lab
measures the rest:

1. Cost: trainable parameters (checked against each method's own formula), Adam's state
   (exp_avg and exp_avg_sq, counted in the real optimizer), the activations autograd keeps for
   the backward pass, the bytes to store one more task (serialized with torch.save), step time.
2. Forgetting: the other pretraining tasks, with their instruction words, before and after. The
   methods that keep the shared base leave them untouched; the fine-tuned copy loses some, and so
   does LoRA once merged into the weights.
3. A skill the base model lacks (mul2 by default): how far each method gets in the same steps.
4. Inference: LoRA merged into W + (α/r)·B·A is a plain model with the adapter's logits.
5. Serving many tasks from one frozen model: one batch mixing examples of several tasks, each row
   behind its own soft prompt, against one fine-tuned copy per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from studykit.lab.engine.data import Batch, TaskData, encode
from studykit.lab.engine.evaluate import evaluate
from studykit.lab.engine.geometry import soft_prompt_count, widths
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import saved_activation_bytes, serialized_bytes, weight_bytes
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import REGISTRY, Count, Frozen
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig
from studykit.lab.tasks import PRETRAINING, Task, get_task

if TYPE_CHECKING:
    from transformers import PreTrainedModel

METHODS = ["prompt-tuning", "prefix-tuning", "lora", "full-finetune"]
SKILL_TARGET = 0.9  # exact match at which a known skill counts as brought back
SERVE_TARGET = 0.98  # a serving prompt stops training once it is this good (or at `steps`)
SERVE_ORDER = ["max", "count", "sort", "reverse", "add1", "copy"]  # quickest prompts first
SERVE_EXAMPLES = 32  # rows per task in the mixed batch
FORGETTING_DROP = 0.10  # a fall in the other tasks' mean exact match that counts as forgetting
NEW_SKILL_GAP = 0.50  # full fine-tuning's lead on the new skill that the lab claims
LORA_NEW_SKILL_LEAD = 0.15  # LoRA's lead over the prompt and the prefix on the new skill
MERGE_TOLERANCE = 1e-5  # merged logits may differ from the adapter's by this share of their size
EVAL_EVERY = 25


# -- the lab ---------------------------------------------------------------------------------------


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("exact_match")
    skill, new = get_task(params["task"]), get_task(params["new_task"])
    k = params["virtual_tokens"]
    lrs = {
        "prompt-tuning": params["prompt_lr"],
        "prefix-tuning": params["prefix_lr"],
        "lora": params["lora_lr"],
        "full-finetune": params["finetune_lr"],
    }
    options = method_options(params)
    parts = {"skill": (skill, params["steps"]), "new": (new, params["new_steps"])}
    others = [name for name in PRETRAINING if name != skill.name]  # the tasks not trained on
    word_data = {name: lab.data(t, words=t.words) for name, t in PRETRAINING.items()}
    frozen = Frozen(lab.base.model)
    before = {name: evaluate(frozen, d.eval_batch).exact_match for name, d in word_data.items()}

    trained: dict[str, nn.Module] = {}
    forgetting: dict[str, dict[str, float]] = {}
    costs: dict[str, Cost] = {}
    base_loss: dict[str, float] = {}  # each part's held-out loss of the frozen base
    merge: Merge | None = None
    for part, (task, steps) in parts.items():
        data = lab.data(task)  # the instruction word removed
        probe = Batch(data.eval_batch.input_ids[:64], data.eval_batch.labels[:64])  # for memory
        base_loss[part] = evaluate(frozen, data.eval_batch).loss
        for method in METHODS:
            if lab.stopped:
                break
            key = f"{part}/{method}"
            config = TrainConfig(
                steps=steps, lr=lrs[method], eval_every=EVAL_EVERY, target=SKILL_TARGET
            )
            result, model = lab.train(key, data, config, **options[method])
            trained[key] = model
            spec = REGISTRY[method]
            own = spec.own_weights(model)  # None: the method keeps the shared frozen base
            # the other tasks are served by what the method leaves of the model: the base with
            # nothing added, or the only copy full fine-tuning has
            serves = Frozen(own) if own is not None else frozen
            forgetting[key] = {
                name: evaluate(serves, d.eval_batch).exact_match for name, d in word_data.items()
            }
            if spec.merge is not None and part == "skill":
                merged = spec.merge(model)
                forgetting[f"{key} merged"] = {
                    name: evaluate(Frozen(merged), d.eval_batch).exact_match
                    for name, d in word_data.items()
                }
                merge = _check_merge(lab, model, merged, data.eval_batch)
            stored = per_task_tensors(method, model)
            costs[key] = Cost(
                trainable=result.trainable_params,
                expected=spec.expected_trainable(model),
                lr=lrs[method],
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
    serving = None
    if not lab.stopped and "skill/prompt-tuning" in trained:
        serving = _serving(lab, skill, trained["skill/prompt-tuning"], params)
    _tables(lab, parts, costs, before, forgetting, others, serving, merge)
    _claims(lab, parts, k, costs, before, forgetting, others, serving)
    _lora_claims(lab, parts, costs, before, forgetting, others, base_loss, merge)


# -- what a method costs -----------------------------------------------------------------------


def per_task_tensors(method: str, model: nn.Module) -> dict[str, torch.Tensor]:
    """What must be saved to serve one more task, in the method's own words: the prompt, the
    prefix, LoRA's A and B, or the fine-tuned state_dict."""
    return REGISTRY[method].per_task(model)


def method_options(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each method's own options, from the lab's parameters. LoRA keeps α = 8 whatever r, as
    Hu et al. set α to the first r they tried and did not tune it."""
    k = params["virtual_tokens"]
    return {
        "prompt-tuning": {"virtual_tokens": k, "init": "random"},
        "prefix-tuning": {"virtual_tokens": k, "init": "random"},
        "lora": {"r": params["lora_rank"]},
        "full-finetune": {},
    }


def trainable_bytes(model: nn.Module) -> int:
    """Bytes of the numbers that train (a prompt stays float32 in a bfloat16 model)."""
    return sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)


@dataclass
class Cost:
    trainable: int
    expected: Count  # what the method's own formula predicts, from the model's geometry
    lr: float
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


# -- serving several tasks from one frozen model -------------------------------------------------


def mixed_prompt_logits(
    base: PreTrainedModel, prompts: torch.Tensor, task_of_row: torch.Tensor, input_ids: torch.Tensor
) -> torch.Tensor:
    """One forward pass over rows of different tasks, each row behind its own task's prompt.

    prompts (N, k, d) for N tasks, task_of_row (B,) in 0..N-1, input_ids (B, T) -> logits (B, T, V).
    """
    k = prompts.shape[1]
    embeds = base.get_input_embeddings()(input_ids)  # (B, T, d)
    joined = torch.cat((prompts[task_of_row].to(embeds.dtype), embeds), dim=1)  # (B, k+T, d)
    return base(inputs_embeds=joined, use_cache=False).logits[:, k:]  # (B, T, V)


def correct_rows(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(B,) True where every answer token of the row is the most likely next token."""
    predicted, target = logits[:, :-1].argmax(-1), labels[:, 1:]
    return ((predicted == target) | (target < 0)).all(dim=1)


@dataclass
class Serving:
    tasks: list[str]
    mixed: dict[str, float]  # exact match of each task's rows inside the one mixed batch
    alone: dict[str, float]  # the same rows, each task's prompt served on its own
    same_rows_right: bool  # every row right in the mixed batch is right alone, and vice versa
    rows: int


@torch.no_grad()
def serve_mixed(
    base: PreTrainedModel, prompts: dict[str, SoftPrompt], data: dict[str, TaskData], encoder
) -> Serving:
    """Interleave `SERVE_EXAMPLES` held-out examples of each task into one batch and answer them
    all in one forward pass, each row with its own task's prompt; then each task alone."""
    names = list(prompts)
    examples, owner = [], []
    for i in range(SERVE_EXAMPLES):
        for n, name in enumerate(names):
            examples.append(data[name].eval_examples[i])
            owner.append(n)
    batch = encode(examples, encoder)
    task_of_row = torch.tensor(owner, device=batch.input_ids.device)
    stacked = torch.stack([prompts[name].prompt for name in names])  # (N, k, d)
    right = correct_rows(
        mixed_prompt_logits(base, stacked, task_of_row, batch.input_ids), batch.labels
    )
    mixed, alone, same = {}, {}, True
    for n, name in enumerate(names):
        rows = task_of_row == n
        alone_batch = encode([e for e, o in zip(examples, owner, strict=True) if o == n], encoder)
        alone_right = correct_rows(prompts[name](alone_batch.input_ids), alone_batch.labels)
        mixed[name] = right[rows].float().mean().item()
        alone[name] = alone_right.float().mean().item()
        same = same and torch.equal(right[rows], alone_right)
    return Serving(names, mixed, alone, same, len(examples))


@torch.no_grad()
def _check_merge(lab: LabRun, adapter: nn.Module, merged: nn.Module, batch: Batch) -> Merge:
    """Compare the merged model with the adapter it came from on a held-out batch, and time
    one forward pass of each (median of three), beside the base's."""
    import statistics
    import time

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


def _serving(lab: LabRun, skill: Task, skill_prompt: nn.Module, params: dict) -> Serving | None:
    """Prompts for `serve_tasks` known tasks (the skill's own, plus quick ones), then serve them
    from one frozen model in one mixed batch."""
    names = [skill.name] + [n for n in SERVE_ORDER if n != skill.name]
    names = names[: params["serve_tasks"]]
    prompts: dict[str, SoftPrompt] = {skill.name: cast(SoftPrompt, skill_prompt)}
    data = {skill.name: lab.data(skill)}
    config = TrainConfig(
        steps=params["steps"],
        lr=params["prompt_lr"],
        eval_every=10,
        target=SERVE_TARGET,
        stop_at_target=True,
    )
    for name in names[1:]:
        if lab.stopped:
            return None
        data[name] = lab.data(name)
        _, prompt = lab.train(
            f"serving/{name} prompt",
            data[name],
            config,
            method="prompt-tuning",
            virtual_tokens=params["virtual_tokens"],
            init="random",
        )
        prompts[name] = cast(SoftPrompt, prompt)  # built as "prompt-tuning" just above
    return serve_mixed(lab.base.model, prompts, data, lab.encoder)


# -- tables and claims -----------------------------------------------------------------------------


def _kb(n: int) -> str:
    """Bytes for people: KB below a megabyte, MB above."""
    return f"{n / 1024:,.1f} KB" if n < 1024**2 else f"{n / 1024**2:,.1f} MB"


def _title(key: str) -> str:
    """ "skill/lora merged" -> "LoRA merged": the method's own title."""
    method, _, merged = key.split("/")[1].partition(" ")
    return REGISTRY[method].title + (f" {merged}" if merged else "")


def _tables(lab, parts, costs, before, forgetting, others, serving, merge) -> None:
    rows = []
    for key, c in costs.items():
        rows.append(
            [
                key.split("/")[0],
                _title(key),
                f"{c.trainable:,}",
                f"{c.lr:g}",
                _kb(c.adam_bytes),
                _kb(c.activation_bytes),
                f"{_kb(c.stored_bytes)} ({c.stored_tensors} tensors)",
                f"{c.ms_per_step:.1f}",
                f"{c.exact_match:.1%}",
                f"{_mean(forgetting[key], others):.1%}",
                c.served_checksum[:12],
            ]
        )
    if rows:
        base_sum = lab.base_checksum[:12]
        note = (
            "Gradients take as many bytes as the trainable numbers; Adam state (exp_avg + "
            "exp_avg_sq, counted in the optimizer after training) twice as many. Saved for "
            "backward: the activations autograd kept on one batch of 64. File per task: "
            "torch.save of what the method stores (prompt, prefix, LoRA's A and B, or the whole "
            "state_dict). Exact match: held-out, after training. Other tasks after: mean exact "
            "match of the other pretraining tasks, with their words. Answers with: sha256 of the "
            f"weights the method serves with; the frozen base is {base_sum}…"
        )
        lab.table(
            "What each method costs",
            [
                "part",
                "method",
                "trainable",
                "lr",
                "Adam state",
                "saved for backward",
                "file per task",
                "ms/step",
                "exact match",
                "other tasks after",
                "answers with",
            ],
            rows,
            note=note,
        )
        _inference_table(lab, costs, merge)
    columns = ["task (with its word)", "base model"]
    keys = list(forgetting)
    columns += [f"after {_title(k)} on {parts[k.split('/')[0]][0].name}" for k in keys]
    rows = [[name, before[name], *(forgetting[k][name] for k in keys)] for name in PRETRAINING]
    if keys:
        rows.append(
            [
                f"mean without {parts['skill'][0].name}",
                _mean(before, others),
                *(_mean(forgetting[k], others) for k in keys),
            ]
        )
        note = (
            "Prompt tuning, prefix tuning and LoRA serve the other tasks with the untouched base "
            "(nothing added); full fine-tuning serves them with its own copy, the only copy it "
            "has, and so does LoRA merged into the weights."
        )
        lab.table("Forgetting: the other tasks' exact match", columns, rows, note=note)
    if serving:
        _serving_tables(lab, serving)


def _inference_table(lab: LabRun, costs: dict[str, Cost], merge: Merge | None) -> None:
    """What serving one task adds to the frozen model, in each method's own words."""
    rows = []
    for key, c in costs.items():
        if not key.startswith("skill/"):
            continue
        spec = REGISTRY[key.split("/")[1]]
        beside = (
            f"{c.stored_numbers:,}" if c.shares_base else f"none: a whole copy ({c.trainable:,})"
        )
        rows.append([spec.title, spec.at_inference, beside])
    if merge:
        rows.append(["LoRA merged", "nothing", f"none: a whole copy ({merge.parameters:,})"])
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
    lab.table(name, ["method", "adds", "numbers beside the frozen model"], rows, note=note)


def _serving_tables(lab: LabRun, serving: Serving) -> None:
    n = len(serving.tasks)
    rows = [[name, serving.mixed[name], serving.alone[name]] for name in serving.tasks]
    lab.table(
        f"One mixed batch of {serving.rows} rows, {n} tasks, one frozen model",
        ["task", "exact match in the mixed batch", "its prompt served alone"],
        rows,
        note=(
            f"Rows of the {n} tasks are interleaved; each row is joined to its own task's (k, d) "
            "prompt and all of them go through the model in one forward pass."
        ),
    )
    model = weight_bytes(lab.base.model)
    k, embedding = lab.params["virtual_tokens"], widths(lab.base.model)[1]
    prompt = k * embedding * 4  # a soft prompt is float32 whatever the model's dtype
    base_file = serialized_bytes(lab.base.model.state_dict())
    prompt_file = serialized_bytes({"prompt": torch.zeros(k, embedding)})
    lab.table(
        f"Serving {n} tasks",
        ["setup", "weights in memory", "files on disk"],
        [
            [
                f"1 frozen model + {n} soft prompts",
                _kb(model + n * prompt),
                _kb(base_file + n * prompt_file),
            ],
            [f"{n} fine-tuned copies", _kb(n * model), _kb(n * base_file)],
        ],
    )


def _mean(scores_by_task: dict[str, float], names) -> float:
    return sum(scores_by_task[n] for n in names) / len(names)


def _claims(lab, parts, k, costs, before, forgetting, others, serving) -> None:
    count = soft_prompt_count(lab.base.model, k)  # from the model's own embedding width
    n_base = lab.base.num_params
    prompt_costs = [c for key, c in costs.items() if key.endswith("prompt-tuning")]
    full_costs = [c for key, c in costs.items() if key.endswith("full-finetune")]
    if prompt_costs and full_costs:
        p, f = prompt_costs[0], full_costs[0]
        lab.claim(
            f"prompt tuning trains {count} numbers; full fine-tuning trains "
            f"all {n_base:,} ({n_base / count.value:.0f}× more)",
            all(c.trainable == count.value for c in prompt_costs)
            and all(c.trainable == n_base for c in full_costs),
        )
        lab.claim(
            "Adam keeps two numbers per trainable parameter (exp_avg, exp_avg_sq): "
            f"{_kb(p.adam_bytes)} for the prompt vs {_kb(f.adam_bytes)} for full fine-tuning",
            all(c.adam_bytes == 2 * c.trainable_bytes for c in costs.values()),
        )
        beside = {_title(key): c for key, c in costs.items() if c.shares_base}
        smaller = ", ".join(
            f"{c.stored_bytes:,} bytes as {title}"
            for title, c in beside.items()
            if not title.startswith("full")
        )
        lab.claim(
            f"one more task costs {smaller}, and {f.stored_bytes:,} as a fine-tuned state_dict "
            f"(≥ 10× each)",
            all(f.stored_bytes >= 10 * c.stored_bytes for c in beside.values()),
        )
        share = p.activation_bytes / f.activation_bytes
        lab.claim(
            f"activations kept for backward do not shrink with the trainable parameters: prompt "
            f"tuning keeps {share:.0%} of full fine-tuning's while training "
            f"{p.trainable / f.trainable:.2%} as many numbers",
            share >= 0.5,
        )
    if full_costs:
        sharing = list(dict.fromkeys(_title(key) for key, c in costs.items() if c.shares_base))
        lab.claim(
            f"the shared base model is bit-for-bit unchanged after {', '.join(sharing)}, which "
            "answer with it, while each fine-tuned copy's weights differ from it (sha256)",
            lab.base_unchanged()
            and all(
                (c.served_checksum == lab.base_checksum) == c.shares_base for c in costs.values()
            ),
        )
    skill = parts["skill"][0].name
    kept = [key for key, c in costs.items() if c.shares_base and key.startswith("skill/")]
    if kept:
        lab.claim(
            f"after {', '.join(_title(key) for key in kept)} every other task keeps exactly its "
            "exact match (with its word): nothing was added to the model that serves them",
            all(forgetting[key] == before for key in kept),
        )
    if "skill/full-finetune" in forgetting:
        drop = _mean(before, others) - _mean(forgetting["skill/full-finetune"], others)
        lab.claim(
            f"full fine-tuning on {skill} forgets: the other tasks' mean exact match falls by "
            f"{100 * drop:.1f} points (≥ {100 * FORGETTING_DROP:.0f})",
            drop >= FORGETTING_DROP,
        )
    if "skill/prompt-tuning" in lab.methods:
        lab.claim(
            f"a soft prompt brings {skill} back without its word "
            f"(≥ {SKILL_TARGET:.0%}: {lab.em('skill/prompt-tuning'):.1%})",
            lab.em("skill/prompt-tuning") >= SKILL_TARGET,
        )
    new, steps = parts["new"]
    if "new/full-finetune" in lab.methods and "new/prompt-tuning" in lab.methods:
        prompt_em, full_em = lab.em("new/prompt-tuning"), lab.em("new/full-finetune")
        lab.claim(
            f"on {new.name}, a skill the base model lacks, full fine-tuning beats prompt tuning "
            f"by ≥ {100 * NEW_SKILL_GAP:.0f} points after the same {steps} steps "
            f"({full_em:.1%} vs {prompt_em:.1%})",
            full_em - prompt_em >= NEW_SKILL_GAP,
        )
    if serving:
        lab.claim(
            f"in one mixed batch of {len(serving.tasks)} tasks, each row answered with its own "
            "prompt is right exactly when it is right with that prompt served alone",
            serving.same_rows_right,
        )


def _lora_claims(lab, parts, costs, before, forgetting, others, base_loss, merge) -> None:
    """What the lab shows about LoRA beside the other methods, each claim computed."""
    if costs:
        formulas = {_title(key): c.expected for key, c in costs.items()}
        lab.claim(
            "each method trains what its own formula gives, from the model's geometry: "
            + "; ".join(f"{title} {count}" for title, count in formulas.items()),
            all(c.trainable == c.expected.value for c in costs.values()),
        )
    if "skill/lora" in costs:
        start = lab.methods["skill/lora"].curve[0].get("eval_loss")
        lab.claim(
            "LoRA starts exactly at the base model (B = 0, so B·A = 0): its held-out loss before "
            f"training is the base's, {base_loss['skill']:.4f}",
            start == base_loss["skill"],
        )
    if merge:
        lab.claim(
            f"merged into W + (α/r)·B·A, LoRA is a plain {merge.model_class} with the base's "
            f"{lab.base.num_params:,} parameters and the adapter's logits (max difference "
            f"{merge.logit_gap:.1e} of their size, ≤ {MERGE_TOLERANCE:g}): nothing extra at "
            "inference",
            merge.same_class
            and merge.parameters == lab.base.num_params
            and merge.logit_gap <= MERGE_TOLERANCE,
        )
    if "skill/lora merged" in forgetting:
        skill = parts["skill"][0].name
        drop = _mean(before, others) - _mean(forgetting["skill/lora merged"], others)
        lab.claim(
            f"merged, LoRA on {skill} forgets too: the other tasks' mean exact match falls by "
            f"{100 * drop:.1f} points (≥ {100 * FORGETTING_DROP:.0f}); keep the adapter apart to "
            "serve them",
            drop >= FORGETTING_DROP,
        )
    new, steps = parts["new"]
    keys = [f"new/{method}" for method in METHODS]
    if all(key in costs for key in keys):
        em = {method: costs[f"new/{method}"].exact_match for method in METHODS}
        lab.claim(
            f"on {new.name}, after the same {steps} steps, LoRA's weight update gets further than "
            f"the prompt and the prefix (by ≥ {100 * LORA_NEW_SKILL_LEAD:.0f} points) and full "
            f"fine-tuning at least as far: {em['lora']:.1%} vs {em['prompt-tuning']:.1%}, "
            f"{em['prefix-tuning']:.1%}; full {em['full-finetune']:.1%}",
            em["lora"] - max(em["prompt-tuning"], em["prefix-tuning"]) >= LORA_NEW_SKILL_LEAD
            and em["full-finetune"] >= em["lora"],
        )
