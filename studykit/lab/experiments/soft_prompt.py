"""Lab `soft-prompt`: what a soft prompt is, in shapes, gradients and nearest words.

    studykit lab soft-prompt [--task reverse] [--virtual-tokens 4] [--seeds 1]

A soft prompt is a (k, d) matrix of trainable vectors joined in front of the word embeddings, so
the frozen model reads a (B, k+T, d) input. The lab shows:

1. The shapes on the way in, and which parameters receive a gradient after one backward pass
   (only the prompt), while the gradient still crosses every frozen layer to reach it.
2. Training from two starts, vocabulary embeddings vs random vectors, curves side by side, and
   per seed which one reached the target first (it changes with the seed, so it is not claimed).
3. The nearest vocabulary word (cosine) to each vector as training goes. Lester et al. (2021,
   §7) read learned prompts this way in an 11B-parameter model with a 32k-word vocabulary: the
   nearest neighbours of each prompt token formed tight semantic clusters, and prompts started
   from class labels kept those labels as nearest neighbours. A 21-word vocabulary (digits, six
   task words, `:` and `=`) can show neither a semantic cluster nor a label that persists; what
   it can show is whether a trained vector sits on a word (it does not: a trained prompt is not
   a sentence) and which word it leans towards (here, often the task's own instruction word).
4. The base model's checksum before and after: unchanged.

Lester et al.'s central result, prompt tuning matching full fine-tuning only as models grow to
about 10B parameters, cannot show in a 100k-parameter model; this lab shows the mechanics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from studykit.lab.engine.data import TaskData
from studykit.lab.engine.geometry import soft_prompt_count, widths
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import (
    FLOW_COLUMNS,
    activation_gradients,
    flow_rows,
    only_prompt_has_grad,
)
from studykit.lab.engine.methods import build
from studykit.lab.engine.pretrain import RECIPE_FILE
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.results import MethodResult, Progress, ProgressCallback
from studykit.lab.tasks import get_task

TARGET = 0.9  # exact match that counts as "converged"
EVAL_EVERY = 10
INITS = {"vocab-init": "vocab", "random-init": "random"}  # method key -> SoftPrompt init
WORD_LIKE = 0.99  # a vector this close (cosine) to a word embedding is that word in disguise


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("loss", "exact_match")
    k, task = params["virtual_tokens"], get_task(params["task"])
    _anatomy(lab, lab.data(task), k)

    table = cast(nn.Embedding, lab.base.model.get_input_embeddings()).weight.detach()  # (V, d)
    # a list of ids gives a list of tokens (transformers types the result as str | list[str])
    vocabulary = cast(
        list[str], lab.base.tokenizer.convert_ids_to_tokens(list(range(table.shape[0])))
    )
    config = TrainConfig(
        steps=params["steps"],
        lr=params["lr"],
        eval_every=EVAL_EVERY,
        target=TARGET,
        stop_at_target=True,
    )
    seeds = range(lab.seed, lab.seed + params["seeds"])
    per_seed: list[list[Any]] = []
    trails: dict[str, list[Nearest]] = {}
    for seed in seeds:
        results: dict[str, MethodResult] = {}
        for key, init in INITS.items():
            if lab.stopped:
                break
            prompt = cast(
                SoftPrompt, build("prompt-tuning", lab.base, virtual_tokens=k, seed=seed, init=init)
            )
            seed_data = TaskData(task, lab.encoder, seed=seed)  # both starts: the same batches
            trail = [_at(0, nearest_words(prompt.prompt, table, vocabulary))]
            result = train(
                key if seed == lab.seed else f"seed {seed}/{key}",
                prompt,
                seed_data,
                config,
                base_params=lab.base.num_params,
                on_progress=_tracking(prompt, table, vocabulary, trail, lab.on_progress),
                should_stop=lab.should_stop,
            )
            results[key] = result
            if seed == lab.seed:  # the lab's own seed: full curves and the nearest words
                result.extra["nearest_words"] = [vars(n) for n in trail]
                lab.record(key, result)
                trails[key] = trail
        if len(results) == len(INITS):
            per_seed.append(_race(seed, results))
    if trails:
        _nearest_tables(lab, trails, task.words)
    if per_seed:
        _init_table(lab, per_seed)
    _claims(lab, k, trails)


@dataclass
class Nearest:
    """The closest vocabulary word to each prompt vector at one step."""

    step: int
    words: list[str]
    cosines: list[float]


def nearest_words(prompt: torch.Tensor, table: torch.Tensor, vocabulary: list[str]) -> Nearest:
    """prompt (k, d), table (V, d) -> the word whose embedding has the highest cosine to each
    vector. A vector may be close to no word at all: the cosine says how close."""
    table = table.float()  # the prompt is float32 whatever the model's dtype
    cosine = F.normalize(prompt.detach(), dim=-1) @ F.normalize(table, dim=-1).T  # (k, V)
    best, index = cosine.max(dim=-1)
    return Nearest(0, [vocabulary[i] for i in index.tolist()], best.tolist())


def _at(step: int, nearest: Nearest) -> Nearest:
    nearest.step = step
    return nearest


def _tracking(
    prompt: SoftPrompt,
    table,
    vocabulary,
    trail: list[Nearest],
    on_progress: ProgressCallback | None,
) -> ProgressCallback:
    """Pass progress on, and note the nearest words at every evaluation."""

    def callback(event: Progress) -> None:
        if event.metrics:
            trail.append(_at(event.step, nearest_words(prompt.prompt, table, vocabulary)))
        if on_progress:
            on_progress(event)

    return callback


def _anatomy(lab: LabRun, data: TaskData, k: int) -> None:
    """Shapes and gradients of one forward and backward pass, before any training."""
    prompt = cast(SoftPrompt, build("prompt-tuning", lab.base, virtual_tokens=k, seed=lab.seed))
    batch = data.next_batch()
    flow = activation_gradients(prompt, batch)
    B, T = batch.input_ids.shape
    L = lab.base.shape[0]
    d = widths(lab.base.model)[1]  # a prompt vector is as wide as one input embedding
    V = lab.base.config.vocab_size
    lab.table(
        "shapes",
        ["tensor", "shape", "what it is"],
        [
            ["prompt", f"{k}×{d}", "k trainable vectors, each as wide as a word embedding"],
            ["input_ids", f"{B}×{T}", "a batch of B examples of T tokens, instruction removed"],
            ["word embeddings", f"{B}×{T}×{d}", "the frozen embedding table's rows for them"],
            ["joined input", "×".join(map(str, flow.joined_shape)), "cat(prompt, embeddings)"],
            ["logits kept", f"{B}×{T}×{V}", "one row per real token; the prompt's k are dropped"],
        ],
        note=_positions_note(lab, k, T),
    )
    lab.table(
        "one backward pass: gradient norm at each layer, loss → prompt",
        FLOW_COLUMNS,
        flow_rows(flow),
        note=(
            f"parameters with a .grad: {', '.join(flow.with_grad) or 'none'}; frozen weight "
            f"tensors whose .grad is None: {flow.frozen_without_grad} of {flow.frozen_total}"
        ),
    )
    lab.invariant(
        f"the prompt is k×d = {k}×{d}, d being the model's embedding width; the model reads a "
        f"B×(k+T)×d = {B}×{k + T}×{d} input",
        tuple(prompt.prompt.shape) == (k, d) and flow.joined_shape == (B, k + T, d),
    )
    lab.invariant(
        f"after backward only the prompt's .grad is set; all {flow.frozen_total} frozen weight "
        "tensors' .grad stay None",
        only_prompt_has_grad(flow),
    )
    lab.invariant(
        f"yet the gradient crosses all {L} frozen layers to reach the prompt: nonzero at every "
        "layer's activations",
        all(a.grad_norm > 0 for a in flow.activations),
    )


def _positions_note(lab: LabRun, k: int, T: int) -> str:
    """How the real tokens' positions stay familiar after k vectors are put in front of them."""
    where = f"the real tokens sit at positions {k}..{k + T - 1} instead of 0..{T - 1}"
    recipe = lab.base.path / RECIPE_FILE
    if recipe.is_file():
        offset = json.loads(recipe.read_text(encoding="utf-8"))["config"]["max_offset"]
        familiar = "within" if k <= offset else "BEYOND"
        return (
            f"{where}; the base model was pretrained at random position offsets 0..{offset}, "
            f"so a shift of k = {k} is {familiar} what it knows"
        )
    return f"{where}; this model's pretraining recipe is unknown, so the shift may be unfamiliar"


