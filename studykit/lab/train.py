"""The training loop every lab uses: Adam on whatever parameters require gradients.

    result = train("prompt-tuning", SoftPrompt(base.model, 4), data, TrainConfig(steps=100),
                   base_params=base.num_params, on_progress=print, should_stop=lambda: False)

Each step draws a batch from `data`, computes the answer loss, and steps the optimizer. Every
`eval_every` steps (and before the first and after the last) it scores the held-out set. A
`Progress` event goes to `on_progress` after every step; `should_stop` is polled after every step,
and a stopped run still returns everything measured so far (the caller sees `should_stop()` true).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from studykit.lab.data import TaskData
from studykit.lab.evaluate import answer_loss, evaluate
from studykit.lab.measure import adam_state_bytes, rss_mb
from studykit.lab.results import MethodResult, Progress, ProgressCallback, StopCheck


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 200
    lr: float = 0.1
    eval_every: int = 25
    target: float = 0.9  # exact match that counts as "reached" for steps/seconds to target
    stop_at_target: bool = False  # end training at the first evaluation that reaches the target


def trainable(model: nn.Module) -> list[nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in trainable(model))


def train(
    method: str,
    model: nn.Module,
    data: TaskData,
    config: TrainConfig,
    *,
    base_params: int,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> MethodResult:
    """Train `model` (input_ids (B, T) -> logits (B, T, V)) on `data`; measure as it goes.

    `base_params` is the size of the frozen model, for the "% of the model" figure.
    """
    params = trainable(model)
    optimizer = torch.optim.Adam(params, lr=config.lr)
    n_trainable = sum(p.numel() for p in params)
    before = evaluate(model, data.eval_batch)
    curve: list[dict[str, float]] = [{"step": 0, **before.as_metrics()}]
    after = before
    steps_to_target = seconds_to_target = None
    if before.exact_match >= config.target:
        steps_to_target, seconds_to_target = 0, 0.0
    step_seconds = 0.0
    peak = rss_mb()
    start = time.perf_counter()
    steps = 0 if config.stop_at_target and steps_to_target == 0 else config.steps
    stream = data.batches()  # every method trained on `data` sees these same batches
    step = 0
    for step in range(1, steps + 1):
        batch = next(stream)
        tick = time.perf_counter()
        loss = answer_loss(model(batch.input_ids), batch.labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step_seconds += time.perf_counter() - tick
        point = {"step": step, "loss": loss.item()}
        metrics: dict[str, float] = {}
        stop = bool(should_stop and should_stop())
        if step % config.eval_every == 0 or step == config.steps or stop:
            after = evaluate(model, data.eval_batch)
            metrics = after.as_metrics()
            point.update(metrics)
            if steps_to_target is None and after.exact_match >= config.target:
                steps_to_target, seconds_to_target = step, time.perf_counter() - start
            stop = stop or (config.stop_at_target and steps_to_target is not None)
        curve.append(point)
        peak = max(peak, rss_mb())
        if on_progress:
            on_progress(
                Progress(
                    method, step, config.steps, point["loss"], metrics, time.perf_counter() - start
                )
            )
        if stop:
            break
    return MethodResult(
        trainable_params=n_trainable,
        trainable_pct=100.0 * n_trainable / base_params,
        exact_match_before=before.exact_match,
        exact_match_after=after.exact_match,
        steps=step,
        seconds=time.perf_counter() - start,
        ms_per_step=1000.0 * step_seconds / step if step else 0.0,
        peak_rss_mb=peak,
        steps_to_target=steps_to_target,
        seconds_to_target=seconds_to_target,
        curve=curve,
        extra={
            "token_accuracy_after": after.token_accuracy,
            "eval_loss_after": after.loss,
            "target": config.target,
            "adam_state_bytes": adam_state_bytes(optimizer),
        },
    )


def measure_only(
    model: nn.Module, data: TaskData, *, base_params: int, trainable_params: int = 0
) -> MethodResult:
    """A method that does not train (no prompt, a hand-written prompt): one evaluation."""
    start = time.perf_counter()
    scores = evaluate(model, data.eval_batch)
    return MethodResult(
        trainable_params=trainable_params,
        trainable_pct=100.0 * trainable_params / base_params,
        exact_match_before=scores.exact_match,
        exact_match_after=scores.exact_match,
        steps=0,
        seconds=time.perf_counter() - start,
        ms_per_step=0.0,
        peak_rss_mb=rss_mb(),
        curve=[{"step": 0, **scores.as_metrics()}],
        extra={"token_accuracy_after": scores.token_accuracy, "eval_loss_after": scores.loss},
    )
