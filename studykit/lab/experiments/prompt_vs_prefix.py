"""Lab `prompt-vs-prefix`: conditioning at the input layer vs at every layer.

    studykit lab prompt-vs-prefix [--task reverse] [--new-task sort+reverse] [--virtual-tokens 4]

Part one ("skill"): the instruction word of a pretrained task is removed; no prompt, the word
written by hand, a tuned soft prompt and a tuned prefix each try to bring the skill back. Training
stops once a method reaches the target: the question is how fast each one points at the skill.
Part two ("new"): a task the model never saw; each method trains for the full budget: the
question is how far each one reaches. The base weights are checksummed before and after.
"""

from __future__ import annotations

from typing import Any

from studykit.lab.engine.geometry import prefix_count, soft_prompt_count
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.train import TrainConfig
from studykit.lab.tasks import get_task

TARGET = 0.95  # exact match counted as "reached"
TUNED = ["prompt-tuning", "prefix-tuning"]
ALL = ["no-prompt", "hand-written", *TUNED]


def run(lab: LabRun, params: dict[str, Any]) -> None:
    k = params["virtual_tokens"]
    parts = {
        "skill": (get_task(params["task"]), True),  # (task, stop once the target is reached)
        "new": (get_task(params["new_task"]), False),  # train the full budget: how far?
    }
    for part, (task, stop_at_target) in parts.items():
        data = lab.data(task)  # the instruction word removed: `: 3 1 4 = ...`
        lab.measure(f"{part}/no-prompt", data)
        lab.measure(f"{part}/hand-written", lab.data(task, words=task.words))
        config = TrainConfig(
            steps=params["steps"], lr=params["lr"], target=TARGET, stop_at_target=stop_at_target
        )
        for method in TUNED:
            if lab.stopped:
                break
            lab.train(f"{part}/{method}", data, config, virtual_tokens=k)
        if lab.stopped:
            break
    _tables(lab, parts, k)
    _claims(lab, parts, k)


def _tables(lab: LabRun, parts: dict, k: int) -> None:
    rows = []
    for part, (task, _) in parts.items():
        words = " ".join(task.words)
        known = "pretrained skill" if task.known else "never seen"
        rows.append([part, task.name, task.description, known, f"{words} : 3 1 4 ="])
    lab.table(
        "Tasks", ["part", "task", "what the answer is", "base model", "hand-written prompt"], rows
    )
    ranking = []
    for part in parts:
        measured = [(m, lab.em(f"{part}/{m}")) for m in ALL if f"{part}/{m}" in lab.methods]
        if measured:
            ordered = sorted(measured, key=lambda item: -item[1])
            text = "  ≥  ".join(f"{m.replace('-', ' ')} {100 * em:.1f}%" for m, em in ordered)
            ranking.append([part, text])
    lab.table(
        f"Ranking on seed {lab.seed} (orderings can change with the seed)",
        ["part", "exact match after, best first"],
        ranking,
    )


def _claims(lab: LabRun, parts: dict, k: int) -> None:
    methods = lab.methods
    tuned = [key for key in methods if key.endswith(tuple(TUNED))]
    if tuned:
        lab.claim(
            "The base model's weights are bit-for-bit identical after prompt and prefix "
            "tuning (sha256 of the state_dict)",
            lab.base_unchanged(),
        )
    prompts = [methods[key] for key in methods if key.endswith("/prompt-tuning")]
    if prompts:
        count = soft_prompt_count(lab.base.model, k)  # from the model's own widths
        lab.claim(
            f"Prompt tuning trains {count} numbers ({prompts[0].trainable_pct:.2f}% of the model)",
            all(m.trainable_params == count.value for m in prompts),
        )
    prefixes = [methods[key] for key in methods if key.endswith("/prefix-tuning")]
    if prefixes:
        count = prefix_count(lab.base.geometry, k)  # k·2·L·d, or k·2·L·H_kv·d_head (GQA, MQA)
        lab.claim(
            f"Prefix tuning trains {count} numbers ({prefixes[0].trainable_pct:.2f}% of the model)",
            all(m.trainable_params == count.value for m in prefixes),
        )
    skill = parts["skill"][0].name
    if "skill/hand-written" in methods:
        lab.claim(
            f"Without its word the model does not do {skill} (no prompt < 50%); the "
            f"hand-written word brings it back (≥ {TARGET:.0%})",
            lab.em("skill/no-prompt") < 0.5 and lab.em("skill/hand-written") >= TARGET,
        )
    if "skill/prefix-tuning" in methods:
        best = max(lab.em("skill/prompt-tuning"), lab.em("skill/prefix-tuning"))
        lab.claim(
            f"Without the word, tuning under 1% of the model brings {skill} back: prompt or "
            f"prefix tuning reaches {TARGET:.0%} (which one can depend on the seed)",
            best >= TARGET,
        )
    new = parts["new"][0].name
    if "new/hand-written" in methods:
        lab.claim(
            f"The hand-written words do not do {new} (< 50%): it is new to the model",
            lab.em("new/hand-written") < 0.5,
        )
    if "new/prefix-tuning" in methods:
        lab.claim(
            f"On {new}, prefix tuning (every layer) reached further than prompt tuning (input "
            "layer only) in the same steps",
            lab.em("new/prefix-tuning") > lab.em("new/prompt-tuning"),
        )
