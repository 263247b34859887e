"""Lab `overfitting`: a tiny training set, full fine-tuning against prompt tuning.

    studykit lab overfitting [--task sort] [--train-examples 16] [--wrong-answers 4] [--seeds 2]

Three splits of one task (its instruction word removed), never overlapping:

- train: a handful of examples, `wrong_answers` of them with a wrong answer (random digits, as a
  careless annotator might write); every step is one gradient step on all of them;
- validation: clean examples used for one decision only, when to stop (the lowest validation loss);
- held-out: 256 clean examples used for nothing but reporting.

Each method trains on the same examples with AdamW: full fine-tuning without weight decay, full
fine-tuning with weight decay, and prompt tuning. The wrong answers are what makes overfitting
visible in the loss: a model first learns what the examples share, and its held-out loss falls;
then it memorises the wrong answers too, and its held-out loss rises again (Zhang et al. 2017,
arXiv 1611.03530; Arpit et al. 2017, arXiv 1706.05394). That U is the curve early stopping is
for (Prechelt 1998; Goodfellow et al. 2016, §7.8): it keeps the checkpoint with the lowest
validation loss. Early stopping is applied after the fact (training runs on, to show what it
would have cost), and everything is repeated over seeds, because with 16 examples which examples
you drew matters. Exact match need not follow the loss: a model grows over-confident on held-out
answers it already gets wrong (the loss rises) while the ones it gets right stay right.

A 100k-parameter model cannot show Lester et al.'s scale result (prompt tuning matching full
fine-tuning only as models approach 10B parameters); what it shows is the capacity side of it:
a few hundred trained numbers cannot memorise what every weight can.
"""

from __future__ import annotations

import itertools
import math
import random
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
        splits = make_splits(
            lab, task, params["train_examples"], params["val_examples"], seed,
            wrong=params["wrong_answers"],
        )  # fmt: skip
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
    wrong: Batch | None = None  # the training examples whose answer is wrong (None: there are none)


def make_splits(
    lab: LabRun, task, train_examples: int, val_examples: int, seed: int, wrong: int = 0
) -> Splits:
    """Disjoint train and validation examples from the seed's stream, and the task's held-out
    set (the same for every seed; the stream never repeats a held-out prompt). The first `wrong`
    training examples get a wrong answer: random digits of the right length, never the right
    ones."""
    data = TaskData(task, lab.encoder, seed=seed, batch_size=train_examples + val_examples)
    drawn: list[Example] = []
    seen = set()
    while len(drawn) < train_examples + val_examples:  # distinct prompts, so no split overlaps
        for example in data.next_examples():
            if example.key() not in seen and len(drawn) < train_examples + val_examples:
                seen.add(example.key())
                drawn.append(example)
    train = drawn[:train_examples]
    rng = random.Random(f"wrong:{task.name}:{seed}")
    for n in range(min(wrong, train_examples)):
        train[n] = _wrong_answer(train[n], rng)
    mislabelled = train[: min(wrong, train_examples)]
    return Splits(
        train=encode(train, lab.encoder),
        validation=encode(drawn[train_examples:], lab.encoder),
        held_out=data.eval_batch,
        sizes=(train_examples, val_examples, len(data.eval_examples)),
        wrong=encode(mislabelled, lab.encoder) if mislabelled else None,
    )


def _wrong_answer(example: Example, rng: random.Random) -> Example:
    """The same prompt with random digits for an answer (as many as the right one has)."""
    right = example.answer[:-1]  # the last word is <eos>
    while True:
        digits = [str(rng.randrange(10)) for _ in right]
        if digits != right:
            return Example(example.prompt, digits + example.answer[-1:])


