"""Lab `gradient-descent`: the update rule θ ← θ − η∇L, applied to a soft prompt.

    studykit lab gradient-descent
    studykit lab gradient-descent --lrs 0.001,0.01,1e30     # watch a NaN get caught

Every run starts from the same prompt (random vectors at the scale of the word embeddings) and
draws the same batches; only the update changes. Plain SGD is written out below as the rule
itself; Adam comes from `torch.optim`. A learning-rate sweep shows three regimes: too small (the
loss creeps down), good (it falls fast), too large (the run diverges: detected and reported, the
lab carries on). Curves of every run go side by side.

Divergence here rarely means an infinite loss: the model normalises its input (LayerNorm), so a
huge prompt still gives a finite loss. What blows up is the prompt itself, so a run is flagged
when its loss or prompt stops being finite, when the loss blows up (5-step mean above 1.5× its
start), or when the prompt's norm grows past 100× its start in a few steps.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from studykit.lab.engine.data import Batch, TaskData
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import grad_of
from studykit.lab.engine.measure import generator
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.errors import LabParamError
from studykit.lab.results import MethodResult, ProgressCallback, StopCheck

LOSS_BLOWUP = 1.5  # a 5-step mean loss this many times the starting loss counts as diverged
NORM_BLOWUP = 100.0  # so does a prompt norm this many times its starting norm
CONVERGED_DROP = 0.9  # a run "converged" when its loss fell by at least this share
EVAL_EVERY = 20
TARGET = 0.9  # exact match reported as "reached" (training does not stop there)


def run(lab: LabRun, params: dict[str, Any]) -> None:
    rates = parse_rates(params["lrs"])  # LabParamError (one line) before anything trains
    lab.curves("loss", "exact_match")
    k, steps, seed = params["virtual_tokens"], params["steps"], lab.seed
    runs: list[Descent] = []
    for optimizer, lr in [("sgd", r) for r in rates] + [("adam", params["adam_lr"])]:
        if lab.stopped:
            break
        prompt = SoftPrompt(
            lab.base.model, k, init=params["init"], generator=generator(seed, "gradient-descent")
        )  # same start each run
        data = lab.data(params["task"])  # same seed: the same batches each run
        descent, result = descend(
            prompt,
            data,
            optimizer,
            lr,
            steps,
            on_progress=lab.on_progress,
            should_stop=lab.should_stop,
        )
        runs.append(descent)
        lab.record(descent.key, result)
    sweep = [r for r in runs if r.optimizer == "sgd"]
    if len(sweep) == len(rates):
        _sweep_claims(lab, sweep)
    _first_step(lab, runs)
    _sgd_vs_adam(lab, runs, rates)
    lab.table(
        "runs",
        ["run", "loss at start", "loss at end (last 10)", "exact match", "‖θ‖", "status"],
        [
            [
                r.key,
                f"{r.start_loss:.3f}",
                f"{r.final_loss:.3f}",
                f"{lab.em(r.key):.0%}",
                _norms(lab.methods[r.key]),
                f"diverged at step {r.diverged_at}: {r.why}" if r.diverged_at else "ok",
            ]
            for r in runs
        ],
    )
    lab.claim(
        "the base model's weights stayed bit-identical through every run (checksum)",
        lab.base_unchanged(),
    )


@dataclass
class Descent:
    """One run of one update rule at one learning rate."""

    optimizer: str  # "sgd" or "adam"
    lr: float
    losses: list[float] = field(default_factory=list)  # training loss before each step
    norms: list[float] = field(default_factory=list)  # ‖θ‖ after each step
    diverged_at: int | None = None  # the step at which divergence was detected
    why: str = ""  # what was detected
    batch_digest: list[str] = field(default_factory=list)  # sha256 of each batch's token ids
    first_step: dict[str, torch.Tensor] = field(default_factory=dict)  # θ, ∇L, θ' at step 1

    @property
    def key(self) -> str:
        return f"{self.optimizer} η={self.lr:g}"

    @property
    def start_loss(self) -> float:
        return self.losses[0]

    @property
    def final_loss(self) -> float:
        """Mean of the last 10 training losses (single batches are noisy)."""
        finite = [x for x in self.losses[-10:] if math.isfinite(x)]
        return sum(finite) / len(finite) if finite else math.inf


def sgd_step(theta: torch.Tensor, lr: float) -> None:
    """θ ← θ − η∇L, in place. This line is all of gradient descent."""
    assert theta.grad is not None, "sgd_step comes after backward()"
    with torch.no_grad():
        theta -= lr * theta.grad


def check_divergence(run: Descent, start_norm: float) -> str:
    """Why `run` counts as diverged after its latest step ("" if it does not)."""
    loss, norm = run.losses[-1], run.norms[-1]
    if not math.isfinite(loss) or not math.isfinite(norm):
        return f"loss became {loss:g}" if not math.isfinite(loss) else f"‖θ‖ became {norm:g}"
    recent = run.losses[-5:]
    if len(recent) == 5 and sum(recent) / 5 > LOSS_BLOWUP * run.start_loss:
        return f"loss blew up to {sum(recent) / 5 / run.start_loss:.1f}× its start (5-step mean)"
    if norm > NORM_BLOWUP * start_norm:
        return f"‖θ‖ blew up to {norm / start_norm:,.0f}× its start"
    return ""


class PlainSGD:
    """Gradient descent as the optimizer the training loop calls: `step()` is `sgd_step` on every
    parameter, θ ← θ − η∇L, and nothing else (no momentum, no state kept between steps)."""

    def __init__(self, params: list[torch.nn.Parameter], lr: float):
        self.params, self.lr = params, lr

    def zero_grad(self, set_to_none: bool = True) -> None:
        for theta in self.params:
            theta.grad = None

    def step(self) -> None:
        for theta in self.params:
            sgd_step(theta, self.lr)


def descend(
    prompt: SoftPrompt,
    data: TaskData,
    optimizer: str,
    lr: float,
    steps: int,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> tuple[Descent, MethodResult]:
    """Train `prompt.prompt` (k, d) with `optimizer` at rate `lr` for up to `steps` steps.

    A run whose loss or prompt turns NaN/inf stops there (the training loop ends it: nothing after
    it means anything); a run that blew up while staying finite is flagged and carries on, so its
    curve can be compared.
    """
    theta = prompt.prompt
    run = Descent(optimizer, lr)
    start_norm = theta.norm().item()
    start = theta.detach().clone()  # θ as step 1 finds it

    def watch(step: int, point: dict[str, float | None]) -> str:
        """After each update: ‖θ‖ into the curve, the first step kept, divergence checked."""
        if step == 1:
            grad = grad_of(theta).clone()  # kept until the next step's zero_grad
            run.first_step = {"theta": start, "grad": grad, "after": theta.detach().clone()}
        loss = point["loss"]
        assert loss is not None  # the loop turns non-finite values into None only after this
        run.losses.append(loss)
        run.norms.append(theta.norm().item())
        point["prompt_norm"] = run.norms[-1]
        return check_divergence(run, start_norm)

    rule = PlainSGD([theta], lr) if optimizer == "sgd" else torch.optim.Adam([theta], lr=lr)
    result = train(
        run.key,
        prompt,
        data,
        TrainConfig(steps=steps, lr=lr, eval_every=EVAL_EVERY, target=TARGET),
        base_params=sum(p.numel() for p in prompt.base.parameters()),
        optimizer=rule,
        batches=_digested(data.batches(), run.batch_digest),
        on_step=watch,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    run.diverged_at, run.why = result.extra["diverged_at"], result.extra["diverged_why"]
    result.extra |= {
        "optimizer": optimizer,
        "lr": lr,
        "start_loss": run.start_loss,
        "final_loss": _json_safe(run.final_loss),
        "prompt_norm_start": start_norm,
        "prompt_norm_end": _json_safe(run.norms[-1] if run.norms else start_norm),
    }
    return run, result


def _digested(batches: Iterator[Batch], digests: list[str]) -> Iterator[Batch]:
    """The batches, noting the sha256 of each one's token ids (every run must see the same)."""
    for batch in batches:
        digests.append(hashlib.sha256(batch.input_ids.cpu().numpy().tobytes()).hexdigest())
        yield batch


