"""Lab `prompt-vs-prefix`: conditioning at the input layer vs at every layer.

    studykit lab prompt-vs-prefix [--task reverse] [--new-task rotate] [--virtual-tokens 4]

Part one ("skill"): the instruction word of a pretrained task is removed; no prompt, the word
written by hand, a tuned soft prompt, a prefix trained directly and Li & Liang's prefix trained
through an MLP each try to bring the skill back. Each method stops once it reaches the target:
the question is how fast, and how steadily, each one points at the skill. The direct prefix
stalls on some seeds (the prompt falls short on others); the MLP is what Li & Liang added
against that, and it needs its own, smaller learning rate (at 0.1 it collapses).
Part two ("new"): a task the model never saw, trained for the full budget: how far does each
reach? First with the same k (the prefix then trains 2·L times the numbers), then at equal size
("same size": a prefix of 2 virtual tokens against a prompt with as many numbers), which asks
whether the prefix's lead is about where its numbers go or only about how many there are.
The base weights are checksummed before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studykit.lab.engine.geometry import prefix_count, soft_prompt_count
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.methods import REGISTRY
from studykit.lab.engine.train import TrainConfig
from studykit.lab.results import MethodResult
from studykit.lab.tasks import get_task

TARGET = 0.95  # exact match counted as "reached"
QUICK = 50  # steps within which the MLP prefix is expected to reach the target
TIE = 0.05  # two exact matches closer than 5 points are a tie
SMALL_PREFIX = 2  # virtual tokens of the equal-size prefix
# Part two trains on batches of 32: less time per step than part one's 64, and on rotate the
# same ordering shows within 40 steps (bench/claims.py: 9 of 10 seeds, as at 50). Part one
# keeps 64: at 32 the prompt and the direct prefix both missed 95% on some seeds. Part one's
# budget of 50 steps is the one the MLP prefix needs (25-35 steps on every seed); a direct prefix
# that stalls stays far below the target either way (seed 0: 6.6% at 50 steps, 9.8% at 80). On
# seed 3 both the prompt (91%) and the direct prefix (37%) are still short of 95% at 50 steps
# (they get there at 70 and 90): the "under 1%" finding holds on 9 of 10 seeds, not 10.
NEW_BATCH = 32
NEW_EVAL_EVERY = 20  # part two's curve: held-out exact match at steps 0, 20 and 40
SKILL = ["prompt-tuning", "prefix-tuning", "prefix-tuning-mlp"]
NEW = ["prompt-tuning", "prefix-tuning"]
UNTRAINED = ["no-prompt", "hand-written"]


def run(lab: LabRun, params: dict[str, Any]) -> None:
    k = params["virtual_tokens"]
    skill, new = get_task(params["task"]), get_task(params["new_task"])
    small, equal = equal_size_tokens(lab)
    lr = {"prompt-tuning": params["lr"], "prefix-tuning": params["lr"]}
    lr["prefix-tuning-mlp"] = params["mlp_lr"]
    # (part, task, methods, {method: k}, steps, stop once the target is reached)
    parts = [
        ("skill", skill, SKILL, dict.fromkeys(SKILL, k), params["steps"], True),
        ("new", new, NEW, dict.fromkeys(NEW, k), params["new_steps"], False),
        ("same size", new, NEW, {"prompt-tuning": equal, "prefix-tuning": small},
         params["new_steps"], False),
    ]  # fmt: skip
    kept = 0  # numbers the MLP prefix keeps for serving (its MLP is only a way to train them)
    for part, task, methods, tokens, steps, stop_at_target in parts:
        if part != "same size":  # the same-size control trains on the new part's data and rows
            batch = 64 if part == "skill" else NEW_BATCH
            data = lab.data(task, batch_size=batch)  # the instruction word removed: `: 3 1 4 =`
            lab.measure(f"{part}/no-prompt", data)
            lab.measure(f"{part}/hand-written", lab.data(task, words=task.words))
        for method in methods:
            if lab.stopped:
                break
            config = TrainConfig(
                steps=steps,
                lr=lr[method],
                target=TARGET,
                stop_at_target=stop_at_target,
                # part one stops soon after the target; part two only draws its curve
                eval_every=10 if stop_at_target else NEW_EVAL_EVERY,
            )
            _, model = lab.train(f"{part}/{method}", data, config, virtual_tokens=tokens[method])
            if method == "prefix-tuning-mlp":
                kept = kept_numbers(method, model)
        if lab.stopped:
            break
    _tables(lab, skill.name, new.name, k, small, equal)
    _invariants(lab, k, small, equal, kept)
    _findings(lab, skill.name, new.name, k)
    _observe(lab, k, kept)


def equal_size_tokens(lab: LabRun) -> tuple[int, int]:
    """(prefix tokens, prompt tokens) that train the same count: a prefix of SMALL_PREFIX
    virtual tokens against a prompt of as many numbers (8 on the bundled 2-layer GPT-2)."""
    prefix = prefix_count(lab.base.geometry, SMALL_PREFIX).value
    per_prompt_token = soft_prompt_count(lab.base.model, 1).value
    return SMALL_PREFIX, max(1, prefix // per_prompt_token)


def _label(key: str) -> str:
    return key.rsplit("/", 1)[-1].replace("-tuning-mlp", " (MLP)").replace("-", " ")


def _tables(lab: LabRun, skill: str, new: str, k: int, small: int, equal: int) -> None:
    rows = []
    for part, name in (("skill", skill), ("new", new)):
        task = get_task(name)
        words = " ".join(task.words)
        known = "pretrained skill" if task.known else "never seen"
        rows.append([part, name, task.description, known, f"{words} : 3 1 4 ="])
    lab.table(
        "Tasks", ["part", "task", "what the answer is", "base model", "hand-written prompt"], rows
    )
    ranking = []
    for part in ("skill", "new", "same size"):
        keys = [key for key in lab.methods if key.startswith(f"{part}/")]
        if keys:
            ordered = sorted(keys, key=lambda key: -lab.em(key))
            ranking.append(
                [part, "  ≥  ".join(f"{_label(m)} {100 * lab.em(m):.1f}%" for m in ordered)]
            )
    lab.table(
        f"Ranking on seed {lab.seed} (orderings can change with the seed)",
        ["part", "exact match after, best first"],
        ranking,
        note=(
            f"new: prompt and prefix with k = {k} each; same size: a prefix of k = {small} "
            f"against a prompt of k = {equal}, the same count of trained numbers. A model of "
            "100k parameters cannot show Lester et al.'s central result (prompt tuning "
            "matching fine-tuning only near 10B parameters); it shows the mechanics: where the "
            "numbers enter, how many there are, how steadily each kind trains."
        ),
    )


def _invariants(lab: LabRun, k: int, small: int, equal: int, kept: int) -> None:
    methods = lab.methods
    if any(key.endswith(("prompt-tuning", "prefix-tuning", "-mlp")) for key in methods):
        lab.invariant(
            "The base model's weights are bit-for-bit identical after prompt and prefix "
            "tuning (sha256 of the state_dict)",
            lab.base_unchanged(),
        )
    counts = [
        ("skill/prompt-tuning", "Prompt tuning", soft_prompt_count(lab.base.model, k)),
        ("skill/prefix-tuning", "Prefix tuning", prefix_count(lab.base.geometry, k)),
    ]
    for key, title, count in counts:  # from the model's own widths, layers and key/value heads
        if key in methods:
            lab.invariant(
                f"{title} trains {count} numbers ({methods[key].trainable_pct:.2f}% of the model)",
                methods[key].trainable_params == count.value,
            )
    if "skill/prefix-tuning-mlp" in methods:
        mlp = methods["skill/prefix-tuning-mlp"]
        lab.invariant(
            f"The MLP prefix trains {mlp.trainable_params:,} numbers "
            f"({mlp.trainable_pct:.1f}% of the model) and keeps {kept:,}, a direct prefix's count",
            kept == prefix_count(lab.base.geometry, k).value,
        )
    if "same size/prefix-tuning" in methods and "same size/prompt-tuning" in methods:
        a, b = methods["same size/prefix-tuning"], methods["same size/prompt-tuning"]
        lab.invariant(
            f"Same size: the prefix with k = {small} and the prompt with k = {equal} train "
            f"{a.trainable_params:,} and {b.trainable_params:,} numbers",
            a.trainable_params == b.trainable_params,
        )


def _findings(lab: LabRun, skill: str, new: str, k: int) -> None:
    methods = lab.methods
    if "skill/hand-written" in methods:
        lab.claim(
            f"Without its word the model does not do {skill} (no prompt < 50%); the "
            f"hand-written word brings it back (≥ {TARGET:.0%})",
            lab.em("skill/no-prompt") < 0.5 and lab.em("skill/hand-written") >= TARGET,
        )
    tuned = {key: result for key, result in methods.items() if key.startswith("skill/")}
    if "skill/prefix-tuning" in methods:
        lab.claim(
            f"Tuning under 1% of the model brings {skill} back without the word: prompt tuning "
            f"or the direct prefix (each under 1%) reaches {TARGET:.0%}",
            small_and_reached(tuned),
        )
    if "skill/prefix-tuning-mlp" in methods:
        mlp, direct = methods["skill/prefix-tuning-mlp"], methods["skill/prefix-tuning"]
        lab.claim(
            f"The MLP prefix reached {TARGET:.0%} within {QUICK} steps",
            reached_within(mlp, QUICK),
        )
        lab.claim(  # the steps are in the methods table (a number or "not reached" in the
            # text would split the finding in two across seeds in bench/claims.py)
            f"The MLP prefix reached {TARGET:.0%} no later than the direct prefix",
            mlp.steps_to_target is not None
            and (direct.steps_to_target is None or mlp.steps_to_target <= direct.steps_to_target),
        )
    if "new/hand-written" in methods:
        lab.claim(
            f"The hand-written words do not do {new} (< 50%): it is new to the model",
            lab.em("new/hand-written") < 0.5,
        )
    if "new/prefix-tuning" in methods:
        gap = lab.em("new/prefix-tuning") - lab.em("new/prompt-tuning")
        lab.claim(
            f"On {new}, with k = {k} each, prefix tuning (every layer) reached more than "
            f"{100 * TIE:.0f} points further than prompt tuning (input layer only) in the same "
            "steps",
            gap > TIE,
        )


def reached_within(result: MethodResult, steps: int) -> bool:
    return result.steps_to_target is not None and result.steps_to_target <= steps


def small_and_reached(results: Mapping[str, MethodResult]) -> bool:
    """Whether a tuned method training under 1% of the model reached the target (the MLP
    prefix, at ~20% of this model while it trains, does not count)."""
    return any(
        r.trainable_params > 0 and r.trainable_pct < 1.0 and r.exact_match_after >= TARGET
        for r in results.values()
    )


def winner(prompt: float, prefix: float) -> str:
    """prompt-tuning, prefix-tuning, or tie when the two are within TIE of each other."""
    if abs(prefix - prompt) <= TIE:
        return "tie"
    return "prefix-tuning" if prefix > prompt else "prompt-tuning"


def _observe(lab: LabRun, k: int, kept: int) -> None:
    methods = lab.methods
    if "skill/prefix-tuning" in methods:
        lab.observe(
            "prefix_trainable",
            methods["skill/prefix-tuning"].trainable_params,
            detail=str(prefix_count(lab.base.geometry, k)),
            rows=["skill/prefix-tuning"],
        )
    if "skill/prefix-tuning-mlp" in methods:
        mlp = methods["skill/prefix-tuning-mlp"]
        lab.observe(
            "mlp_prefix_kept",
            kept,
            detail=f"trained {mlp.trainable_params:,} numbers, kept {kept:,}",
            rows=["skill/prefix-tuning-mlp"],
        )
    # The equal-size winner is not an observable: it changes with the seed (prefix 5, tie 4,
    # prompt 1 of 10 in bench/claims.py), so a prediction of it would grade the seed.
    prompt, prefix = "new/prompt-tuning", "new/prefix-tuning"
    if prompt in methods and prefix in methods:
        a, b = lab.em(prompt), lab.em(prefix)
        lab.observe(
            "winner_on_new_task",
            winner(a, b),
            detail=(
                f"prompt tuning {100 * a:.1f}% ({methods[prompt].trainable_params:,} numbers), "
                f"prefix tuning {100 * b:.1f}% ({methods[prefix].trainable_params:,}); "
                f"tie within {100 * TIE:.0f} points"
            ),
            rows=[prompt, prefix],
        )


def kept_numbers(method: str, model: Any) -> int:
    """How many numbers serving one more task stores for `method` (the MLP's output only)."""
    return sum(t.numel() for t in REGISTRY[method].per_task(model).values())