@dataclass
class EarlyStop:
    """Early stopping on validation loss, applied to a finished curve."""

    best_step: int  # the checkpoint early stopping keeps (lowest validation loss)
    stop_step: int | None  # where `patience` evaluations without improvement would end training
    held_out_at_best: float
    held_out_at_end: float
    hindsight_step: int  # where held-out exact match peaked: known only after the fact
    hindsight: float
    loss_at_best: float  # held-out loss at the kept checkpoint
    loss_at_end: float
    loss_lowest: float  # the held-out loss curve's lowest point (hindsight)
    loss_lowest_step: int
    last_step: int


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
    low = min(points, key=lambda p: p.get("held_out_loss", math.inf))
    return EarlyStop(
        int(best["step"]),
        stop,
        best["exact_match"],
        points[-1]["exact_match"],
        int(peak["step"]),
        peak["exact_match"],
        best.get("held_out_loss", math.nan),
        points[-1].get("held_out_loss", math.nan),
        low.get("held_out_loss", math.nan),
        int(low["step"]),
        int(points[-1]["step"]),
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
        wrong = (
            {"wrong_answers_fitted": evaluate(model, splits.wrong).exact_match}
            if splits.wrong is not None
            else {}
        )
        # before any step there is no training loss yet: the curve starts at the train split's
        scores = {"loss": on_train.loss} if step == 0 else {}
        return (
            scores
            | {
                "train_exact_match": on_train.exact_match,
                "val_loss": on_val.loss,
                "val_exact_match": on_val.exact_match,
                "exact_match": held.exact_match,
                "held_out_loss": held.loss,
            }
            | wrong
        )

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


def _fitted(f: Fit) -> float:
    """Share of the wrong answers the model reproduces exactly (memorised); 0 without any."""
    return f.result.extra.get("wrong_answers_fitted_after", 0.0)


def _u_shaped(e: EarlyStop) -> bool:
    """The held-out loss fell, then rose again by at least 10% of its lowest value."""
    return e.loss_lowest_step < e.last_step and e.loss_at_end > 1.1 * e.loss_lowest


def _tables(lab: LabRun, splits: Splits, fits: dict[int, dict[str, Fit]], params) -> None:
    n_train, n_val, n_held = splits.sizes
    wrong = min(params["wrong_answers"], n_train)
    lab.table(
        "Splits",
        ["split", "examples", "used for"],
        [
            ["train", n_train, f"every gradient step; {wrong} have a wrong answer"],
            ["validation", n_val, "deciding when to stop (lowest validation loss)"],
            ["held-out", n_held, "reporting only; never used for a decision"],
        ],
    )
    rows = [
        [
            seed,
            _label(key),
            f.result.extra["train_exact_match_after"],
            _fitted(f),
            f.result.exact_match_after,
            _gap(f),
        ]
        for seed, by_key in fits.items()
        for key, f in by_key.items()
    ]
    lab.table(
        "Train vs held-out exact match, per seed",
        ["seed", "method", "train", "wrong fitted", "held-out", "gap"],
        rows,
        note=(
            f"After {params['steps']} steps. Train counts all {n_train} training examples; "
            f"wrong fitted: the share of the {wrong} wrong answers the model reproduces exactly "
            "(memorised, since no rule gives them); gap = train − held-out."
        ),
    )
    rows = []
    for seed, by_key in fits.items():
        for key, f in by_key.items():
            e = f.early
            stop = f"{e.stop_step}" if e.stop_step is not None else "no"
            rows.append(
                [
                    seed,
                    _label(key),
                    e.best_step,
                    stop,
                    f"{e.loss_lowest:.2f} @ {e.loss_lowest_step}",
                    e.loss_at_best,
                    e.loss_at_end,
                    f"{e.held_out_at_best:.2f} / {e.held_out_at_end:.2f}",
                ]
            )
    helped = sum(
        f.early.loss_at_best < f.early.loss_at_end
        for by_key in fits.values()
        for f in by_key.values()
    )
    runs = sum(len(by_key) for by_key in fits.values())
    lab.table(
        "Early stopping on validation loss, per seed",
        ["seed", "method", "kept", "stops", "lowest loss", "loss kept", "loss end", "EM kept/end"],
        rows,
        note=(
            f"Evaluated every {EVAL_EVERY} steps. kept: the step with the lowest validation loss; "
            f"stops: where {params['patience']} evaluations without a new lowest would end "
            "training (training runs on here, to show the whole curve). lowest loss: the held-out "
            "loss curve's lowest point, known only in hindsight. The checkpoint kept had a lower "
            f"held-out loss than the last one in {helped} of {runs} runs. EM: held-out exact "
            "match at the kept step and at the end; it need not follow the loss."
        ),
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
                    f"{plain.norm_end:.2f}",
                    f"{decayed.norm_end:.2f}",
                ]
            )
    ups = sum(row[2] > row[1] for row in rows)
    wd = f"{params['weight_decay']:g}"
    lab.table(
        f"Weight decay: AdamW with weight_decay={wd} vs 0, per seed",
        ["seed", "EM (wd 0)", f"EM (wd {wd})", "loss (wd 0)", f"loss (wd {wd})",
         "‖θ‖ (wd 0)", f"‖θ‖ (wd {wd})"],
        rows,
        note=(
            "Held-out exact match (EM) and loss after training; ‖θ‖ after training (it starts "
            f"at {splits_norm(fits):.2f}). AdamW shrinks every weight by lr·weight_decay of "
            "itself at each step, pulling towards zero (not towards the pretrained weights). "
            f"Held-out exact match rose with weight decay on {ups} of {len(rows)} seeds."
        ),
    )  # fmt: skip


