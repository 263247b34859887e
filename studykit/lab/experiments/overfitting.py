"""Lab `overfitting`: a tiny training set, full fine-tuning against prompt tuning.

    studykit lab overfitting [--task sort] [--train-examples 16] [--steps 200] [--seeds 2]

Three splits of one task (its instruction word removed), never overlapping:

- train: a handful of examples; every step is one gradient step on all of them;
- validation: used for one decision only, when to stop (the lowest validation loss);
- held-out: 256 examples used for nothing but reporting.

Each method trains on the same examples with AdamW: full fine-tuning without weight decay, full
fine-tuning with weight decay, and prompt tuning. The curves show train and held-out exact match
drifting apart; early stopping is applied after the fact (training runs on, to show what it
would have cost), and everything is repeated over a few seeds, because with 16 examples which
examples you drew matters.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch import nn

from studykit.lab.engine.data import Batch, TaskData, encode
from studykit.lab.engine.evaluate import evaluate
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import weight_norm
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import build
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.results import MethodResult, ProgressCallback, StopCheck
from studykit.lab.tasks import Example, get_task

EVAL_EVERY = 10
TARGET = 0.9  # held-out exact match counted as "reached" in the methods table
FT, FT_WD, PROMPT = "full-finetune", "full-finetune-wd", "prompt-tuning"


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("train_exact_match", "exact_match", "val_loss")
    task = get_task(params["task"])
    wd = params["weight_decay"]
    methods = {  # key -> (method to build, learning rate, weight decay)
        FT: ("full-finetune", params["finetune_lr"], 0.0),
        FT_WD: ("full-finetune", params["finetune_lr"], wd),
        PROMPT: ("prompt-tuning", params["prompt_lr"], 0.0),
    }
    fits: dict[int, dict[str, Fit]] = {}
    splits = None
    for seed in range(lab.seed, lab.seed + params["seeds"]):
        splits = make_splits(lab, task, params["train_examples"], params["val_examples"], seed)
        fits[seed] = {}
        for key, (method, lr, decay) in methods.items():
            if lab.stopped:
                break
            model = build(method, lab.base, seed=seed, virtual_tokens=params["virtual_tokens"])
            shown = key if seed == lab.seed else f"seed {seed}/{key}"
            fits[seed][key] = fit(
                shown,
                model,
                splits,
                steps=params["steps"],
                lr=lr,
                weight_decay=decay,
                patience=params["patience"],
                base_params=lab.base.num_params,
                on_progress=lab.on_progress,
                should_stop=lab.should_stop,
            )
            if seed == lab.seed:
                lab.record(key, fits[seed][key].result)
        if lab.stopped:
            break
    complete = {seed: f for seed, f in fits.items() if len(f) == len(methods)}
    if splits is not None:
        _tables(lab, splits, fits, params)
    _claims(lab, complete, params)


@dataclass(frozen=True)
class Splits:
    train: Batch  # the only examples gradients see
    validation: Batch  # decides when to stop
    held_out: Batch  # reported, never used for a decision
    sizes: tuple[int, int, int]


def make_splits(lab: LabRun, task, train_examples: int, val_examples: int, seed: int) -> Splits:
    """Disjoint train and validation examples from the seed's stream, and the task's held-out
    set (the same for every seed; the stream never repeats a held-out prompt)."""
    data = TaskData(task, lab.encoder, seed=seed, batch_size=train_examples + val_examples)
    drawn: list[Example] = []
    seen = set()
    while len(drawn) < train_examples + val_examples:  # distinct prompts, so no split overlaps
        for example in data.next_examples():
            if example.key() not in seen and len(drawn) < train_examples + val_examples:
                seen.add(example.key())
                drawn.append(example)
    return Splits(
        train=encode(drawn[:train_examples], lab.encoder),
        validation=encode(drawn[train_examples:], lab.encoder),
        held_out=data.eval_batch,
        sizes=(train_examples, val_examples, len(data.eval_examples)),
    )


@dataclass
class EarlyStop:
    """Early stopping on validation loss, applied to a finished curve."""

    best_step: int  # the checkpoint early stopping keeps (lowest validation loss)
    stop_step: int | None  # where `patience` evaluations without improvement would end training
    held_out_at_best: float
    held_out_at_end: float
    hindsight_step: int  # where held-out exact match peaked: known only after the fact
    hindsight: float


def early_stop(curve: list[dict[str, float]], patience: int) -> EarlyStop:
    """Walk the evaluations in order, as training would: remember the lowest validation loss,
    and stop after `patience` evaluations in a row that do not beat it."""
    points = [p for p in curve if "val_loss" in p]
    best, waited, stop = points[0], 0, None
    for point in points[1:]:
        if point["val_loss"] < best["val_loss"]:
            best, waited = point, 0
        else:
            waited += 1
            if waited >= patience:
                stop = int(point["step"])
                break
    peak = max(points, key=lambda p: p["exact_match"])  # the first of equal peaks
    return EarlyStop(
        int(best["step"]),
        stop,
        best["exact_match"],
        points[-1]["exact_match"],
        int(peak["step"]),
        peak["exact_match"],
    )


@dataclass
class Fit:
    result: MethodResult
    early: EarlyStop
    norm_start: float
    norm_end: float


def fit(
    key: str,
    model: nn.Module,
    splits: Splits,
    *,
    steps: int,
    lr: float,
    weight_decay: float,
    patience: int,
    base_params: int,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> Fit:
    """Full-batch AdamW on the train split; every EVAL_EVERY steps score all three splits."""
    params = [p for p in model.parameters() if p.requires_grad]

    def three_splits(step: int) -> dict[str, float]:
        on_train = evaluate(model, splits.train)
        on_val = evaluate(model, splits.validation)
        held = evaluate(model, splits.held_out)
        # before any step there is no training loss yet: the curve starts at the train split's
        scores = {"loss": on_train.loss} if step == 0 else {}
        return scores | {
            "train_exact_match": on_train.exact_match,
            "val_loss": on_val.loss,
            "val_exact_match": on_val.exact_match,
            "exact_match": held.exact_match,
            "held_out_loss": held.loss,
        }

    norm_start = weight_norm(model)
    result = train(
        key,
        model,
        None,
        TrainConfig(steps=steps, lr=lr, eval_every=EVAL_EVERY, target=TARGET),
        base_params=base_params,
        optimizer=torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay),
        batches=itertools.repeat(splits.train),  # full batch: every step sees all of it
        evaluate=three_splits,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    result.extra |= {"lr": lr, "weight_decay": weight_decay}
    # An evaluation pass only reads the model (no_grad, no optimizer step): check it.
    weights = checksum(model)
    three_splits(result.steps)
    result.extra["evaluation_left_weights_unchanged"] = checksum(model) == weights
    curve = cast(list[dict[str, float]], result.curve)  # early_stop reads the evaluations
    return Fit(result, early_stop(curve, patience), norm_start, weight_norm(model))


# -- the lab ---------------------------------------------------------------------------------------


def _gap(f: Fit) -> float:
    return f.result.extra["train_exact_match_after"] - f.result.exact_match_after


SHORT = {FT: "full FT", FT_WD: "full FT + wd", PROMPT: "prompt"}  # narrow table cells


def _label(key: str) -> str:
    return SHORT.get(key, key)


def _tables(lab: LabRun, splits: Splits, fits: dict[int, dict[str, Fit]], params) -> None:
    n_train, n_val, n_held = splits.sizes
    lab.table(
        "Splits",
        ["split", "examples", "used for"],
        [
            ["train", n_train, "every gradient step (all of them each step)"],
            ["validation", n_val, "deciding when to stop (lowest validation loss)"],
            ["held-out", n_held, "reporting only; never used for a decision"],
        ],
    )
    rows = []
    for seed, by_key in fits.items():
        for key, f in by_key.items():
            e = f.early
            stop = f"step {e.stop_step}" if e.stop_step is not None else "ran to the end"
            rows.append(
                [
                    seed,
                    _label(key),
                    f.result.extra["train_exact_match_after"],
                    f.result.exact_match_after,
                    _gap(f),
                    e.best_step,
                    stop,
                    e.held_out_at_best,
                    e.held_out_at_best - e.held_out_at_end,
                    f"{e.hindsight:.3f} @ {e.hindsight_step}",
                ]
            )
    stops = [
        f.early.held_out_at_best - f.early.held_out_at_end
        for by_key in fits.values()
        for f in by_key.values()
    ]
    gained, lost = sum(d > 0 for d in stops), sum(d < 0 for d in stops)
    note = (
        f"Exact match after {params['steps']} steps. Early stopping keeps the step with the "
        f"lowest validation loss (evaluated every {EVAL_EVERY} steps) and would end training "
        f"after {params['patience']} evaluations without a new lowest; training here runs on "
        "to show the whole curve. Kept − end: what stopping gained (+) or lost (−) on the "
        f"held-out set; here it gained in {gained} and lost in {lost} of {len(stops)} runs (a "
        "lowest validation loss need not be a highest exact match)."
    )
    lab.table(
        "Train vs held-out, and early stopping, per seed",
        [
            "seed",
            "method",
            "train",
            "held-out",
            "gap",
            "kept step",
            f"stops (patience {params['patience']})",
            "held-out at kept",
            "kept − end",
            "best held-out @ step",
        ],
        rows,
        note=note,
    )
    rows = []
    for seed, by_key in fits.items():
        if FT in by_key and FT_WD in by_key:
            plain, decayed = by_key[FT], by_key[FT_WD]
            rows.append(
                [
                    seed,
                    plain.result.exact_match_after,
                    decayed.result.exact_match_after,
                    plain.result.extra["held_out_loss_after"],
                    decayed.result.extra["held_out_loss_after"],
                    f"{plain.norm_start:.2f} → {plain.norm_end:.2f}",
                    f"{decayed.norm_start:.2f} → {decayed.norm_end:.2f}",
                ]
            )
    ups = sum(row[2] > row[1] for row in rows)
    note = (
        "AdamW shrinks every weight by lr·weight_decay of itself at each step, pulling towards "
        f"zero (not towards the pretrained weights). Held-out exact match rose with weight decay "
        f"on {ups} of {len(rows)} seeds."
    )
    lab.table(
        f"Weight decay: AdamW with weight_decay={params['weight_decay']:g} vs 0, per seed",
        [
            "seed",
            "held-out (wd 0)",
            f"held-out (wd {params['weight_decay']:g})",
            "held-out loss (wd 0)",
            f"held-out loss (wd {params['weight_decay']:g})",
            "‖θ‖ (wd 0)",
            f"‖θ‖ (wd {params['weight_decay']:g})",
        ],
        rows,
        note=note,
    )


def _claims(lab: LabRun, fits: dict[int, dict[str, Fit]], params) -> None:
    if not fits:
        return
    seeds = ", ".join(map(str, fits))
    n = params["train_examples"]
    ft_train = [f[FT].result.extra["train_exact_match_after"] for f in fits.values()]
    lab.claim(
        f"full fine-tuning fits all {n} training examples (100% train exact match) on every "
        f"seed ({seeds})",
        all(t == 1.0 for t in ft_train),
    )
    lab.claim(
        "full fine-tuning's train − held-out gap is wider than prompt tuning's on every seed "
        f"({seeds}): "
        + ", ".join(f"{_gap(f[FT]):.2f} vs {_gap(f[PROMPT]):.2f}" for f in fits.values()),
        all(_gap(f[FT]) > _gap(f[PROMPT]) for f in fits.values()),
    )
    lab.claim(
        "prompt tuning's own gap is above zero on every seed: fewer parameters narrow "
        "overfitting, they do not rule it out",
        all(_gap(f[PROMPT]) > 0 for f in fits.values()),
    )
    lab.claim(
        f"weight decay {params['weight_decay']:g} leaves the fine-tuned weights smaller than "
        f"without it on every seed (‖θ‖)",
        all(f[FT_WD].norm_end < f[FT].norm_end for f in fits.values()),
    )
    lab.claim(
        f"weight decay {params['weight_decay']:g} lowers the fine-tuned model's held-out loss on "
        "every seed: "
        + ", ".join(
            f"{f[FT].result.extra['held_out_loss_after']:.2f} → "
            f"{f[FT_WD].result.extra['held_out_loss_after']:.2f}"
            for f in fits.values()
        ),
        all(
            f[FT_WD].result.extra["held_out_loss_after"] < f[FT].result.extra["held_out_loss_after"]
            for f in fits.values()
        ),
    )
    lab.claim(
        "evaluating on the held-out set never changed a model: its weights' sha256 is the same "
        "before and after an evaluation pass (no gradients, no optimizer step)",
        all(
            f.result.extra["evaluation_left_weights_unchanged"]
            for by_key in fits.values()
            for f in by_key.values()
        ),
    )
    lab.claim(
        "the base model's weights are bit-for-bit unchanged: every method trained a copy or "
        "a prompt",
        lab.base_unchanged(),
    )
