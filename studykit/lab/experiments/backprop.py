"""Lab `backprop`: the chain rule made visible on a soft prompt in front of a frozen model.

    studykit lab backprop

One backward call carries the loss's gradient from the logits back through every layer of the
frozen model to the k prompt vectors. The lab shows it four ways:

1. Gradient flow: the gradient norm at each layer's activations on the way back (hooks that call
   `retain_grad`), and which parameters end up with a `.grad` (only the prompt).
2. Finite differences in float64: a few prompt coordinates nudged by ±ε; the slope of the loss
   must match the backward pass's gradient (relative error < 1e-4).
3. The cost of a backward pass with and without weight gradients (median of several repetitions).
4. A short prompt-tuning run: the same gradients, used, must cut the held-out loss at least in
   half; the base checksum stays the same.

What the chain rule guarantees (nonzero gradients on the way, which tensors get a `.grad`, the
finite-difference agreement, the counts) is reported as invariants; the findings are what could
have come out otherwise: the timing, and whether the gradient was good enough to train with.

Honest about scale: on a 100k-parameter model fixed per-operation overheads are a large share of
a backward pass, so the saving measured here is not what a large model saves (there the weight-
gradient products are about half of the backward pass's arithmetic), and the memory that frozen
weights save (no weight gradients, no optimizer state) is shown as counts, not measured.

The gradient-flow instruments (`activation_gradients`, `flow_rows`) live in
`studykit.lab.engine.instruments`, shared with the `soft-prompt` lab.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from studykit.lab.engine.data import Batch, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import (
    FLOW_COLUMNS,
    GradientFlow,
    activation_gradients,
    flow_rows,
    grad_of,
    only_prompt_has_grad,
)
from studykit.lab.engine.measure import generator
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.results import Progress, ProgressCallback, StopCheck

FD_TOLERANCE = 1e-4  # the relative error a correct float64 gradient stays under
TRAINED = 0.5  # the share of the held-out loss the short prompt-tuning run must remove


# -- the lab ------------------------------------------------------------------------------------


def run(lab: LabRun, params: dict[str, Any]) -> None:
    k, seed, on_progress = params["virtual_tokens"], lab.seed, lab.on_progress
    data = lab.data(params["task"])
    batch = data.next_batch()
    prompt = SoftPrompt(lab.base.model, k, generator=generator(seed, "prompt-tuning"))

    flow = activation_gradients(prompt, batch)
    _report("gradient-flow", 1, 1, flow.loss, on_progress)
    _flow_table(lab, flow)
    _flow_invariants(lab, flow)

    if not lab.stopped:
        fd = _finite_differences(prompt, batch, params["fd_coordinates"], seed, on_progress)
        lab.table(
            "finite differences (float64)",
            ["prompt coordinate", "backprop", "finite difference", "relative error"],
            [
                [f"[{i}, {j}]", f"{b:.6e}", f"{n:.6e}", f"{e:.1e}"]
                for (i, j), b, n, e in zip(
                    fd.coordinates, fd.backprop, fd.numeric, fd.relative_errors, strict=True
                )
            ],
            note=(
                f"ε = {fd.epsilon:g}; {fd.forward_passes} forward passes checked "
                f"{len(fd.coordinates)} of {prompt.prompt.numel()} numbers that one backward pass "
                "produced together"
            ),
        )
        # autograd differentiates the very function the loss computes: a ✗ would be a bug
        lab.invariant(
            f"finite differences in float64 agree with backprop on {len(fd.coordinates)} "
            f"prompt coordinates (max relative error {fd.max_relative_error:.1e} < "
            f"{FD_TOLERANCE:g})",
            fd.max_relative_error < FD_TOLERANCE,
        )

    if not lab.stopped:
        cost = backward_cost(prompt, batch, params["repeats"], lab.should_stop)
        _report("backward-cost", 1, 1, flow.loss, on_progress)
        _cost_table(lab, cost)
        lab.invariant(
            f"without weight gradients the backward pass wrote {cost.frozen_grad_tensors} "
            f"gradient tensor ({cost.frozen_grad_numbers:,} numbers); with them "
            f"{cost.unfrozen_grad_tensors} ({cost.unfrozen_grad_numbers:,} numbers)",
            cost.frozen_grad_tensors == 1 and cost.unfrozen_grad_tensors == 1 + flow.frozen_total,
        )
        faster = cost.frozen_ms < cost.unfrozen_ms
        lab.claim(
            f"on this run the backward pass without weight gradients was "
            f"{'faster' if faster else 'not faster'}: median {cost.frozen_ms:.2f} ms vs "
            f"{cost.unfrozen_ms:.2f} ms over {cost.repeats} repetitions",
            faster,
        )
        lab.observe(
            "backward_without_weight_gradients",
            "faster" if faster else "not faster",
            detail=(
                f"median {cost.frozen_ms:.2f} ms frozen vs {cost.unfrozen_ms:.2f} ms with "
                f"weight gradients: {cost.unfrozen_ms / cost.frozen_ms:.2f}×, "
                f"{cost.repeats} repetitions"
            ),
        )
        lab.observe(
            "numbers_the_backward_pass_wrote",
            cost.frozen_grad_numbers,
            detail=(
                f"{cost.frozen_grad_numbers:,} with the weights frozen: the prompt's k × d = "
                f"{' × '.join(map(str, prompt.prompt.shape))}; "
                f"{cost.unfrozen_grad_numbers:,} with every weight's gradient too"
            ),
        )

    if not lab.stopped:  # the same prompt object trains: every later step repeats part 1
        _train(lab, prompt, data, params)


def _flow_invariants(lab: LabRun, flow: GradientFlow) -> None:
    """What the chain rule guarantees about one backward pass through the frozen model."""
    layers = [a for a in flow.activations if a.name.startswith("layer")]
    lab.invariant(
        f"the gradient reached the prompt through all {lab.base.shape[0]} layers: "
        f"nonzero at each of {len(layers)} layer activations and at the prompt",
        all(a.grad_norm > 0 for a in flow.activations),
    )
    outputs = [a for a in flow.activations if a.name.endswith("output")]
    if len(outputs) >= 2:  # logits first: outputs[0] is the last layer's
        last, below = outputs[0], outputs[1]
        lab.invariant(
            f"at {last.name} the prompt positions got no gradient (their outputs are dropped); "
            f"at {below.name} they did (the real tokens above attended to them)",
            last.prompt_grad_norm == 0 and bool(below.prompt_grad_norm),
        )
    lab.invariant(
        "the prompt's gradient is the sum over the batch of the gradient at its k input "
        "positions (the last link of the chain)",
        flow.prompt_is_sum_of_joined,
    )
    lab.invariant(
        f"after backward only the prompt has a .grad; all {flow.frozen_total} frozen weight "
        "tensors' .grad stayed None",
        only_prompt_has_grad(flow),
    )


def _train(lab: LabRun, prompt: SoftPrompt, data: TaskData, params: dict[str, Any]) -> None:
    """A short prompt-tuning run: the gradient of part 1, used. It must cut the held-out loss by
    at least TRAINED (a run too short or too slow to learn fails this; exact match is reported:
    on some seeds 30 steps are not enough for it to rise far)."""
    start = prompt.prompt.detach().clone()
    config = TrainConfig(steps=params["steps"], lr=params["lr"], eval_every=10)
    result = train(
        "prompt-tuning",
        prompt,
        data,
        config,
        base_params=lab.base.num_params,
        on_progress=lab.on_progress,
        should_stop=lab.should_stop,
    )
    moved = (prompt.prompt.detach() - start).norm().item()
    result.extra["prompt_moved_by"] = moved
    lab.record("prompt-tuning", result)
    before, after = result.exact_match_before, result.exact_match_after
    loss_before = result.curve[0].get("eval_loss")
    loss_after = result.extra.get("eval_loss_after")
    drop = 1 - loss_after / loss_before if loss_before and loss_after is not None else 0.0
    lab.claim(
        f"{result.steps} update steps of the prompt alone (it moved by {moved:.3g} in norm) cut "
        f"the held-out loss from {_figure(loss_before)} to {_figure(loss_after)} ({drop:.1%} "
        f"lower, needs ≥ {TRAINED:.0%}); exact match went from {before:.0%} to {after:.0%}",
        drop >= TRAINED,
    )
    lab.invariant(
        "every base weight stayed bit-identical through those steps (checksum)",
        lab.base_unchanged(),
    )


def _figure(x: float | None) -> str:
    return "?" if x is None else f"{x:.3f}"


# -- 2. finite differences (1., the gradient flow, is `instruments.activation_gradients`) ---


@dataclass
class FiniteDifference:
    coordinates: list[tuple[int, int]]  # (virtual token, dimension) of each checked number
    backprop: list[float]  # ∂L/∂prompt[i, j] from the backward pass
    numeric: list[float]  # (L(θ + ε) − L(θ − ε)) / 2ε
    relative_errors: list[float]
    epsilon: float
    forward_passes: int

    @property
    def max_relative_error(self) -> float:
        return max(self.relative_errors)


def finite_difference_check(
    loss_at: Callable[[], torch.Tensor],
    prompt: nn.Parameter,
    gradient: torch.Tensor,
    coordinates: list[tuple[int, int]],
    epsilon: float = 1e-6,
) -> FiniteDifference:
    """Compare `gradient` (from backprop) with central differences of `loss_at()` at `coordinates`.

    The relative error of one coordinate is |numeric − backprop| / max(|numeric|, |backprop|).
    Run in float64: in float32 rounding alone would swamp a 1e-4 comparison.
    """
    numeric, relative = [], []
    with torch.no_grad():
        for i, j in coordinates:
            original = prompt[i, j].item()
            prompt[i, j] = original + epsilon
            up = loss_at().item()
            prompt[i, j] = original - epsilon
            down = loss_at().item()
            prompt[i, j] = original
            slope = (up - down) / (2 * epsilon)
            exact = gradient[i, j].item()
            numeric.append(slope)
            relative.append(abs(slope - exact) / max(abs(slope), abs(exact), 1e-30))
    return FiniteDifference(
        coordinates,
        [gradient[i, j].item() for i, j in coordinates],
        numeric,
        relative,
        epsilon,
        2 * len(coordinates),
    )


def float64_prompt(prompt: SoftPrompt) -> SoftPrompt:
    """A float64 copy of a soft prompt and its frozen model (the original stays untouched)."""
    copied = copy.deepcopy(prompt)
    return copied.double()


# -- 3. the cost of weight gradients ------------------------------------------------------------


@dataclass
class BackwardCost:
    repeats: int
    frozen_ms: float  # median backward time with frozen weights (prompt gradient only)
    unfrozen_ms: float  # median backward time when every weight also wants a gradient
    frozen_grad_tensors: int
    unfrozen_grad_tensors: int
    frozen_grad_numbers: int
    unfrozen_grad_numbers: int


def _timed_backward(prompt: SoftPrompt, batch: Batch) -> tuple[float, int, int]:
    """Seconds of one backward pass (the forward pass is not timed), and the gradients it wrote."""
    prompt.zero_grad(set_to_none=True)
    loss = answer_loss(prompt(batch.input_ids), batch.labels)
    tick = time.perf_counter()
    loss.backward()
    seconds = time.perf_counter() - tick
    grads = [p.grad for p in prompt.parameters() if p.grad is not None]
    return seconds, len(grads), sum(g.numel() for g in grads)


def backward_cost(
    prompt: SoftPrompt, batch: Batch, repeats: int, should_stop: StopCheck | None = None
) -> BackwardCost:
    """Median backward time of the prompt over the frozen model vs over a copy whose weights all
    require gradients. The two are timed in alternation so a busy machine slows both alike."""
    unfrozen = copy.deepcopy(prompt)
    unfrozen.base.requires_grad_(True)
    for _ in range(2):  # warm-up: first passes allocate
        _timed_backward(prompt, batch)
        _timed_backward(unfrozen, batch)
    frozen_times, unfrozen_times = [], []
    for _ in range(repeats):
        seconds, frozen_tensors, frozen_numbers = _timed_backward(prompt, batch)
        frozen_times.append(seconds)
        seconds, unfrozen_tensors, unfrozen_numbers = _timed_backward(unfrozen, batch)
        unfrozen_times.append(seconds)
        if should_stop and should_stop():
            break
    prompt.zero_grad(set_to_none=True)
    return BackwardCost(
        len(frozen_times),
        1000 * statistics.median(frozen_times),
        1000 * statistics.median(unfrozen_times),
        frozen_tensors,
        unfrozen_tensors,
        frozen_numbers,
        unfrozen_numbers,
    )


def _finite_differences(
    prompt: SoftPrompt, batch: Batch, count: int, seed: int, on_progress: ProgressCallback | None
) -> FiniteDifference:
    exact = float64_prompt(prompt)
    exact.zero_grad(set_to_none=True)
    answer_loss(exact(batch.input_ids), batch.labels).backward()
    k, d = exact.prompt.shape
    picks = torch.randperm(k * d, generator=generator(seed, "finite-difference"))[:count]
    coordinates = [(int(n) // d, int(n) % d) for n in picks]
    result = finite_difference_check(
        lambda: answer_loss(exact(batch.input_ids), batch.labels),
        exact.prompt,
        grad_of(exact.prompt),
        coordinates,
    )
    _report("finite-difference", len(coordinates), len(coordinates), 0.0, on_progress)
    return result


def _report(
    method: str, step: int, total: int, loss: float, on_progress: ProgressCallback | None
) -> None:
    if on_progress:
        on_progress(Progress(method, step, total, loss))


def _flow_table(lab: LabRun, flow: GradientFlow) -> None:
    note = (
        f"loss {flow.loss:.4f}. At the last layer the prompt positions get no gradient: their "
        "outputs are dropped. Below it they do, because the real tokens attended to them. "
        f"Parameters with a .grad: {', '.join(flow.with_grad) or 'none'}; frozen weight tensors "
        f"whose .grad is None: {flow.frozen_without_grad} of {flow.frozen_total}."
    )
    lab.table("gradient flow, loss → prompt", FLOW_COLUMNS, flow_rows(flow), note=note)


def _cost_table(lab: LabRun, cost: BackwardCost) -> None:
    lab.table(
        "cost of one backward pass",
        ["weights", "median ms", "gradient tensors", "gradient numbers"],
        [
            [
                "frozen (prompt gradient only)",
                f"{cost.frozen_ms:.2f}",
                cost.frozen_grad_tensors,
                cost.frozen_grad_numbers,
            ],
            [
                "trainable (every weight's gradient too)",
                f"{cost.unfrozen_ms:.2f}",
                cost.unfrozen_grad_tensors,
                cost.unfrozen_grad_numbers,
            ],
        ],
        note=(
            f"median of {cost.repeats} repetitions, timed in alternation; ratio "
            f"{cost.unfrozen_ms / cost.frozen_ms:.2f}×. Both passes compute the gradient at every "
            "activation; only the weight-gradient products differ."
        ),
    )
