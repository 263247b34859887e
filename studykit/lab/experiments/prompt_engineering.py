"""Lab `prompt-engineering`: hand-written prompts, no training at all, against a tuned soft prompt.

    studykit lab prompt-engineering [--task reverse] [--new-task min] [--composed-task reverse+add1]

The frozen model is asked to do three tasks, each with its instruction word removed and replaced
by whatever a person might write: nothing, each instruction word the model knows, a synonym it
never saw (which its tokenizer reads as an unknown token), or two words in a row. Every row is one
evaluation of the same frozen weights: no parameter trains, no optimizer step is taken. Then a
soft prompt is tuned on the same task for comparison, and its cost is counted.

- skill: a pretrained task: its own word works at once; every other word the model knows fails.
- new: a task the model was never named (min): no word written by hand brings it out.
- composed: two known skills in a row (reverse, then add1): no wording does it.

What "brittle" means here, and what it does not: the bundled model's vocabulary has 21 entries,
so every synonym a person would write ("backwards", "smallest", and "min" itself) reaches it as
the same `<unk>` token. "backwards" failing on reverse shows a fixed vocabulary, not a model
that is sensitive to phrasing: to this model, all synonyms are one input. What the miniature
does show is that the other instruction words it knows, real tokens all, select other skills
and fail. In a large model, synonyms are different token sequences and their scores still vary
(the brittleness prompt-engineering papers report); this 100k-parameter model cannot show that,
nor Lester et al.'s scale result (prompt tuning matching fine-tuning near 10B parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from studykit.lab.engine.data import TaskData
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.measure import rss_mb
from studykit.lab.engine.methods import build
from studykit.lab.engine.train import TrainConfig, count_trainable, measure_only
from studykit.lab.results import MethodResult
from studykit.lab.tasks import PRETRAINING, Task, get_task

TARGET = 0.9  # exact match a tuned prompt trains towards (training stops there)
WORKS = 0.95  # a hand-written prompt "works" at this exact match
FAILS = 0.25  # a hand-written prompt that scores below this does not do the task
EVAL_EVERY = 10

# What a person might write instead of the model's own word. None of these is in the bundled
# model's vocabulary, so its tokenizer reads each as <unk>: wording the model never saw.
SYNONYMS = {
    "copy": ["repeat"],
    "reverse": ["backwards"],
    "sort": ["order"],
    "add1": ["increment"],
    "max": ["largest"],
    "count": ["length"],
    "min": ["min", "smallest"],
}
UNK = "<unk>"


def run(lab: LabRun, params: dict[str, Any]) -> None:
    parts = {
        "skill": get_task(params["task"]),
        "new": get_task(params["new_task"]),
        "composed": get_task(params["composed_task"]),
    }
    tried: dict[str, list[Wording]] = {}
    for part, task in parts.items():
        if lab.stopped:
            break
        tried[part] = try_wordings(lab, task)
        _wording_table(lab, part, task, tried[part])
        best = max(tried[part], key=lambda w: w.exact_match)
        lab.record(f"{part}/no-prompt", _as_method(lab, tried[part][0]))
        lab.record(f"{part}/best hand-written", _as_method(lab, best))
    config = TrainConfig(
        steps=params["steps"],
        lr=params["lr"],
        eval_every=EVAL_EVERY,
        target=TARGET,
        stop_at_target=True,
    )
    for part, task in parts.items():
        if lab.stopped or part not in tried:
            break
        lab.train(
            f"{part}/prompt-tuning",
            lab.data(task),
            config,
            virtual_tokens=params["virtual_tokens"],
            init=params["init"],
        )
    _cost_table(lab, parts, tried)
    _claims(lab, parts, tried)


@dataclass
class Wording:
    """One hand-written prompt and how it scored."""

    words: tuple[str, ...]
    kind: str  # "no word", "its own word", "another task's word", "a synonym", "two words"
    tokens: list[str]  # what the model actually reads
    exact_match: float
    trainable: int  # parameters that would train: 0 for every hand-written prompt
    steps: int  # optimizer steps taken: 0
    examples: int  # held-out examples scored

    @property
    def text(self) -> str:
        return " ".join(self.words) or "(none)"


def wordings(task: Task) -> list[tuple[tuple[str, ...], str]]:
    """Every hand-written prompt the lab tries on `task`, with its kind."""
    own = set(task.words) if task.known else set()
    rows: list[tuple[tuple[str, ...], str]] = [((), "no word")]
    for word in PRETRAINING:
        rows.append(((word,), "its own word" if word in own else "another task's word"))
    parts = task.name.split("+")
    for part in parts:
        rows += [((synonym,), "a synonym") for synonym in SYNONYMS.get(part, [])]
    if len(parts) == 2:
        rows += [(tuple(parts), "two words"), (tuple(reversed(parts)), "two words")]
    return rows


def try_wordings(lab: LabRun, task: Task) -> list[Wording]:
    """Score every wording on the same held-out examples with the frozen model."""
    frozen = build("no-prompt", lab.base)
    trainable = count_trainable(frozen)
    tokenizer = lab.base.tokenizer
    out = []
    for words, kind in wordings(task):
        data = TaskData(task, lab.encoder, words=words, seed=lab.seed)
        result = measure_only(frozen, data, base_params=lab.base.num_params)
        # a list of ids gives a list of tokens (transformers types the result as str | list[str])
        tokens = (
            cast(list[str], tokenizer.convert_ids_to_tokens(lab.encoder.words(list(words))))
            if words
            else []
        )
        out.append(
            Wording(
                words,
                kind,
                tokens,
                result.exact_match_after,
                trainable,
                result.steps,
                len(data.eval_examples),
            )
        )
    return out


def _as_method(lab: LabRun, wording: Wording) -> MethodResult:
    """A hand-written prompt as a row of the methods table: nothing trained, nothing stepped."""
    return MethodResult(
        trainable_params=wording.trainable,
        trainable_pct=100.0 * wording.trainable / lab.base.num_params,
        exact_match_before=wording.exact_match,
        exact_match_after=wording.exact_match,
        steps=wording.steps,
        seconds=0.0,
        ms_per_step=0.0,
        peak_rss_mb=rss_mb(),
        extra={"prompt": wording.text, "kind": wording.kind},
    )


def _wording_table(lab: LabRun, part: str, task: Task, tried: list[Wording]) -> None:
    name = f"{part}: {task.name} ({task.description}), written by hand"
    rows = [
        [w.text, w.kind, " ".join(w.tokens) or "—", f"{w.exact_match:.1%}"]
        for w in sorted(tried, key=lambda w: -w.exact_match)
    ]
    note = (
        f"each row: one pass of the frozen model over the same {tried[0].examples} "
        "held-out examples, prompt written as `WORDS : 3 1 4 =`; 0 parameters trained"
    )
    lab.table(name, ["prompt", "kind", "as the model reads it", "exact match"], rows, note=note)


def _cost_table(lab: LabRun, parts: dict[str, Task], tried: dict[str, list[Wording]]) -> None:
    rows = []
    for part in parts:
        if part not in tried:
            continue
        best = max(tried[part], key=lambda w: w.exact_match)
        rows.append([part, f"hand-written: {best.text}", 0, 0, "0.0", f"{best.exact_match:.1%}"])
        tuned = lab.methods.get(f"{part}/prompt-tuning")
        if tuned is not None:
            reached = "" if tuned.steps_to_target is not None else " *"
            rows.append(
                [
                    part,
                    "tuned soft prompt",
                    f"{tuned.trainable_params:,}",
                    tuned.steps,
                    f"{tuned.seconds:.1f}",
                    f"{tuned.exact_match_after:.1%}{reached}",
                ]
            )
    lab.table(
        "what each costs and reaches",
        ["part", "prompt", "trained", "steps", "seconds", "exact match"],
        rows,
        note=(
            "trained: numbers trained; steps: optimizer steps. A tuned prompt stops once it "
            f"reaches {TARGET:.0%}; * marks one that did not reach it."
        ),
    )


def _claims(lab: LabRun, parts: dict[str, Task], tried: dict[str, list[Wording]]) -> None:
    everything = [w for rows in tried.values() for w in rows]
    if everything:
        lab.invariant(
            f"all {len(everything)} hand-written prompts trained 0 parameters and took 0 "
            "optimizer steps: each row is one evaluation of the same frozen model",
            all(w.trainable == 0 and w.steps == 0 for w in everything),
        )
        synonyms = [w for w in everything if w.kind == "a synonym"]
        if synonyms:
            lab.invariant(
                f"every synonym tried ({', '.join(sorted({w.text for w in synonyms}))}) reaches "
                f"the model as the same token, {UNK}: to this model they are one input",
                all(w.tokens == [UNK] for w in synonyms),
            )
    skill = parts["skill"]
    if "skill" in tried:
        own = [w for w in tried["skill"] if w.kind == "its own word"]
        own_em = own[0].exact_match if own else 0.0
        lab.claim(
            f'the word "{" ".join(skill.words)}" alone does {skill.name}: {own_em:.1%} exact '
            f"match (≥ {WORKS:.0%}) with no training",
            own_em >= WORKS,
        )
        known = [w for w in tried["skill"] if w.kind == "another task's word"]
        if known:
            best = max(known, key=lambda w: w.exact_match)
            lab.claim(
                f"each of the other {len(known)} instruction words the model knows fails on "
                f"{skill.name}, the best being {best.text!r} at {best.exact_match:.1%} "
                f"(< {FAILS:.0%}): a known word selects its own skill",
                best.exact_match < FAILS,
            )
        unknown = [w for w in tried["skill"] if w.kind in ("a synonym", "no word")]
        if unknown:
            best = max(unknown, key=lambda w: w.exact_match)
            lab.claim(
                f"no word and the {UNK} that every synonym becomes both fail on {skill.name}, "
                f"the better at {best.exact_match:.1%} (< {FAILS:.0%}): an out-of-vocabulary "
                "word, not sensitivity to phrasing",
                best.exact_match < FAILS,
            )
    for part in ("new", "composed"):
        if part not in tried:
            continue
        task, best = parts[part], max(tried[part], key=lambda w: w.exact_match)
        lab.claim(
            f"no hand-written prompt does {task.name} ({len(tried[part])} tried; best "
            f"{best.text!r} at {best.exact_match:.1%}, < {FAILS:.0%})",
            best.exact_match < FAILS,
        )
    tuned = lab.methods.get("skill/prompt-tuning")
    if tuned is not None and "skill" in tried:
        other = max(
            (w for w in tried["skill"] if w.kind != "its own word"), key=lambda w: w.exact_match
        )
        lab.claim(
            f"a tuned soft prompt ({tuned.trainable_params:,} numbers) brings {skill.name} back "
            f"without its word, at least 40 points above every other wording: "
            f"{tuned.exact_match_after:.1%} after {tuned.steps} steps vs {other.text!r} at "
            f"{other.exact_match:.1%}",
            tuned.exact_match_after >= other.exact_match + 0.4,
        )
    new = lab.methods.get("new/prompt-tuning")
    if new is not None and "new" in tried:
        best = max(tried["new"], key=lambda w: w.exact_match)
        lab.claim(
            f"on {parts['new'].name}, which the model has no word for, the tuned soft prompt "
            f"beats every hand-written prompt by at least 25 points: {new.exact_match_after:.1%} "
            f"vs {best.exact_match:.1%}",
            new.exact_match_after >= best.exact_match + 0.25,
        )
    lab.invariant(
        "the base model's weights are bit-for-bit identical at the end (checksum)",
        lab.base_unchanged(),
    )
    _observe(lab, parts, tried)


def _observe(lab: LabRun, parts: dict[str, Task], tried: dict[str, list[Wording]]) -> None:
    if "skill" in tried:
        by_kind = {w.kind: w for w in tried["skill"]}
        own, synonym = by_kind.get("its own word"), by_kind.get("a synonym")
        if own is not None:
            lab.observe(
                "own_word_exact_match",
                round(100 * own.exact_match, 1),
                detail=f"{own.text!r} on {parts['skill'].name}, frozen model, "
                f"{own.examples} held-out examples",
                rows=["skill/best hand-written"],
            )
        if synonym is not None:
            lab.observe(
                "synonym_exact_match",
                round(100 * synonym.exact_match, 1),
                detail=f"{synonym.text!r}, read as {' '.join(synonym.tokens)}, on "
                f"{parts['skill'].name}",
                rows=[],  # a synonym has no row of its own in the methods table
            )
    new = lab.methods.get("new/prompt-tuning")
    if new is not None and "new" in tried:
        best = max(tried["new"], key=lambda w: w.exact_match)
        winner = "tuned soft prompt" if new.exact_match_after > best.exact_match else "hand-written"
        lab.observe(
            "new_task_winner",
            winner,
            detail=f"tuned soft prompt {new.exact_match_after:.1%}, best hand-written "
            f"{best.text!r} {best.exact_match:.1%}",
            rows=["new/prompt-tuning", "new/best hand-written"],
        )