def _json_safe(x: float) -> float | None:
    """NaN and infinity have no JSON form: a diverged value is recorded as None (null)."""
    return x if math.isfinite(x) else None


def parse_rates(text: str) -> list[float]:
    """ "0.001, 0.01,100" -> [0.001, 0.01, 100.0], sorted; a LabParamError says what is wrong."""
    try:
        rates = sorted({float(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise LabParamError(
            [
                f"lab gradient-descent: lrs must be numbers separated by commas, "
                f'e.g. "0.001,0.01,100", got {text!r}'
            ]
        ) from None
    if len(rates) < 2 or any(not (r > 0 and math.isfinite(r)) for r in rates):
        raise LabParamError(
            [
                f"lab gradient-descent: lrs needs at least two different positive "
                f"finite learning rates, got {text!r}"
            ]
        )
    return rates


def _sweep_claims(lab: LabRun, sweep: list[Descent]) -> None:
    smallest, largest = sweep[0], sweep[-1]
    calm = [r for r in sweep if r.diverged_at is None]
    best = min(calm, key=lambda r: r.final_loss) if calm else None
    if best is not None and best is not smallest:
        lab.claim(
            f"η={smallest.lr:g} is too small: after {len(smallest.losses)} steps its loss "
            f"({smallest.final_loss:.3f}) is still above η={best.lr:g}'s "
            f"({best.final_loss:.3f})",
            smallest.diverged_at is None and smallest.final_loss > best.final_loss,
        )
    else:
        lab.claim(
            f"η={smallest.lr:g} is too small: some larger η lowered the loss further "
            "without diverging",
            False,
        )
    lab.claim(
        f"η={largest.lr:g} is too large: divergence detected"
        + (
            f" at step {largest.diverged_at} ({largest.why}), reported, not crashed on"
            if largest.diverged_at
            else " (none was: the loss and ‖θ‖ stayed in bounds)"
        ),
        largest.diverged_at is not None,
    )
    if best is not None:
        drop = 1 - best.final_loss / best.start_loss
        lab.claim(
            f"η={best.lr:g} converged: its loss fell from {best.start_loss:.3f} to "
            f"{best.final_loss:.3f} ({drop:.0%}, needs ≥ {CONVERGED_DROP:.0%})",
            drop >= CONVERGED_DROP,
        )


def _first_step(lab: LabRun, runs: list[Descent]) -> None:
    """The rule written out on the first numbers of the prompt, and Adam's first step beside it."""
    calm = [r for r in runs if r.optimizer == "sgd" and r.diverged_at is None and r.first_step]
    if calm:
        sgd = min(calm, key=lambda r: r.final_loss)  # the sweep's best η
        theta, grad, after = (sgd.first_step[n] for n in ("theta", "grad", "after"))
        rows = [
            [
                f"θ[0, {j}]",
                f"{theta[0, j]:.5f}",
                f"{grad[0, j]:.5f}",
                f"{sgd.lr * grad[0, j]:.5f}",
                f"{after[0, j]:.5f}",
            ]
            for j in range(4)
        ]
        lab.table(
            f"one step of θ ← θ − η∇L (sgd, η={sgd.lr:g})",
            ["number", "θ", "∇L", "η·∇L", "θ − η∇L"],
            rows,
        )
        reference = theta.clone().requires_grad_(True)
        reference.grad = grad.clone()
        torch.optim.SGD([reference], lr=sgd.lr).step()
        gap = (reference.detach() - after).abs().max().item()
        lab.claim(
            f"torch.optim.SGD(lr={sgd.lr:g}) takes the same step θ − η∇L as the rule "
            f"written out here (largest difference {gap:.1e}: float32 rounding)",
            torch.allclose(reference.detach(), after, rtol=1e-6, atol=1e-7),
        )
    adam = next((r for r in runs if r.optimizer == "adam" and r.first_step), None)
    if adam is not None:
        moved = (adam.first_step["after"] - adam.first_step["theta"]).abs()
        clear = adam.first_step["grad"].abs() > 1e-4  # where Adam's ε (1e-8) is negligible
        spread = moved[clear] / adam.lr
        lab.claim(
            f"Adam's first step moved every number by about η={adam.lr:g} whatever its "
            f"gradient (from {spread.min():.4f}·η to {spread.max():.4f}·η); plain SGD "
            "moves each in proportion to its gradient",
            bool(((spread - 1).abs() < 1e-3).all()),
        )


def _sgd_vs_adam(lab: LabRun, runs: list[Descent], rates: list[float]) -> None:
    adam = next((r for r in runs if r.optimizer == "adam"), None)
    sgd = [r for r in runs if r.optimizer == "sgd"]
    if adam is None or not adam.first_step or not sgd:
        return
    same_start = all(
        torch.equal(r.first_step["theta"], adam.first_step["theta"]) for r in sgd if r.first_step
    )
    same_batches = all(_prefix_equal(r.batch_digest, adam.batch_digest) for r in sgd)
    lab.claim(
        f"all {len(runs)} runs started from the same prompt and drew the same batches; "
        "only the update rule and η differ",
        same_start and same_batches,
    )
    calm = [r for r in sgd if r.diverged_at is None]
    if calm:
        best = min(calm, key=lambda r: r.final_loss)
        winner = "Adam" if adam.final_loss < best.final_loss else "SGD"
        lab.table(
            "SGD vs Adam on this seed",
            ["update rule", "η", "loss at end", "lower"],
            [
                [
                    "sgd (best of the sweep)",
                    f"{best.lr:g}",
                    f"{best.final_loss:.4f}",
                    "✓" if winner == "SGD" else "",
                ],
                ["adam", f"{adam.lr:g}", f"{adam.final_loss:.4f}", "✓" if winner == "Adam" else ""],
            ],
            note=(
                f"seed {lab.seed}: {winner} ended lower. Which one wins changes with the seed "
                "and with η, so it is reported per run, not claimed."
            ),
        )


def _norms(result: MethodResult) -> str:
    end = result.extra["prompt_norm_end"]
    return (
        f"{result.extra['prompt_norm_start']:.3g} → {'not finite' if end is None else f'{end:.3g}'}"
    )


def _prefix_equal(a: list[str], b: list[str]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]
