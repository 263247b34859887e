"""Lab `gradient-descent`: the update rule θ ← θ − η∇L, applied to a soft prompt.

    studykit lab gradient-descent
    studykit lab gradient-descent --lrs 0.001,0.02,1e30     # a prompt that turns inf, caught

Every run starts from the same prompt (random vectors at the scale of the word embeddings) and
draws the same batches; only the update changes. Plain SGD is written out below as the rule
itself (`sgd_step`); Adam comes from `torch.optim`. Five runs:

- a plain-SGD sweep on the prompt: too small (the loss creeps down), good (it falls fast), and
  huge (η=100), which overshoots on its first step (‖θ‖ jumps about 300×) and yet goes on lowering
  the loss, ending below the too-small rate;
- the same huge η on the prompt AND every weight of the model: the loss rises by orders of
  magnitude and becomes NaN within a few steps (divergence, detected, the lab carries on);
- Adam on the prompt, beside the sweep.

Why the prompt survives a step that wrecks the weights: the model normalises what it reads
(LayerNorm before every attention and MLP block and before the output layer). Once the prompt is
huge, the loss depends on its direction only, not its length, so its gradient shrinks like
1/‖θ‖ and the step's effect on the direction like η/‖θ‖²: the 300× jump divides the effective
step by about 10⁵. The weights have no such shield: the output layer (tied to the embeddings)
multiplies the normalised state straight into the logits, so a huge step there gives huge logits.

Honest about scale: a 100k-parameter model shows the regimes of η, the normalisation shield and
Adam's per-number step; it cannot show what depends on size (a best η that shifts with width,
loss spikes deep into a long run, why large models need warmup), and SGD vs Adam is one task on
one seed, reported per run.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from studykit.lab.engine.data import Batch, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import grad_of
from studykit.lab.engine.measure import generator
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.errors import LabParamError
from studykit.lab.results import MethodResult, ProgressCallback, StopCheck

LOSS_BLOWUP = 3.0  # a 5-step mean loss this many times the starting loss counts as diverged
OVERSHOOT = 100.0  # ‖θ‖ this many times its start: the step overshot (not, by itself, divergence)
CONVERGED_DROP = 0.9  # a run "converged" when its loss fell by at least this share
SETTLED = 0.05  # after an overshoot, ‖θ‖ changing by less than this share: the steps shrank
SCALE_INVARIANT = 0.02  # doubling θ changes the held-out loss by less than this share
EVAL_EVERY = 25
BATCH, EVAL_SIZE = 32, 128  # small enough for five runs in a few seconds; the findings hold
TARGET = 0.9  # exact match reported as "reached" (training does not stop there)
EVERY_WEIGHT = "every weight"  # the runs whose update also moves every weight of the model


def run(lab: LabRun, params: dict[str, Any]) -> None:
    rates = parse_rates(params["lrs"])  # LabParamError (one line) before anything trains
    lab.curves("loss", "exact_match")
    steps = params["steps"]
    plan = [("sgd", r, False) for r in rates]
    plan += [("sgd", rates[-1], True), ("adam", params["adam_lr"], False)]
    runs: list[Descent] = []
    prompts: dict[str, SoftPrompt] = {}
    for optimizer, lr, every_weight in plan:
        if lab.stopped:
            break
        prompt = _start(lab, params, every_weight)  # the same start for every run
        data = lab.data(params["task"], batch_size=BATCH, eval_size=EVAL_SIZE)  # same each run
        descent, result = descend(
            prompt,
            data,
            optimizer,
            lr,
            steps,
            on_progress=lab.on_progress,
            should_stop=lab.should_stop,
        )
        if every_weight:  # its losses (up to ~1e9) would flatten every other curve: table only
            result.curve = [
                {("loss_off_the_chart" if k == "loss" else k): v for k, v in point.items()}
                for point in result.curve
            ]
        runs.append(descent)
        prompts[descent.key] = prompt
        lab.record(descent.key, result)
    sweep = [r for r in runs if r.optimizer == "sgd" and not r.every_weight]
    if len(sweep) == len(rates):
        _sweep_findings(lab, sweep)
        _huge_step(lab, sweep, runs, prompts[sweep[-1].key], params["task"])
    _first_step(lab, runs)
    _sgd_vs_adam(lab, runs)
    lab.table(
        "runs",
        ["run", "loss at end", "exact match", "‖θ‖", "status"],
        [
            [
                r.key,
                _loss(r.final_loss),
                f"{lab.em(r.key):.0%}",
                _norms(r),
                r.status,
            ]
            for r in runs
        ],
        note=_runs_note(runs)
        + _runs_note_seed(sweep)
        + (
            "‖θ‖ is the norm of every number the run trains (for 'every weight': the prompt and "
            f"all the model's weights). Overshot: ‖θ‖ jumped past {OVERSHOOT:g}× its start. "
            f"Diverged: the loss rose past {LOSS_BLOWUP:g}× its start or stopped being finite."
        ),
    )
    lab.invariant(
        "the base model's weights stayed bit-identical through every run (checksum; the "
        "'every weight' run trained a copy)",
        lab.base_unchanged(),
    )


def _start(lab: LabRun, params: dict[str, Any], every_weight: bool) -> SoftPrompt:
    """The starting prompt, drawn from the same generator every run; with `every_weight`, in
    front of a trainable copy of the model (the shared base stays frozen for the other runs)."""
    model = copy.deepcopy(lab.base.model) if every_weight else lab.base.model
    prompt = SoftPrompt(
        model,
        params["virtual_tokens"],
        init=params["init"],
        generator=generator(lab.seed, "gradient-descent"),
    )
    if every_weight:
        prompt.base.requires_grad_(True)
    return prompt


@dataclass
class Descent:
    """One run of one update rule at one learning rate."""

    optimizer: str  # "sgd" or "adam"
    lr: float
    every_weight: bool = False  # the update moves every weight too, not only the prompt
    losses: list[float] = field(default_factory=list)  # training loss before each step
    norms: list[float] = field(default_factory=list)  # ‖θ‖ (every trained number) after each step
    start_norm: float = 0.0
    diverged_at: int | None = None  # the step at which the loss was seen to diverge
    why: str = ""  # what was detected
    overshot_at: int | None = None  # the step at which ‖θ‖ passed OVERSHOOT× its start
    batch_digest: list[str] = field(default_factory=list)  # sha256 of each batch's token ids
    first_step: dict[str, torch.Tensor] = field(default_factory=dict)  # prompt, ∇L, after, step 1

    @property
    def key(self) -> str:
        return f"{self.optimizer} η={self.lr:g}" + (f" {EVERY_WEIGHT}" if self.every_weight else "")

    @property
    def start_loss(self) -> float:
        return self.losses[0]

    @property
    def final_loss(self) -> float:
        """Mean of the last 10 training losses (single batches are noisy); inf once one was
        not finite (nothing after it means anything)."""
        last = self.losses[-10:]
        return sum(last) / len(last) if last and not self.non_finite else math.inf

    @property
    def after_jump_loss(self) -> float:
        """Mean training loss of steps 2-6: where the first step landed."""
        landed = self.losses[1:6]
        ok = landed and all(math.isfinite(x) for x in landed)
        return sum(landed) / len(landed) if ok else math.inf

    @property
    def outcome_after_jump(self) -> str:
        """What the loss did after the first step: "non-finite", "rises" or "falls"."""
        if self.non_finite:
            return "non-finite"
        return "falls" if self.final_loss < self.after_jump_loss else "rises"

    @property
    def non_finite(self) -> bool:
        return not all(math.isfinite(x) for x in self.losses + self.norms)

    @property
    def outcome(self) -> str:
        """What the loss did over the run: "non-finite", "rises" or "falls" (end vs start)."""
        if self.non_finite:
            return "non-finite"
        return "falls" if self.final_loss < self.start_loss else "rises"

    @property
    def status(self) -> str:
        if self.diverged_at:
            return f"diverged at step {self.diverged_at}: {self.why}"
        if self.overshot_at:
            jump = max(self.norms) / self.start_norm
            then = {"falls": "fell", "rises": "rose"}.get(self.outcome_after_jump, "non-finite")
            return f"overshot: ‖θ‖ ×{jump:.0f} at step {self.overshot_at}, then loss {then}"
        return "ok"


def sgd_step(theta: torch.Tensor, lr: float) -> None:
    """θ ← θ − η∇L, in place. This line is all of gradient descent."""
    assert theta.grad is not None, "sgd_step comes after backward()"
    with torch.no_grad():
        theta -= lr * theta.grad


def check_divergence(run: Descent) -> str:
    """Why the loss of `run` counts as diverged after its latest step ("" if it does not): a
    loss or θ that is not finite, or a 5-step mean loss past LOSS_BLOWUP× its start. A huge ‖θ‖
    alone is not divergence (see `check_overshoot`): the loss decides."""
    loss, norm = run.losses[-1], run.norms[-1]
    if not math.isfinite(loss) or not math.isfinite(norm):
        return f"loss became {loss:g}" if not math.isfinite(loss) else f"‖θ‖ became {norm:g}"
    recent = run.losses[-5:]
    if len(recent) == 5 and sum(recent) / 5 > LOSS_BLOWUP * run.start_loss:
        return f"loss blew up to {sum(recent) / 5 / run.start_loss:,.1f}× its start (5-step mean)"
    return ""


def check_overshoot(run: Descent) -> bool:
    """Whether ‖θ‖ passed OVERSHOOT× its start at the latest step."""
    return math.isfinite(run.norms[-1]) and run.norms[-1] > OVERSHOOT * run.start_norm


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
    """Train every trainable number of `prompt` (its (k, d) prompt, and the model's weights if
    they require gradients) with `optimizer` at rate `lr` for up to `steps` steps.

    A run whose loss or θ turns NaN/inf stops there (the training loop ends it: nothing after it
    means anything); a run whose loss blew up while staying finite is flagged and carries on, so
    its curve can be compared; an overshoot of ‖θ‖ is noted, not counted as divergence.
    """
    theta = prompt.prompt
    trained = [p for p in prompt.parameters() if p.requires_grad]
    run = Descent(optimizer, lr, every_weight=len(trained) > 1)
    run.start_norm = _norm(trained)
    start = theta.detach().clone()  # the prompt as step 1 finds it

    def watch(step: int, point: dict[str, float | None]) -> str:
        """After each update: ‖θ‖ into the curve, the first step kept, divergence checked."""
        if step == 1:
            grad = grad_of(theta).clone()  # kept until the next step's zero_grad
            run.first_step = {"theta": start, "grad": grad, "after": theta.detach().clone()}
        loss = point["loss"]
        assert loss is not None  # the loop turns non-finite values into None only after this
        run.losses.append(loss)
        run.norms.append(_norm(trained))
        point["prompt_norm"] = run.norms[-1]
        if run.overshot_at is None and check_overshoot(run):
            run.overshot_at = step
        return check_divergence(run)

    rule = PlainSGD(trained, lr) if optimizer == "sgd" else torch.optim.Adam(trained, lr=lr)
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
        "every_weight": run.every_weight,
        "start_loss": run.start_loss,
        "final_loss": _json_safe(run.final_loss),
        "losses_first_5": [_json_safe(x) for x in run.losses[:5]],
        "outcome": run.outcome,
        "overshot_at": run.overshot_at,
        "prompt_norm_start": run.start_norm,
        "prompt_norm_end": _json_safe(run.norms[-1] if run.norms else run.start_norm),
    }
    return run, result


def _norm(tensors: list[torch.nn.Parameter]) -> float:
    with torch.no_grad():
        return math.sqrt(sum(t.float().pow(2).sum().item() for t in tensors))


def _digested(batches: Iterator[Batch], digests: list[str]) -> Iterator[Batch]:
    """The batches, noting the sha256 of each one's token ids (every run must see the same)."""
    for batch in batches:
        digests.append(hashlib.sha256(batch.input_ids.cpu().numpy().tobytes()).hexdigest())
        yield batch


