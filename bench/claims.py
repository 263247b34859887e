"""How often each lab's findings hold across seeds, and whether figures cards quote still hold.

    .venv/bin/python bench/claims.py                          # every lab, seeds 0-9
    .venv/bin/python bench/claims.py --labs prompt-vs-prefix --seeds 5

Runs each lab with its defaults in this process for seeds 0..N-1 and prints:
- per finding (matched across seeds by its text with the numbers masked), how often it held; a
  finding shown as general must hold on at least 9 of 10 seeds (`MISSES` otherwise, with the seeds
  it failed on); invariants are tallied apart (they are true by construction: anything under
  N/N is a bug);
- per observable, the values the seeds measured (what a `predict` card may ask about: a card's
  answer should be the same on nearly every seed, or say that it depends on the seed);
- each figure in QUOTED (a card's lab notice quoting a number) against what its lab printed on the
  stated seed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from studykit.lab.catalog import lab_names
from studykit.lab.results import LabResult

GENERAL = 0.9  # a general finding holds on at least 9 of 10 seeds


@dataclass(frozen=True)
class Quoted:
    """A figure a card quotes: `card` says `text`; `figure` must reproduce it on `seed`."""

    card: str
    lab: str
    seed: int
    text: str
    figure: str  # a Python expression over `result` (a LabResult), formatted to `text`
    params: tuple[tuple[str, Any], ...] = ()  # the card's command-line options, if any


# Cards that quote a lab's figure. Keep a card's number here, or stop quoting it.
QUOTED: list[Quoted] = []

_OF_STOP = "result.tables['Early stopping on validation loss, per seed']['rows'][0]"
_OF_WD = "result.tables['Weight decay: AdamW with weight_decay=1 vs 0, per seed']['rows'][0]"
QUOTED += [  # overfitting, defaults, seed 0
    Quoted("ft-15", "overfitting", 0, "16.0%",
           "f\"{result.methods['full-finetune'].exact_match_after:.1%}\""),
    Quoted("ft-15", "overfitting", 0, "1.20 at step 50",
           f"f\"{{{_OF_STOP}[5]:.2f}} at step {{{_OF_STOP}[2]}}\""),
    Quoted("ft-15", "overfitting", 0, "1.46", f"f\"{{{_OF_STOP}[6]:.2f}}\""),
    Quoted("ft-17", "overfitting", 0, "56%",
           "f\"{result.methods['prompt-tuning'].extra['train_exact_match_after']:.0%}\""),
    Quoted("ft-17", "overfitting", 0, "37.9%",
           "f\"{result.methods['prompt-tuning'].exact_match_after:.1%}\""),
    Quoted("ft-18", "overfitting", 0, "1.46 to 1.19",
           f"f\"{{{_OF_WD}[3]:.2f}} to {{{_OF_WD}[4]:.2f}}\""),
    Quoted("ft-21", "overfitting", 0, "keeps step 50 and would stop at step 100",
           f"f\"keeps step {{{_OF_STOP}[2]}} and would stop at step {{{_OF_STOP}[3]}}\""),
]  # fmt: skip
_PE_COST = "result.tables['what each costs and reaches']['rows']"
QUOTED += [  # prompt-engineering and rl-prompt, seed 0
    Quoted("pg-03", "prompt-engineering", 0, "63.3%", f"{_PE_COST}[3][5].split()[0]"),
    Quoted("pg-03", "prompt-engineering", 0, "0.0%", f"{_PE_COST}[5][5].split()[0]"),
    Quoted("pg-08", "rl-prompt", 0, "\"reverse reverse\", 7%",
           "f'\"{result.tables[\"The prompt the policy learned\"][\"note\"].split(chr(34))[1]}\", '"
           "f'{result.methods[\"rl-prompt\"].exact_match_after:.0%}'",
           params=(("prompt_tokens", 2),)),
]  # fmt: skip
_RL_CALLS = "result.tables['What each method asked of the language model']['rows']"
_SP_END = "result.methods['{}'].extra['nearest_words'][-1]['cosines']"
QUOTED += [  # predict cards' explanations, seed 0
    Quoted("pg-p4", "rl-prompt", 0, "3,328 sequences against 6,016",
           f"f\"{{{_RL_CALLS}[0][5].split(' / ')[1]}} sequences against "
           f"{{{_RL_CALLS}[1][5].split(' / ')[1]}}\""),
    Quoted("pg-p2", "prompt-engineering", 0, "63% on seed 0 against 4%",
           "f\"{result.methods['new/prompt-tuning'].exact_match_after:.0%} on seed 0 against "
           "{result.methods['new/best hand-written'].exact_match_after:.0%}\""),
    Quoted("sp-p1", "soft-prompt", 0, "0.78", f"f\"{{max({_SP_END.format('random-init')}):.2f}}\""),
    Quoted("sp-p2", "soft-prompt", 0, "0.78", f"f\"{{max({_SP_END.format('vocab-init')}):.2f}}\""),
    Quoted("ft-p3", "overfitting", 0, "84",
           "f\"{result.observables['train_heldout_gap'].value:.0f}\""),
    Quoted("pg-p6", "rl-prompt", 0, "1.000 against 0.535",
           "' against '.join(f'{row[2]:.3f}' for row in result.tables["
           "'Every possible prompt, scored on the held-out set (top 5 of 18)']['rows'][:2])"),
]  # fmt: skip

_PM_TRAIN = "result.tables['Training: what each method costs']['rows']"
_PM_SERVE = "result.tables['Serving: what one more task stores']['rows']"
_PM_ACT = "next(c.text for c in result.claims if c.text.startswith('prompt tuning keeps'))"
_PF_NEW = "result.methods['new/{}']"
QUOTED += [  # peft-methods and prompt-vs-finetune, defaults, seed 0
    Quoted("ft-08", "peft-methods", 0, "79%", f"{_PM_ACT}.split('(')[1].split(')')[0]"),
    Quoted("ft-08", "peft-methods", 0, "6.4 MB against 8.1 MB",
           f"f\"{{{_PM_TRAIN}[0][3]}} against {{{_PM_TRAIN}[3][3]}}\""),
    Quoted("ft-08", "peft-methods", 0, "0.25%", f"{_PM_ACT}.split('training ')[1].split()[0]"),
    Quoted("ft-29", "peft-methods", 0, "4,096", f"{_PM_TRAIN}[2][1]"),
    Quoted("ft-32", "peft-methods", 0, "103,488", f"{_PM_TRAIN}[3][1]"),
    Quoted("ft-33", "peft-methods", 0, "18.2 KB (4)", f"{_PM_SERVE}[2][1]"),
    Quoted("ft-14", "prompt-vs-finetune", 0, "0.0%",
           f"f\"{{{_PF_NEW.format('prompt-tuning')}.exact_match_after:.1%}}\""),
    Quoted("ft-p26", "peft-methods", 0, "2,601 bytes, prefix tuning (MLP) 5,673 bytes",
           "result.observables['fewest_bytes_per_task'].detail.split('prompt tuning ')[1]"
           ".split(', LoRA')[0]"),
    Quoted("ft-14", "prompt-vs-finetune", 0, "step 100",
           f"f\"step {{{_PF_NEW.format('full-finetune')}.steps_to_target}}\""),
]  # fmt: skip

_PP = "result.methods['{}'].exact_match_after"
QUOTED += [  # prompt-vs-prefix, defaults, seed 0
    Quoted("pp-05", "prompt-vs-prefix", 0, "6.6%",
           f"f\"{{{_PP.format('skill/prefix-tuning')}:.1%}}\""),
    Quoted("pp-05", "prompt-vs-prefix", 0, "30",
           "str(result.methods['skill/prefix-tuning-mlp'].steps_to_target)"),
    Quoted("pp-06", "prompt-vs-prefix", 0, "21,056",
           "f\"{result.methods['skill/prefix-tuning-mlp'].trainable_params:,}\""),
    Quoted("pp-07", "prompt-vs-prefix", 0, "29.7% against 1.6%",
           f"f\"{{{_PP.format('new/prefix-tuning')}:.1%}} against "
           f"{{{_PP.format('new/prompt-tuning')}:.1%}}\""),
    Quoted("pp-17", "prompt-vs-prefix", 0, "29.7% against 1.6%",
           f"f\"{{{_PP.format('new/prefix-tuning')}:.1%}} against "
           f"{{{_PP.format('new/prompt-tuning')}:.1%}}\""),
    Quoted("pp-08", "prompt-vs-prefix", 0, "6.6% against 95.7%",
           f"f\"{{{_PP.format('skill/prefix-tuning')}:.1%}} against "
           f"{{{_PP.format('skill/prompt-tuning')}:.1%}}\""),
]  # fmt: skip

_PF_FORGET = "result.tables[\"Forgetting: the other tasks' exact match\"]['rows'][-1]"
QUOTED += [  # cards re-measured after the labs' rework, defaults, seed 0
    Quoted("sp-03", "prompt-vs-finetune", 0, "30",
           "str(max(result.methods['skill/prompt-tuning'].steps_to_target, "
           "result.methods['skill/full-finetune'].steps_to_target))"),
    Quoted("sp-11", "peft-methods", 0, "2.5 KB", f"{_PM_SERVE}[0][1].split(' (')[0]"),
    Quoted("sp-11", "peft-methods", 0, "414.0 KB", f"{_PM_SERVE}[3][1].split(' (')[0]"),
    Quoted("pp-16", "prompt-vs-finetune", 0, "9.8%", f"format({_PF_FORGET}[3], '.1%')"),
]  # fmt: skip


def masked(text: str) -> str:
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", text)


def across_seeds(lab: str, seeds: int) -> list[str]:
    """Run `lab` for seeds 0..N-1, print the tallies; returns the general findings it missed."""
    from studykit.lab.runner import run_lab

    held: dict[tuple[str, str], list[int]] = {}  # (kind, masked text) -> seeds it held on
    checked: Counter[tuple[str, str]] = Counter()
    wording: dict[tuple[str, str], str] = {}
    observed: dict[str, list[Any]] = {}
    started = time.perf_counter()
    for seed in range(seeds):
        result = run_lab(lab, {"seed": seed})
        for claim in result.claims:
            key = (claim.kind, masked(claim.text))
            wording.setdefault(key, claim.text)
            checked[key] += 1
            held.setdefault(key, [])
            if claim.holds:
                held[key].append(seed)
        for name, observation in result.observables.items():
            value = observation.value
            observed.setdefault(name, []).append("not measured" if value is None else _short(value))
    seconds = (time.perf_counter() - started) / max(seeds, 1)
    print(f"\n{lab}: {seeds} seeds, {seconds:.1f} s a run (load {load()})")
    missed = []
    for kind in ("finding", "invariant"):
        keys = [key for key in wording if key[0] == kind]
        if keys:
            print(f"  {kind}s:")
        for key in keys:
            count, total = len(held[key]), checked[key]
            general = count >= GENERAL * total
            failed = sorted(set(range(seeds)) - set(held[key]))
            mark = "" if general else "  MISSES ≥ 9/10" + (f"; failed on seeds {failed}")
            print(f"    {count:2d}/{total} {wording[key]}{mark}")
            if not general:
                missed.append(f"{lab}: {wording[key]}")
    for name, values in observed.items():
        counts = Counter(map(str, values))
        spread = ", ".join(f"{value} ×{n}" for value, n in counts.most_common())
        print(f"  observable {name}: {spread}")
    return missed


def check_quoted(quoted: list[Quoted]) -> list[str]:
    from studykit.lab.runner import run_lab

    wrong = []
    runs: dict[tuple[str, int, tuple[tuple[str, Any], ...]], LabResult] = {}
    if quoted:
        print("\nFigures cards quote:")
    for quote in quoted:
        key = (quote.lab, quote.seed, quote.params)
        if key not in runs:
            runs[key] = run_lab(quote.lab, {"seed": quote.seed, **dict(quote.params)})
        got = str(eval(quote.figure, {}, {"result": runs[key]}))  # noqa: S307 (our own table)
        ok = got == quote.text
        print(f"  {quote.card}: {quote.text!r} — seed {quote.seed} gives {got!r}: "
              f"{'same' if ok else 'DIFFERS'}")  # fmt: skip
        if not ok:
            wrong.append(f"{quote.card} quotes {quote.text!r}, {quote.lab} gives {got!r}")
    return wrong


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return " > ".join(map(str, value))
    return str(value)


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labs", nargs="*", default=lab_names(), help="labs to run")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load()}")
    problems = [miss for lab in args.labs for miss in across_seeds(lab, args.seeds)]
    problems += check_quoted([q for q in QUOTED if q.lab in args.labs])
    print(f"\n{len(problems)} problem(s)" + "".join(f"\n  {p}" for p in problems))
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
