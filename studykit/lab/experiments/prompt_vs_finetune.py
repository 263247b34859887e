"""Lab `prompt-vs-finetune`: prompt tuning against full fine-tuning on one frozen model.

    studykit lab prompt-vs-finetune [--task add1] [--new-task mul2] [--steps 80] [--seed 0]

Three questions, each answered by a measurement:

1. A known skill: with its instruction word removed, does a soft prompt of k vectors bring it
   back, as full fine-tuning of every weight does? Each trains until it reaches 90% on held-out
   examples (at most `steps`).
2. Forgetting: the model's other pretraining tasks, with their words, before and after. Prompt
   tuning serves them with the untouched base (the same model evaluated twice: true by
   construction); the fine-tuned copy is the only model full fine-tuning has.
3. A new skill (mul2: double each digit mod 10), which pretraining never showed: how far each
   gets in the same steps. What is measured is one search (these k, this learning rate, these
   steps), not a proof that no prompt exists: Wang et al. 2023 (arXiv 2305.18787) prove that a
   suitable transformer can be prompted to any function, and impossibility only for single-layer
   ones; on `min`, which the model never saw either, a soft prompt gets far.

Then many tasks from one frozen model: one batch mixing examples of several tasks, each row
behind its own soft prompt.

Scale: Lester et al.'s central result, prompt tuning matching full fine-tuning, appears only as
models grow towards ~10B parameters; a 100k-parameter model cannot show it (nor its trend). The
miniature shows the mechanics instead: what a prompt can select, what it leaves untouched, and
what changing the weights costs. The four-way comparison of costs (prefix tuning and LoRA too)
is the `peft-methods` lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from studykit.lab.engine.data import TaskData, encode
from studykit.lab.engine.evaluate import evaluate
from studykit.lab.engine.geometry import soft_prompt_count, widths
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import serialized_bytes, weight_bytes
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import REGISTRY, Frozen
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig
from studykit.lab.tasks import PRETRAINING, Task, get_task

if TYPE_CHECKING:
    from transformers import PreTrainedModel

METHODS = ["prompt-tuning", "full-finetune"]
SKILL_TARGET = 0.9  # exact match at which a skill counts as reached (known and new alike)
SERVE_TARGET = 0.98  # a serving prompt stops training once it is this good (or at `steps`)
SERVE_ORDER = ["max", "count", "sort", "reverse", "add1", "copy"]  # quickest prompts first
SERVE_EXAMPLES = 32  # rows per task in the mixed batch
FORGETTING_DROP = 0.10  # a fall in the other tasks' mean exact match that counts as forgetting
NEW_SKILL_MISS = 0.10  # below this exact match, a method did not get anywhere on the new skill
EVAL_EVERY = 10
BATCH = 32  # examples a step: a third less CPU a step than 64, and as few steps to 90% on mul2
EVAL_SIZE = 128  # held-out examples per task: enough to tell 90% from 10%, and quick to score
SCALE_NOTE = (
    "Scale: Lester et al. found prompt tuning matching full fine-tuning only as models grow "
    "towards ~10B parameters; this 100k-parameter model cannot show that. It shows the "
    "mechanics: a prompt selects a skill the base has and leaves the base untouched; changing "
    "the weights reaches further and forgets."
)


# -- the lab ---------------------------------------------------------------------------------------


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("exact_match")
    skill, new = get_task(params["task"]), get_task(params["new_task"])
    lrs = {"prompt-tuning": params["prompt_lr"], "full-finetune": params["finetune_lr"]}
    options = {
        "prompt-tuning": {"virtual_tokens": params["virtual_tokens"], "init": "random"},
        "full-finetune": {},
    }
    parts = {"skill": (skill, params["steps"]), "new": (new, params["new_steps"])}
    others = [name for name in PRETRAINING if name != skill.name]  # the tasks not trained on
    word_data = {
        name: lab.data(t, words=t.words, eval_size=EVAL_SIZE) for name, t in PRETRAINING.items()
    }
    frozen = Frozen(lab.base.model)
    before = {name: evaluate(frozen, d.eval_batch).exact_match for name, d in word_data.items()}

    trained: dict[str, nn.Module] = {}
    after: dict[str, dict[str, float]] = {}  # the other tasks, after the skill, per method
    answers_with: dict[str, str] = {}  # sha256 of the weights each method serves with
    for part, (task, steps) in parts.items():
        data = lab.data(task, batch_size=BATCH, eval_size=EVAL_SIZE)  # the word removed
        for method in METHODS:
            if lab.stopped:
                break
            key = f"{part}/{method}"
            config = TrainConfig(
                steps=steps,
                lr=lrs[method],
                eval_every=EVAL_EVERY,
                target=SKILL_TARGET,
                stop_at_target=True,  # the question is whether it gets there, and at what cost
            )
            _, model = lab.train(key, data, config, **options[method])
            trained[key] = model
            if part != "skill":
                continue
            own = REGISTRY[method].own_weights(model)  # None: it keeps the shared frozen base
            serves = Frozen(own) if own is not None else frozen
            after[method] = {
                name: evaluate(serves, d.eval_batch).exact_match for name, d in word_data.items()
            }
            answers_with[method] = checksum(own if own is not None else lab.base.model)
    serving = None
    if not lab.stopped and "skill/prompt-tuning" in trained:
        serving = _serving(lab, skill, trained["skill/prompt-tuning"], params)
    _forgetting(lab, skill, before, after, others, answers_with)
    _new_skill(lab, parts)
    if serving:
        _serving_tables(lab, serving)


# -- forgetting --------------------------------------------------------------------------------


def _mean(scores_by_task: dict[str, float], names) -> float:
    return sum(scores_by_task[n] for n in names) / len(names)


def _forgetting(lab: LabRun, skill: Task, before, after, others, answers_with) -> None:
    """The known skill brought back, and what each method left of the other tasks."""
    count = soft_prompt_count(lab.base.model, lab.params["virtual_tokens"])
    n_base = lab.base.num_params
    keys = {m: f"skill/{m}" for m in METHODS if f"skill/{m}" in lab.methods}
    if set(keys) == set(METHODS):
        lab.invariant(
            f"prompt tuning trains {count} numbers; full fine-tuning trains every weight, "
            f"{n_base:,}",
            lab.methods[keys["prompt-tuning"]].trainable_params == count.value
            and lab.methods[keys["full-finetune"]].trainable_params == n_base,
        )
    if "prompt-tuning" in keys:
        em = lab.em(keys["prompt-tuning"])
        lab.claim(
            f"a soft prompt brings {skill.name} back without its word "
            f"(≥ {SKILL_TARGET:.0%}: {em:.1%})",
            em >= SKILL_TARGET,
        )
    if not after:
        return
    columns = ["task", "base model"]
    columns += [f"after {REGISTRY[m].title} on {skill.name}" for m in after]
    rows: list[list[Any]] = [
        [name, before[name], *(after[m][name] for m in after)] for name in PRETRAINING
    ]
    rows.append(
        [
            f"mean, not {skill.name}",
            _mean(before, others),
            *(_mean(s, others) for s in after.values()),
        ]
    )
    lab.table(
        "Forgetting: the other tasks' exact match",
        columns,
        rows,
        note=(
            "Each task is asked with its instruction word. Prompt tuning serves the other tasks "
            "with the untouched base (its prompt is simply "
            "left out); full fine-tuning serves them with its own copy, the only one it has. "
            "Each trained until it reached "
            f"{SKILL_TARGET:.0%} on {skill.name}. " + SCALE_NOTE
        ),
    )
    if "prompt-tuning" in after:
        lab.invariant(
            "after prompt tuning every other task keeps exactly its exact match: it is the same "
            "frozen model evaluated twice, and the base's sha256 is unchanged",
            after["prompt-tuning"] == before
            and lab.base_unchanged()
            and answers_with["prompt-tuning"] == lab.base_checksum,
        )
        drop = _mean(before, others) - _mean(after["prompt-tuning"], others)
        lab.observe(
            "prompt_tuning_forgetting",
            100 * drop,
            detail=f"other tasks' mean exact match {_mean(before, others):.1%} before and "
            f"{_mean(after['prompt-tuning'], others):.1%} after prompt tuning",
            rows=["skill/prompt-tuning"],
        )
    if "full-finetune" in after:
        lab.invariant(
            "the fine-tuned copy answers with new weights: its sha256 differs from the base's",
            answers_with["full-finetune"] != lab.base_checksum,
        )
        drop = _mean(before, others) - _mean(after["full-finetune"], others)
        steps = lab.methods["skill/full-finetune"].steps
        lab.claim(
            f"full fine-tuning on {skill.name} ({steps} steps) forgets: the other tasks' mean "
            f"exact match falls by {100 * drop:.1f} points (≥ {100 * FORGETTING_DROP:.0f})",
            drop >= FORGETTING_DROP,
        )
        lab.observe(
            "forgetting_after_finetune",
            100 * max(drop, 0.0),
            detail=f"other tasks' mean exact match {_mean(before, others):.1%} before and "
            f"{_mean(after['full-finetune'], others):.1%} after {steps} steps of full "
            f"fine-tuning on {skill.name}",
            rows=["skill/full-finetune"],
        )


# -- a new skill -------------------------------------------------------------------------------


def _new_skill(lab: LabRun, parts) -> None:
    new, steps = parts["new"]
    keys = [f"new/{m}" for m in METHODS]
    if not all(key in lab.methods for key in keys):
        return
    results = {m: lab.methods[f"new/{m}"] for m in METHODS}
    lab.table(
        f"A new skill: {new.name}, at most {steps} steps",
        ["method", "exact match", "steps run", f"reached {SKILL_TARGET:.0%}"],
        [
            [
                REGISTRY[m].title,
                r.exact_match_after,
                r.steps,
                f"step {r.steps_to_target}" if r.steps_to_target is not None else "no",
            ]
            for m, r in results.items()
        ],
        note=(
            "One search, not a proof: Wang et al. 2023 prove that suitable transformers can be "
            "prompted to any function (impossibility only for single-layer ones). Try "
            "--new-task min: a soft prompt gets far on a task the model never saw."
        ),
    )
    prompt, full = results["prompt-tuning"], results["full-finetune"]
    lab.claim(
        f"on {new.name}, full fine-tuning reached ≥ {SKILL_TARGET:.0%} "
        f"({full.exact_match_after:.1%} after {full.steps} steps) while the soft prompt we "
        f"trained stayed below {NEW_SKILL_MISS:.0%} ({prompt.exact_match_after:.1%} after "
        f"{prompt.steps} steps)",
        full.exact_match_after >= SKILL_TARGET and prompt.exact_match_after < NEW_SKILL_MISS,
    )
    reached = [m for m, r in results.items() if r.exact_match_after >= SKILL_TARGET]
    value = {0: "neither", 2: "both"}.get(len(reached)) or reached[0]
    lab.observe(
        "new_skill_reached_by",
        value,
        detail=f"{new.name} exact match after at most {steps} steps: prompt tuning "
        f"{prompt.exact_match_after:.1%}, full fine-tuning {full.exact_match_after:.1%} "
        f"(reached means ≥ {SKILL_TARGET:.0%})",
        rows=keys,
    )


def _kb(n: int) -> str:
    """Bytes for people: KB below a megabyte, MB above."""
    return f"{n / 1024:,.1f} KB" if n < 1024**2 else f"{n / 1024**2:,.1f} MB"


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


def _serving(lab: LabRun, skill: Task, skill_prompt: nn.Module, params: dict) -> Serving | None:
    """Prompts for `serve_tasks` known tasks (the skill's own, plus quick ones), then serve them
    from one frozen model in one mixed batch."""
    names = [skill.name] + [n for n in SERVE_ORDER if n != skill.name]
    names = names[: params["serve_tasks"]]
    prompts: dict[str, SoftPrompt] = {skill.name: cast(SoftPrompt, skill_prompt)}
    data = {skill.name: lab.data(skill, batch_size=BATCH, eval_size=EVAL_SIZE)}
    config = TrainConfig(
        steps=params["steps"],
        lr=params["prompt_lr"],
        eval_every=EVAL_EVERY,
        target=SERVE_TARGET,
        stop_at_target=True,
    )
    for name in names[1:]:
        if lab.stopped:
            return None
        data[name] = lab.data(name, batch_size=BATCH, eval_size=EVAL_SIZE)
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


def _serving_tables(lab: LabRun, serving: Serving) -> None:
    n = len(serving.tasks)
    rows = [[name, serving.mixed[name], serving.alone[name]] for name in serving.tasks]
    lab.table(
        f"One mixed batch of {serving.rows} rows, {n} tasks, one frozen model",
        ["task", "in the mixed batch", "its prompt alone"],
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
        note="What each method costs per task, prefix tuning and LoRA included: the "
        "peft-methods lab.",
    )
    lab.invariant(
        f"in one mixed batch of {n} tasks, each row answered with its own prompt is right "
        "exactly when it is right with that prompt served alone",
        serving.same_rows_right,
    )