def _json_safe(x: float) -> float | None:
    """NaN and infinity have no JSON form: a diverged value is recorded as None (null)."""
    return x if math.isfinite(x) else None


def parse_rates(text: str) -> list[float]:
    """ "0.001, 0.02,100" -> [0.001, 0.02, 100.0], sorted; a LabParamError says what is wrong."""
    try:
        rates = sorted({float(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise LabParamError(
            [
                f"lab gradient-descent: lrs must be numbers separated by commas, "
                f'e.g. "0.001,0.02,100", got {text!r}'
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


# -- findings and observables -------------------------------------------------------------------


def _sweep_findings(lab: LabRun, sweep: list[Descent]) -> None:
    """The sweep on the prompt alone: too small, the best, and which rate ended lowest."""
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
    if best is None:
        return
    drop = 1 - best.final_loss / best.start_loss
    lab.claim(
        f"η={best.lr:g} converged: its loss fell from {best.start_loss:.3f} to "
        f"{best.final_loss:.3f} ({drop:.0%}, needs ≥ {CONVERGED_DROP:.0%})",
        drop >= CONVERGED_DROP,
    )
    place = {smallest.key: "smallest", largest.key: "largest"}.get(best.key, "middle")
    lab.observe(
        "lowest_sgd_rate",
        place,
        detail="loss at end: " + ", ".join(f"η={r.lr:g} {_loss(r.final_loss)}" for r in sweep),
        rows=[r.key for r in sweep],
    )


def _huge_step(
    lab: LabRun, sweep: list[Descent], runs: list[Descent], prompt: SoftPrompt, task: str
) -> None:
    """The largest η on the prompt alone (one overshoot, then LayerNorm's shield) and on every
    weight (divergence): the same η, the same start, the same batches."""
    largest = sweep[-1]
    if largest.non_finite or len(largest.norms) < 2:
        lab.claim(
            f"η={largest.lr:g} on the prompt overshot once and then held ‖θ‖ steady: it did not "
            f"({largest.status})",
            False,
        )
    else:
        jump = max(largest.norms) / largest.start_norm
        settled = abs(largest.norms[-1] - largest.norms[0]) / largest.norms[0]
        lab.claim(
            f"η={largest.lr:g} on the prompt overshot once: ‖θ‖ jumped ×{jump:.0f} at step "
            f"{largest.overshot_at or '-'}, then changed by {settled:.2%} over the other "
            f"{len(largest.norms) - 1} steps (< {SETTLED:.0%})",
            largest.overshot_at == 1 and settled < SETTLED,
        )
    after_jump, end = largest.after_jump_loss, largest.final_loss
    descending = largest.outcome_after_jump == "falls"
    lab.claim(
        f"after that jump η={largest.lr:g} kept lowering the prompt's loss, never non-finite: "
        f"{_loss(after_jump)} just after it (steps 2-6) → {_loss(end)} at the end (last 10)",
        descending and largest.diverged_at is None,
    )
    lab.observe(
        "loss_at_largest_lr",
        largest.outcome_after_jump,
        detail=(
            f"η={largest.lr:g} on the prompt: loss {largest.start_loss:.3f} at the start, "
            f"{_loss(after_jump)} after the jump, {_loss(end)} at the end; ‖θ‖ "
            f"{largest.start_norm:.3g} → {_norm_text(largest.norms[-1])}"
        ),
        rows=[largest.key],
    )
    if not largest.non_finite:
        _scale_shield(lab, largest, prompt, task)
    wrecked = next((r for r in runs if r.every_weight), None)
    if wrecked is None:
        return
    path = " → ".join(_loss(x) for x in wrecked.losses[:6])
    finite = [x for x in wrecked.losses if math.isfinite(x)]
    rose = max(finite) > LOSS_BLOWUP * wrecked.start_loss
    lab.claim(
        f"the same η={wrecked.lr:g} on the prompt and every weight diverged: the loss rose past "
        f"{LOSS_BLOWUP:g}× its start and became non-finite ({path}), detected at step "
        f"{wrecked.diverged_at or '-'} and reported, not crashed on",
        wrecked.non_finite and rose,
    )
    best = min(sweep, key=lambda r: r.final_loss)
    lab.claim(
        f"at the same η={wrecked.lr:g}, the prompt's loss stayed finite ({_loss(end)} at the "
        f"end) where the every-weight run's did not; the best rate, η={best.lr:g}, ended lower "
        f"still ({_loss(best.final_loss)})",
        not largest.non_finite and wrecked.non_finite and best.final_loss < end,
    )
    lab.observe(
        "loss_with_every_weight",
        wrecked.outcome,
        detail=f"η={wrecked.lr:g} on the prompt and every weight: loss {path}",
        rows=[wrecked.key],
    )


def _scale_shield(lab: LabRun, largest: Descent, prompt: SoftPrompt, task: str) -> None:
    """Why the huge step did no harm: the held-out loss at θ and at 2θ, at the start and at the
    end of the largest-η run. Once ‖θ‖ is huge, only θ's direction matters."""
    batch = lab.data(task, batch_size=BATCH, eval_size=EVAL_SIZE).eval_batch
    theta = prompt.prompt

    def loss_at(point: torch.Tensor) -> float:
        with torch.no_grad():
            saved = theta.detach().clone()
            theta.copy_(point)
            value = answer_loss(prompt(batch.input_ids), batch.labels).item()
            theta.copy_(saved)
        return value

    end, start = theta.detach().clone(), largest.first_step["theta"]
    at_end, doubled_end = loss_at(end), loss_at(2 * end)
    at_start, doubled_start = loss_at(start), loss_at(2 * start)
    change_end = abs(doubled_end - at_end) / at_end
    change_start = abs(doubled_start - at_start) / at_start
    norm_end = largest.norms[-1]
    lab.table(
        "why the huge step did no harm: the loss at θ and at 2θ (held-out set)",
        ["prompt", "‖θ‖", "loss at θ", "loss at 2θ", "change"],
        [
            [
                "at the start",
                _norm_text(largest.start_norm),
                f"{at_start:.3f}",
                f"{doubled_start:.3f}",
                f"{change_start:.1%}",
            ],
            [
                f"after η={largest.lr:g}",
                _norm_text(norm_end),
                f"{at_end:.3f}",
                f"{doubled_end:.3f}",
                f"{change_end:.1%}",
            ],
        ],
        note=(
            "The model normalises what it reads (LayerNorm), so a huge prompt counts by its "
            "direction only: its gradient shrinks like 1/‖θ‖, and each later step turns it "
            f"‖θ‖² = {norm_end**2:.1e} times less than it would turn a prompt of norm 1 (an "
            f"effective rate η/‖θ‖² = {largest.lr / norm_end**2:.1e}). The output layer has no "
            "such shield, which is why the same η on every weight diverges."
        ),
    )
    lab.claim(
        f"at the end of η={largest.lr:g}, doubling the prompt (‖θ‖ {_norm_text(norm_end)}) "
        f"changed the held-out loss by {change_end:.2%} (< {SCALE_INVARIANT:.0%}), less than "
        f"doubling the starting prompt did ({change_start:.1%})",
        change_end < SCALE_INVARIANT and change_end < change_start,
    )


def _first_step(lab: LabRun, runs: list[Descent]) -> None:
    """The rule written out on the first numbers of the prompt, and Adam's first step beside it."""
    calm = [
        r
        for r in runs
        if r.optimizer == "sgd" and not r.every_weight and r.diverged_at is None and r.first_step
    ]
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
        lab.invariant(
            f"torch.optim.SGD(lr={sgd.lr:g}) takes the same step θ − η∇L as the rule "
            f"written out here (largest difference {gap:.1e}: float32 rounding)",
            torch.allclose(reference.detach(), after, rtol=1e-6, atol=1e-7),
        )
    adam = next((r for r in runs if r.optimizer == "adam" and r.first_step), None)
    if adam is not None:
        moved = (adam.first_step["after"] - adam.first_step["theta"]).abs()
        clear = adam.first_step["grad"].abs() > 1e-4  # where Adam's ε (1e-8) is negligible
        spread = moved[clear] / adam.lr
        lab.invariant(  # Adam's first step is m/√v = g/|g| = ±1 per number, by its definition
            f"Adam's first step moved every number by about η={adam.lr:g} whatever its "
            f"gradient (from {spread.min():.4f}·η to {spread.max():.4f}·η); plain SGD "
            "moves each in proportion to its gradient",
            bool(((spread - 1).abs() < 1e-3).all()),
        )


def _sgd_vs_adam(lab: LabRun, runs: list[Descent]) -> None:
    adam = next((r for r in runs if r.optimizer == "adam"), None)
    sgd = [r for r in runs if r.optimizer == "sgd"]
    if adam is None or not adam.first_step or not sgd:
        return
    same_start = all(
        torch.equal(r.first_step["theta"], adam.first_step["theta"]) for r in sgd if r.first_step
    )
    same_batches = all(_prefix_equal(r.batch_digest, adam.batch_digest) for r in sgd)
    lab.invariant(
        f"all {len(runs)} runs started from the same prompt and drew the same batches; "
        "only the update rule, η and what it updates differ",
        same_start and same_batches,
    )
    calm = [r for r in sgd if r.diverged_at is None and not r.every_weight]
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


def _runs_note(runs: list[Descent]) -> str:
    """The shared start, said once (every run begins at the same loss)."""
    if not runs:
        return ""
    return (
        f"Every run starts at loss {runs[0].start_loss:.3f}; loss at end is the mean of the last "
        "10 steps. "
    )


def _runs_note_seed(sweep: list[Descent]) -> str:
    """Which of the smallest and largest η ended lower: it changes with the seed (where the one
    overshoot lands decides), so it is said per run, not claimed."""
    if len(sweep) < 2 or sweep[-1].overshot_at is None:
        return ""
    small, large = sweep[0], sweep[-1]
    lower = large if large.final_loss < small.final_loss else small
    other = small if lower is large else large
    return (
        f"On this seed η={lower.lr:g} ended below η={other.lr:g}; on other seeds it can be the "
        "other way round (where the one overshoot lands decides). "
    )


def _loss(x: float) -> str:
    """A loss as the tables print it: 3 decimals, large ones in scientific notation."""
    if not math.isfinite(x):
        return "non-finite"
    return f"{x:.3f}" if x < 1000 else f"{x:.2g}"


def _norm_text(x: float) -> str:
    """‖θ‖ as the tables print it: 3 significant digits, no exponent below 10⁶."""
    if not math.isfinite(x):
        return "not finite"
    return f"{x:.3g}" if x < 100 else f"{x:.0f}" if x < 1e6 else f"{x:.2g}"


def _norms(run: Descent) -> str:
    end = run.norms[-1] if run.norms else run.start_norm
    return f"{_norm_text(run.start_norm)} → {_norm_text(end)}"


def _prefix_equal(a: list[str], b: list[str]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]
