"""The one training loop of the labs, with small hooks for what differs between them.

    result = train("prompt-tuning", SoftPrompt(base.model, 4), data, TrainConfig(steps=100),
                   base_params=base.num_params, on_progress=print, should_stop=lambda: False)

By default it trains every parameter of `model` that requires gradients with Adam, on
`data.batches()`, minimising the answer loss, and scores `data.eval_batch`. A lab replaces only
what it needs:

    loss(batch) -> tensor       what one step minimises (default: the answer loss of `model`)
    optimizer                   anything with .zero_grad(set_to_none=True) and .step()
    batches                     an iterator of batches (full-batch: itertools.repeat(batch))
    evaluate(step) -> metrics   scores at step 0, every `eval_every` steps, at the last step and
                                when stopped; its "exact_match" decides the target
    on_step(step, point) -> str after each update: add figures to the step's curve point (a
                                norm, a reward) and say why the run diverged ("" if it did not)

Decided here, the same for every lab: the step timer (forward, backward and update only), when
to evaluate, the first step at the target, values that are not finite (None in the curve; a NaN
or infinity ends the run as diverged, reported in `extra["diverged_at"]`/`["diverged_why"]`,
never a crash), peak memory (resident memory sampled after every step), `Progress` events (with
the step's on_step figures and an evaluation's metrics, as measured), and the stop rule:
`should_stop()` (polled after every step; a stopped run returns everything measured so far), a
value that is not finite, or the target when `stop_at_target` is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast

import torch
from torch import nn

from studykit.lab.engine.data import Batch, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.evaluate import evaluate as score
from studykit.lab.engine.measure import PeakRss, adam_state_bytes, rss_mb
from studykit.lab.results import MethodResult, Progress, ProgressCallback, StopCheck

Metrics = dict[str, float]  # e.g. {"exact_match": 0.75, "eval_loss": 0.31}: exact_match required
CurvePoint = dict[str, float | None]
StepCallback = Callable[[int, CurvePoint], str]  # (step, point) -> why it diverged, or ""


class Optimizer(Protocol):
    def zero_grad(self, set_to_none: bool = True) -> None: ...

    def step(self) -> Any: ...


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
    data: TaskData | None,
    config: TrainConfig,
    *,
    base_params: int,
    loss: Callable[[Any], torch.Tensor] | None = None,
    optimizer: Optimizer | None = None,
    batches: Iterator[Any] | None = None,
    evaluate: Callable[[int], Metrics] | None = None,
    on_step: StepCallback | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> MethodResult:
    """Train `model` for up to `config.steps` steps; measure as it goes (see the module's text).

    `base_params` is the size of the frozen model, for the "% of the model" figure. `data` may be
    None when `batches` and `evaluate` are both given.
    """
    if batches is None or evaluate is None:
        if data is None:
            raise TypeError("train() needs `data`, or both `batches` and `evaluate`")
        batches = batches if batches is not None else data.batches()
        evaluate = evaluate or _held_out(model, data)
    loss_of = loss or _answer_loss(model)
    optimizer = optimizer or torch.optim.Adam(trainable(model), lr=config.lr)

    before = evaluate(0)
    curve: list[CurvePoint] = [{"step": 0, **before}]
    _null_non_finite(curve[0])
    after = before
    steps_to_target = seconds_to_target = None
    if before["exact_match"] >= config.target:
        steps_to_target, seconds_to_target = 0, 0.0
    steps = 0 if config.stop_at_target and steps_to_target == 0 else config.steps
    diverged_at, diverged_why = None, ""
    step_seconds = 0.0
    memory = PeakRss()
    start = time.perf_counter()
    step = 0
    try:
        for step in range(1, steps + 1):
            batch = next(batches)
            # (a batch meets the model's device here, if it is not there already)
            tick = time.perf_counter()
            value = loss_of(batch)
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            optimizer.step()
            step_seconds += time.perf_counter() - tick
            loss_value = value.item()
            point: CurvePoint = {"step": step, "loss": loss_value}
            why, figures = "", None
            if on_step:
                why = on_step(step, point)
                figures = cast(
                    Metrics, {k: v for k, v in point.items() if k not in ("step", "loss")}
                )
            broken = _null_non_finite(point)
            if (why or broken) and diverged_at is None:
                diverged_at, diverged_why = step, why or broken
            stop = bool(should_stop and should_stop()) or bool(broken)
            metrics: Metrics = {}
            if not broken and (step % config.eval_every == 0 or step == config.steps or stop):
                metrics = after = evaluate(step)
                point.update(metrics)
                _null_non_finite(point)
                if steps_to_target is None and metrics["exact_match"] >= config.target:
                    steps_to_target, seconds_to_target = step, time.perf_counter() - start
                stop = stop or (config.stop_at_target and steps_to_target is not None)
            curve.append(point)
            memory.sample()
            if on_progress:  # the figures as measured (a diverged one is inf or NaN here)
                shown = figures | metrics if figures else metrics
                elapsed = time.perf_counter() - start
                on_progress(Progress(method, step, config.steps, loss_value, shown, elapsed))
            if stop:
                break
    finally:
        memory.close()
    n = count_trainable(model)
    extra: dict[str, Any] = {
        f"{key}_after": figure  # e.g. token_accuracy_after, eval_loss_after
        for key, figure in after.items()
        if key not in ("exact_match", "loss")  # exact match has its own field
    }
    _null_non_finite(extra)
    extra |= {
        "target": config.target,
        "adam_state_bytes": adam_state_bytes(optimizer),
        "diverged_at": diverged_at,
        "diverged_why": diverged_why,
    }
    return MethodResult(
        trainable_params=n,
        trainable_pct=100.0 * n / base_params,
        exact_match_before=before["exact_match"],
        exact_match_after=after["exact_match"],
        steps=step,
        seconds=time.perf_counter() - start,
        ms_per_step=1000.0 * step_seconds / step if step else 0.0,
        peak_rss_mb=memory.mb,
        steps_to_target=steps_to_target,
        seconds_to_target=seconds_to_target,
        curve=curve,
        extra=extra,
    )


def _answer_loss(model: nn.Module) -> Callable[[Batch], torch.Tensor]:
    def loss(batch: Batch) -> torch.Tensor:
        return answer_loss(model(batch.input_ids), batch.labels)

    return loss


def _held_out(model: nn.Module, data: TaskData) -> Callable[[int], Metrics]:
    def held_out(step: int) -> Metrics:
        return score(model, data.eval_batch).as_metrics()

    return held_out


def _null_non_finite(values: dict[str, Any]) -> str:
    """Replace every NaN or infinity in `values` by None, in place (JSON has no NaN); say what
    the first one was ("" if there was none)."""
    found = ""
    for key, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            values[key] = None
            found = found or f"{key} became {value:g}"
    return found


def measure_only(
    model: nn.Module, data: TaskData, *, base_params: int, trainable_params: int = 0
) -> MethodResult:
    """A method that does not train (no prompt, a hand-written prompt): one evaluation."""
    start = time.perf_counter()
    scores = score(model, data.eval_batch)
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
