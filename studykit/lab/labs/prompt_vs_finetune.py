"""Lab `prompt-vs-finetune`: a few trained input vectors against a trained copy of every weight.

    studykit lab prompt-vs-finetune [--task add1] [--new-task mul2] [--steps 100] [--seed 0]

Both methods learn the same task from the same batches. The lab measures what each one costs and
what each one can reach:

1. Cost: trainable parameters, their gradients, Adam's state (exp_avg and exp_avg_sq, counted in
   the real optimizer), the activations autograd keeps for the backward pass, and the bytes to
   store one more task (the prompt tensor vs the whole state_dict, serialized with torch.save).
2. Forgetting: the other pretraining tasks, with their instruction words, before and after. Prompt
   tuning leaves the shared model untouched; the fine-tuned copy loses some of them.
3. A skill the base model lacks (mul2 by default): only weight updates add it.
4. Serving many tasks from one frozen model: one batch mixing examples of several tasks, each row
   behind its own soft prompt, against one fine-tuned copy per task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from studykit.lab.data import Batch, TaskData, encode
from studykit.lab.evaluate import evaluate
from studykit.lab.finetune import FullFineTune
from studykit.lab.harness import LabRun
from studykit.lab.instruments import saved_activation_bytes, serialized_bytes, weight_bytes
from studykit.lab.measure import checksum
from studykit.lab.methods import Frozen
from studykit.lab.results import LabResult, ProgressCallback, StopCheck
from studykit.lab.soft_prompt import SoftPrompt
from studykit.lab.tasks import PRETRAINING, Task, get_task
from studykit.lab.train import TrainConfig

if TYPE_CHECKING:
    from transformers import PreTrainedModel

NAME = "prompt-vs-finetune"
METHODS = ["prompt-tuning", "full-finetune"]
SKILL_TARGET = 0.9  # exact match at which a known skill counts as brought back
SERVE_TARGET = 0.98  # a serving prompt stops training once it is this good (or at `steps`)
SERVE_ORDER = ["max", "count", "sort", "reverse", "add1", "copy"]  # quickest prompts first
SERVE_EXAMPLES = 32  # rows per task in the mixed batch
FORGETTING_DROP = 0.10  # a fall in the other tasks' mean exact match that counts as forgetting
NEW_SKILL_GAP = 0.50  # full fine-tuning's lead on the new skill that the lab claims
EVAL_EVERY = 25


# -- what a method costs -----------------------------------------------------------------------


def per_task_tensors(method: str, model: nn.Module) -> dict[str, torch.Tensor]:
    """What must be saved to serve one more task: the prompt, or the fine-tuned state_dict."""
    if method == "prompt-tuning":
        return {"prompt": cast(SoftPrompt, model).prompt.detach()}
    return cast(FullFineTune, model).model.state_dict()


@dataclass
class Cost:
    trainable: int
    lr: float
    gradient_bytes: int  # one gradient number per trainable parameter
    adam_bytes: int  # exp_avg + exp_avg_sq, measured in the optimizer after training
    activation_bytes: int  # saved for backward on one training batch
    stored_bytes: int  # the per-task file
    served_checksum: str  # sha256 of the weights this method answers with


# -- serving several tasks from one frozen model -------------------------------------------------


def mixed_prompt_logits(
    base: PreTrainedModel, prompts: torch.Tensor, task_of_row: torch.Tensor, input_ids: torch.Tensor
) -> torch.Tensor:
    """One forward pass over rows of different tasks, each row behind its own task's prompt.

    prompts (N, k, d) for N tasks, task_of_row (B,) in 0..N-1, input_ids (B, T) -> logits (B, T, V).
    """
    k = prompts.shape[1]
    embeds = base.get_input_embeddings()(input_ids)  # (B, T, d)
    joined = torch.cat((prompts[task_of_row], embeds), dim=1)  # (B, k+T, d)
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
    task_of_row = torch.tensor(owner)
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


# -- the lab ---------------------------------------------------------------------------------------


def run(
    params: dict[str, Any],
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> LabResult:
    lab = LabRun(NAME, params, on_progress, should_stop)
    lab.result.curve_metrics = ["exact_match"]
    skill, new = get_task(params["task"]), get_task(params["new_task"])
    k = params["virtual_tokens"]
    lrs = {"prompt-tuning": params["prompt_lr"], "full-finetune": params["finetune_lr"]}
    parts = {"skill": (skill, params["steps"]), "new": (new, params["new_steps"])}
    others = [name for name in PRETRAINING if name != skill.name]  # the tasks not trained on
    word_data = {name: lab.data(t, words=t.words) for name, t in PRETRAINING.items()}
    frozen = Frozen(lab.base.model)
    before = {name: evaluate(frozen, d.eval_batch).exact_match for name, d in word_data.items()}

    trained: dict[str, nn.Module] = {}
    forgetting: dict[str, dict[str, float]] = {}
    costs: dict[str, Cost] = {}
    for part, (task, steps) in parts.items():
        data = lab.data(task)  # the instruction word removed
        probe = Batch(data.eval_batch.input_ids[:64], data.eval_batch.labels[:64])  # for memory
        for method in METHODS:
            if lab.stopped:
                break
            key = f"{part}/{method}"
            config = TrainConfig(
                steps=steps, lr=lrs[method], eval_every=EVAL_EVERY, target=SKILL_TARGET
            )
            result, model = lab.train(key, data, config, virtual_tokens=k, init="random")
            trained[key] = model
            serves = model if method == "full-finetune" else frozen  # other tasks: no prompt
            forgetting[key] = {
                name: evaluate(serves, d.eval_batch).exact_match for name, d in word_data.items()
            }
            costs[key] = Cost(
                trainable=result.trainable_params,
                lr=lrs[method],
                gradient_bytes=4 * result.trainable_params,
                adam_bytes=result.extra["adam_state_bytes"],
                activation_bytes=saved_activation_bytes(model, probe),
                stored_bytes=serialized_bytes(per_task_tensors(method, model)),
                served_checksum=checksum(
                    cast(FullFineTune, model).model if method == "full-finetune" else lab.base.model
                ),
            )
    serving = None
    if not lab.stopped and "skill/prompt-tuning" in trained:
        serving = _serving(lab, skill, trained["skill/prompt-tuning"], params)
    _tables(lab, parts, costs, before, forgetting, others, serving)
    _claims(lab, parts, k, costs, before, forgetting, others, serving)
    return lab.finish()


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


def _tables(lab, parts, costs, before, forgetting, others, serving) -> None:
    rows = []
    for key, c in costs.items():
        part, method = key.split("/")
        rows.append(
            [
                part,
                method.replace("-", " "),
                f"{c.trainable:,}",
                f"{c.lr:g}",
                _kb(c.gradient_bytes),
                _kb(c.adam_bytes),
                _kb(c.activation_bytes),
                _kb(c.stored_bytes),
                f"{_mean(forgetting[key], others):.1%}",
                c.served_checksum[:12],
            ]
        )
    if rows:
        name = "What each method costs"
        lab.table(
            name,
            [
                "part",
                "method",
                "trainable",
                "lr",
                "grads",
                "Adam state",
                "saved for backward",
                "file per task",
                "other tasks after",
                "answers with",
            ],
            rows,
        )
        base_sum = lab.result.base_checksum_before[:12]
        lab.result.tables[name]["note"] = (
            "Adam state: exp_avg + exp_avg_sq counted in the optimizer after training. Saved "
            "for backward: the activations autograd kept on one batch of 64. File per task: "
            "torch.save of the prompt, or of the whole state_dict. Other tasks after: mean exact "
            "match of the other pretraining tasks, with their words. Answers with: sha256 of the "
            f"weights the method serves with; the frozen base is {base_sum}…"
        )
    columns = ["task (with its word)", "base model"]
    keys = list(forgetting)
    columns += [
        f"after {k.split('/')[1].replace('-', ' ')} on {parts[k.split('/')[0]][0].name}"
        for k in keys
    ]
    rows = [[name, before[name], *(forgetting[k][name] for k in keys)] for name in PRETRAINING]
    if keys:
        rows.append(
            [
                f"mean without {parts['skill'][0].name}",
                _mean(before, others),
                *(_mean(forgetting[k], others) for k in keys),
            ]
        )
        lab.table("Forgetting: the other tasks' exact match", columns, rows)
        lab.result.tables["Forgetting: the other tasks' exact match"]["note"] = (
            "Prompt tuning serves the other tasks with the untouched base (no prompt); full "
            "fine-tuning serves them with its own copy, the only copy it has."
        )
    if serving:
        _serving_tables(lab, serving)


def _serving_tables(lab: LabRun, serving: Serving) -> None:
    n = len(serving.tasks)
    rows = [[name, serving.mixed[name], serving.alone[name]] for name in serving.tasks]
    name = f"One mixed batch of {serving.rows} rows, {n} tasks, one frozen model"
    lab.table(name, ["task", "exact match in the mixed batch", "its prompt served alone"], rows)
    lab.result.tables[name]["note"] = (
        f"Rows of the {n} tasks are interleaved; each row is joined to its own task's (k, d) "
        "prompt and all of them go through the model in one forward pass."
    )
    model = weight_bytes(lab.base.model)
    prompt = lab.base.config.hidden_size * lab.params["virtual_tokens"] * 4
    base_file = serialized_bytes(lab.base.model.state_dict())
    prompt_file = serialized_bytes(
        {"prompt": torch.zeros(lab.params["virtual_tokens"], lab.base.config.hidden_size)}
    )
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
    d = lab.base.config.hidden_size
    n_base = lab.base.num_params
    prompt_costs = [c for key, c in costs.items() if key.endswith("prompt-tuning")]
    full_costs = [c for key, c in costs.items() if key.endswith("full-finetune")]
    if prompt_costs and full_costs:
        p, f = prompt_costs[0], full_costs[0]
        lab.claim(
            f"prompt tuning trains k·d = {k}·{d} = {k * d:,} numbers; full fine-tuning trains "
            f"all {n_base:,} ({n_base / (k * d):.0f}× more)",
            all(c.trainable == k * d for c in prompt_costs)
            and all(c.trainable == n_base for c in full_costs),
        )
        lab.claim(
            "Adam keeps two numbers per trainable parameter (exp_avg, exp_avg_sq): "
            f"{_kb(p.adam_bytes)} for the prompt vs {_kb(f.adam_bytes)} for full fine-tuning",
            all(c.adam_bytes == 8 * c.trainable for c in costs.values()),
        )
        lab.claim(
            f"one more task costs {p.stored_bytes:,} bytes as a prompt and {f.stored_bytes:,} "
            f"as a fine-tuned state_dict ({f.stored_bytes / p.stored_bytes:.0f}× more)",
            f.stored_bytes >= 10 * p.stored_bytes,
        )
        share = p.activation_bytes / f.activation_bytes
        lab.claim(
            f"activations kept for backward do not shrink with the trainable parameters: prompt "
            f"tuning keeps {share:.0%} of full fine-tuning's while training "
            f"{p.trainable / f.trainable:.2%} as many numbers",
            share >= 0.5,
        )
    if full_costs:
        lab.claim(
            "the shared base model is bit-for-bit unchanged after prompt tuning, while each "
            "fine-tuned copy's weights differ from it (sha256)",
            lab.base_unchanged()
            and all(c.served_checksum != lab.result.base_checksum_before for c in full_costs),
        )
    skill = parts["skill"][0].name
    if "skill/prompt-tuning" in forgetting:
        lab.claim(
            "after prompt tuning every other task keeps exactly its exact match (with its word)",
            all(forgetting[key] == before for key in forgetting if key.endswith("prompt-tuning")),
        )
    if "skill/full-finetune" in forgetting:
        drop = _mean(before, others) - _mean(forgetting["skill/full-finetune"], others)
        lab.claim(
            f"full fine-tuning on {skill} forgets: the other tasks' mean exact match falls by "
            f"{100 * drop:.1f} points (≥ {100 * FORGETTING_DROP:.0f})",
            drop >= FORGETTING_DROP,
        )
    if "skill/prompt-tuning" in lab.result.methods:
        lab.claim(
            f"a soft prompt brings {skill} back without its word "
            f"(≥ {SKILL_TARGET:.0%}: {lab.em('skill/prompt-tuning'):.1%})",
            lab.em("skill/prompt-tuning") >= SKILL_TARGET,
        )
    new, steps = parts["new"]
    if "new/full-finetune" in lab.result.methods and "new/prompt-tuning" in lab.result.methods:
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