def _race(seed: int, results: dict[str, MethodResult]) -> list[Any]:
    """One row of the per-seed comparison: steps to target for each start, and which was first."""
    steps = {key: r.steps_to_target for key, r in results.items()}
    reached = {key: s for key, s in steps.items() if s is not None}
    if not reached:
        first = "neither reached it"
    elif len(set(reached.values())) == 1 and len(reached) == len(steps):
        first = "tie"
    else:
        first = min(reached, key=reached.__getitem__)
    cells = [
        f"{s} steps" if s is not None else f"not in {results[key].steps}"
        for key, s in steps.items()
    ]
    return [seed, *cells, first]


def _init_table(lab: LabRun, rows: list[list[Any]]) -> None:
    wins = {key: [row[0] for row in rows if row[-1] == key] for key in INITS}
    summary = "; ".join(
        f"{key} first on seed(s) {', '.join(map(str, s)) or 'none'}" for key, s in wins.items()
    )
    lab.table(
        f"steps to {TARGET:.0%} exact match, per seed",
        ["seed", *INITS, "first there"],
        rows,
        note=(
            f"{summary}. Evaluated every {EVAL_EVERY} steps. Which start wins depends on the "
            "seed, so it is reported per seed, not claimed."
        ),
    )


def _nearest_tables(lab: LabRun, trails: dict[str, list[Nearest]], task_words) -> None:
    for key, trail in trails.items():
        shown = _spread(trail, 6)
        k = len(trail[0].words)
        rows = [
            [n.step] + [f"{w} ({c:.2f})" for w, c in zip(n.words, n.cosines, strict=True)]
            for n in shown
        ]
        final = trail[-1]
        found = [w for w in task_words if w in final.words]
        lab.table(
            f"nearest word to each vector as training goes ({key}, cosine)",
            ["step", *(f"vector {i + 1}" for i in range(k))],
            rows,
            note=(
                f"the task's own word ({' '.join(task_words)}) is "
                + ("among the nearest at the end" if found else "not among the nearest at the end")
                + f"; highest cosine at the end {max(final.cosines):.2f}"
            ),
        )