def splits_norm(fits: dict[int, dict[str, Fit]]) -> float:
    return next(f.norm_start for by_key in fits.values() for f in by_key.values())


def _claims(lab: LabRun, fits: dict[int, dict[str, Fit]], params) -> None:
    if not fits:
        return
    seeds = ", ".join(map(str, fits))
    every = f"on seed {seeds}" if len(fits) == 1 else f"on every seed ({seeds})"
    n, wrong = params["train_examples"], min(params["wrong_answers"], params["train_examples"])
    ft = [f[FT] for f in fits.values()]
    prompt = [f[PROMPT] for f in fits.values()]
    lab.claim(
        f"full fine-tuning fits all {n} training examples (100% train exact match), the {wrong} "
        f"wrong answers included, {every}",
        all(
            f.result.extra["train_exact_match_after"] == 1.0 and (not wrong or _fitted(f) == 1.0)
            for f in ft
        ),
    )
    if wrong:
        lab.claim(
            f"prompt tuning reproduces none of the {wrong} wrong answers, which full fine-tuning "
            f"memorised, {every} (prompt's train exact match: "
            + ", ".join(f"{p.result.extra['train_exact_match_after']:.0%}" for p in prompt)
            + ")",
            all(_fitted(p) == 0.0 and _fitted(f) == 1.0 for p, f in zip(prompt, ft, strict=True)),
        )
    lab.claim(
        f"full fine-tuning's held-out loss falls, then rises again (by ≥ 10% above its lowest) "
        f"{every}: "
        + ", ".join(f"{f.early.loss_lowest:.2f} @ {f.early.loss_lowest_step} → "
                    f"{f.early.loss_at_end:.2f}" for f in ft),
        all(_u_shaped(f.early) for f in ft),
    )  # fmt: skip
    lab.claim(
        "early stopping on validation loss keeps a full fine-tuning checkpoint with a lower "
        f"held-out loss than the last one {every}: "
        + ", ".join(f"{f.early.loss_at_best:.2f} vs {f.early.loss_at_end:.2f}" for f in ft),
        all(f.early.loss_at_best < f.early.loss_at_end for f in ft),
    )
    lab.claim(
        f"full fine-tuning's train − held-out exact-match gap is at least 50 points {every}: "
        + ", ".join(f"{100 * _gap(f):.0f}" for f in ft),
        all(_gap(f) >= 0.5 for f in ft),
    )
    lab.claim(
        f"weight decay {params['weight_decay']:g} leaves the fine-tuned weights smaller than "
        f"without it {every} (‖θ‖)",
        all(f[FT_WD].norm_end < f[FT].norm_end for f in fits.values()),
    )
    lab.claim(
        f"weight decay {params['weight_decay']:g} lowers the fine-tuned model's held-out loss "
        f"{every}: "
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
    lab.invariant(
        "evaluating never changed a model: its weights' sha256 is the same before and after an "
        "evaluation pass (no gradients, no optimizer step)",
        all(
            f.result.extra["evaluation_left_weights_unchanged"]
            for by_key in fits.values()
            for f in by_key.values()
        ),
    )
    lab.invariant(
        "the base model's weights are bit-for-bit unchanged: every method trained a copy or "
        "a prompt",
        lab.base_unchanged(),
    )
    _observe(lab, fits[lab.seed] if lab.seed in fits else next(iter(fits.values())))


def _observe(lab: LabRun, first: dict[str, Fit]) -> None:
    """What the first seed measured, for predict cards."""
    e = first[FT].early
    lab.observe(
        "early_stopping_helps",
        "yes" if e.loss_at_best < e.loss_at_end else "no",
        detail=f"full fine-tuning's held-out loss: {e.loss_at_best:.2f} at the kept step "
        f"{e.best_step}, {e.loss_at_end:.2f} at the end",
        rows=[FT],
    )
    gap = _gap(first[FT])
    lab.observe(
        "train_heldout_gap",
        round(100 * gap, 1),
        detail=f"full fine-tuning: train {first[FT].result.extra['train_exact_match_after']:.0%}"
        f", held-out {first[FT].result.exact_match_after:.1%}",
        rows=[FT],
    )
    if first[PROMPT].result.extra.get("wrong_answers_fitted_after") is not None:
        lab.observe(
            "prompt_fits_wrong_answers",
            round(100 * _fitted(first[PROMPT]), 1),
            detail=f"prompt tuning {_fitted(first[PROMPT]):.0%}, full fine-tuning "
            f"{_fitted(first[FT]):.0%} of the wrong answers reproduced",
            rows=[PROMPT, FT],
        )