def _spread(items: list, count: int) -> list:
    """At most `count` items, evenly spaced, always keeping the first and the last."""
    if len(items) <= count:
        return items
    picks = {round(i * (len(items) - 1) / (count - 1)) for i in range(count)}
    return [items[i] for i in sorted(picks)]


def _claims(lab: LabRun, k: int, trails: dict[str, list[Nearest]]) -> None:
    count = soft_prompt_count(lab.base.model, k)  # from the model's own embedding width
    results = {key: lab.methods[key] for key in INITS if key in lab.methods}
    if results:
        lab.invariant(
            f"the prompt is the only thing trained: {count} numbers, "
            f"{next(iter(results.values())).trainable_pct:.2f}% of the "
            f"{lab.base.num_params:,} in the base model",
            all(r.trainable_params == count.value for r in results.values()),
        )
    if len(results) == len(INITS):
        lab.claim(
            f"both starts reached {TARGET:.0%} held-out exact match on seed {lab.seed}: "
            + ", ".join(f"{key} {_reached(r)}" for key, r in results.items()),
            all(r.steps_to_target is not None for r in results.values()),
        )
    vocab = trails.get("vocab-init")
    if vocab and "vocab-init" in results:
        closest = max(vocab[-1].cosines)
        reached = results["vocab-init"].steps_to_target is not None
        lab.claim(
            f"the vocabulary start reached {TARGET:.0%} and, by then, none of its vectors is a "
            f"word any more: it began on words (cosine 1.00), its highest cosine to any word "
            f"is now {closest:.2f} (< {WORD_LIKE})",
            reached and closest < WORD_LIKE,
        )
    task_words = get_task(lab.params["task"]).words
    if len(trails) == len(INITS):
        # a vector counts only if it did not start nearest to the task's word already
        leaning = {
            key: [
                end
                for start, end in zip(trail[0].words, trail[-1].words, strict=True)
                if end in task_words and start not in task_words
            ]
            for key, trail in trails.items()
        }
        lab.claim(
            f"from both starts, the task's own word ({' '.join(task_words)}) became the nearest "
            "word to at least one trained vector that did not start next to it, though no "
            "instruction word was ever shown: "
            + ", ".join(f"{key} {'yes' if w else 'no'}" for key, w in leaning.items()),
            all(leaning.values()),
        )
    lab.invariant(
        "the base model's weights are bit-for-bit identical after training (sha256 of the "
        "state_dict)",
        lab.base_unchanged(),
    )
    _observe(lab, results, trails, task_words)


def _reached(result: MethodResult) -> str:
    steps = result.steps_to_target
    return f"in {steps} steps" if steps is not None else f"not in {result.steps}"


def _observe(lab: LabRun, results, trails: dict[str, list[Nearest]], task_words) -> None:
    vocab = trails.get("vocab-init")
    if vocab:
        closest = max(vocab[-1].cosines)
        lab.observe(
            "vocab_start_still_words",
            "yes" if closest >= WORD_LIKE else "no",
            detail=f"highest cosine of a trained vector to any word: {closest:.2f} (started "
            f"at {min(vocab[0].cosines):.2f}); a word means ≥ {WORD_LIKE}",
            rows=["vocab-init"],
        )
    random = trails.get("random-init")
    if random:
        near = [w for w in task_words if w in random[-1].words]
        lab.observe(
            "random_start_nearest_task_word",
            "yes" if near else "no",
            detail="nearest words at the end: "
            + ", ".join(
                f"{w} ({c:.2f})" for w, c in zip(random[-1].words, random[-1].cosines, strict=True)
            ),
            rows=["random-init"],
        )
    if results:
        lab.observe(
            "prompt_trainable",
            next(iter(results.values())).trainable_params,
            detail=str(soft_prompt_count(lab.base.model, int(lab.params["virtual_tokens"]))),
            rows=list(results),
        )
