"""What the labs cost on this machine, and how the engine compares with peft.

    .venv/bin/python bench/labs.py                        # every lab in LABS, then step times
    .venv/bin/python bench/labs.py --labs prompt-vs-prefix

Prints, measured side by side in one run:
- per lab in LABS: the cold end-to-end wall time of `studykit lab NAME --json` in a fresh process
  (target ≤ 20 s on 2 cores, stretch 10 s), its CPU time, and its peak RSS (target ≤ 1 GB);
- the engine's step time ÷ peft's for prompt tuning, prefix tuning and LoRA on the same model and
  batch (target ≤ 1.0), and prompt tuning's step ÷ full fine-tuning's (target < 1.0: a frozen model
  needs no weight gradients). Steps are interleaved, so load from other processes hits all alike;
How often each finding holds across seeds is bench/claims.py's job.
Other work on a 2-core machine stretches wall-clock figures, so the load average is printed too.

    .venv/bin/python bench/labs.py --against 69688a2 --new-rev 88b1dfc   # no lab got slower

With --against OLD_REV, instead: each lab both revisions have runs cold, `python -m studykit lab
NAME --json` in a fresh process with PYTHONPATH at a `git worktree` of that revision (same venv),
old and new alternated --rounds times (3); the per-lab figure is the median of the rounds' wall
ratios new/old (target ≤ 1.05), with the CPU ratio beside it. Both get the old revision's
defaults: a parameter whose default changed is passed explicitly. Two more columns compare the
methods both revisions ran (same method key): "methods", their training seconds summed, and
"step", their time per optimizer step (forward, backward, update), mixed by the old run's step
counts. A lab that does different work in the new revision (parameters the old lacks, other
parameters, or a shared method that took another number of steps, say because it now stops at
its target) is not comparable by wall time: its verdict is on the "step" column, and says so.
--new-rev defaults to this checkout. The worktrees are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from studykit.lab.catalog import lab_names

# every lab in studykit/lab/experiments/*.yaml, prompt-vs-prefix (the engine's own) first
LABS = sorted(lab_names(), key=lambda name: name != "prompt-vs-prefix")
STUDYKIT = Path(sys.executable).with_name("studykit")
COLD_TARGET_S, COLD_STRETCH_S, RSS_TARGET_MB = 20.0, 10.0, 1000.0


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_lab(argv: list[str], failed: str, **popen: Any) -> tuple[dict[str, float], dict]:
    """Run a `studykit lab NAME --json` command line in a fresh process: its wall time, CPU time
    and peak RSS, and the JSON result it printed. `failed` names the run if it exits non-zero."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **popen)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{failed} failed with status {status}")
    cost = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1e3}
    return cost, json.loads(stdout)


def cold_run(lab: str) -> dict[str, float]:
    """Run `studykit lab LAB --json` in a new process; wall time, CPU time and peak RSS."""
    cost, result = timed_lab([str(STUDYKIT), "lab", lab, "--json"], f"studykit lab {lab}")
    return cost | {"lab_wall": result["wall_seconds"]}


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def step_times(steps: int) -> None:
    """Median seconds per training step of our methods and peft's, interleaved step by step."""
    import peft
    import torch

    from studykit.lab.engine.base import load_base, use_one_thread
    from studykit.lab.engine.data import Encoder, TaskData
    from studykit.lab.engine.evaluate import answer_loss
    from studykit.lab.engine.methods import build
    from studykit.lab.tasks import get_task

    use_one_thread()
    # peft's own calls into transformers use names transformers deprecates (past_key_values,
    # is_gradient_checkpointing): theirs, not ours, and not what this comparison is about.
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\.")
    base = load_base()
    data = TaskData(get_task("rotate"), Encoder(base.tokenizer), seed=0, batch_size=64)
    batches = [data.next_batch() for _ in range(steps)]
    k = 4

    def peft_model(config):
        model = peft.get_peft_model(load_base().model, config)
        return lambda ids, labels: model(input_ids=ids, labels=labels).loss, model

    causal = peft.TaskType.CAUSAL_LM
    contenders = {
        "engine prompt": build("prompt-tuning", base, virtual_tokens=k),
        "peft prompt": peft_model(peft.PromptTuningConfig(task_type=causal, num_virtual_tokens=k)),
        "engine prefix": build("prefix-tuning", base, virtual_tokens=k),
        "peft prefix": peft_model(peft.PrefixTuningConfig(task_type=causal, num_virtual_tokens=k)),
        "engine lora": build("lora", base),  # r = α = 8 on c_attn, peft's LoraConfig defaults
        # fan_in_fan_out: what peft sets itself for GPT-2's Conv1D, after warning about it
        "peft lora": peft_model(peft.LoraConfig(task_type=causal, fan_in_fan_out=True)),
        "full fine-tuning": build("full-finetune", base),
    }
    runners = {}
    for name, contender in contenders.items():
        if isinstance(contender, tuple):
            loss_fn, module = contender
        else:
            module = contender
            loss_fn = (lambda m: lambda ids, labels: answer_loss(m(ids), labels))(contender)
        params = [p for p in module.parameters() if p.requires_grad]
        runners[name] = (loss_fn, torch.optim.Adam(params, lr=1e-3))

    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for n, batch in enumerate(batches):
        for name, (loss_fn, optimizer) in runners.items():
            tick, tock = time.perf_counter(), time.process_time()
            loss = loss_fn(batch.input_ids, batch.labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if n >= 5:  # the first steps warm caches and allocators
                wall[name].append(time.perf_counter() - tick)
                cpu[name].append(time.process_time() - tock)
    med = {name: statistics.median(times) * 1e3 for name, times in wall.items()}
    med_cpu = {name: statistics.median(times) * 1e3 for name, times in cpu.items()}
    print(f"\nStep time, median of {steps - 5} interleaved steps (batch 64, k={k}; load {load()}):")
    for name in runners:
        print(f"  {name:17s} {med[name]:6.2f} ms wall  {med_cpu[name]:6.2f} ms CPU")
    for ours, theirs in (
        ("engine prompt", "peft prompt"),
        ("engine prefix", "peft prefix"),
        ("engine lora", "peft lora"),
    ):
        ratio, ratio_cpu = med[ours] / med[theirs], med_cpu[ours] / med_cpu[theirs]
        print(
            f"{ours} ÷ {theirs}: {ratio:.3f} (CPU {ratio_cpu:.3f}); "
            f"target ≤ 1.0: {verdict(ratio <= 1.0)}"
        )
    ratio = med["engine prompt"] / med["full fine-tuning"]
    ratio_cpu = med_cpu["engine prompt"] / med_cpu["full fine-tuning"]
    print(
        f"prompt tuning ÷ full fine-tuning: {ratio:.3f} (CPU {ratio_cpu:.3f}); "
        f"target < 1.0: {verdict(ratio < 1.0)}"
    )


REPO = Path(__file__).resolve().parents[1]
RATIO_TARGET = 1.05
# Prints each lab's parameter defaults as JSON, with whichever studykit PYTHONPATH points at.
_DEFAULTS = (
    "import json; from studykit.lab.catalog import all_labs; "
    "print(json.dumps({n: {p: s.default for p, s in spec.params.items()} "
    "for n, spec in all_labs().items()}, default=str))"
)


def tree_env(tree: Path, data_dir: str) -> dict[str, str]:
    """The environment of a run of `tree`'s studykit: its source first on the path, a scratch
    data dir, and no network."""
    return {**os.environ, "PYTHONPATH": str(tree), "STUDYKIT_DATA_DIR": data_dir,
            "HF_HUB_OFFLINE": "1"}  # fmt: skip


def tree_run(tree: Path, lab: str, options: list[str], data_dir: str) -> dict:
    """`python -m studykit lab LAB --json` from `tree` in a fresh process: wall and CPU seconds,
    the parameters it ran with, and each trained method's seconds, steps and ms per step."""
    cost, result = timed_lab(
        [sys.executable, "-m", "studykit", "lab", lab, "--json", *options],
        f"{tree}: studykit lab {lab} {' '.join(options)}",
        cwd=tree,
        env=tree_env(tree, data_dir),
    )
    methods = result["methods"]
    return {
        "wall": cost["wall"],
        "cpu": cost["cpu"],
        "params": result["params"],
        "methods": {
            key: (m["seconds"], m["steps"], m["ms_per_step"])
            for key, m in methods.items()
            if m.get("steps")  # a method that does not train (one evaluation) has no step
        },
    }


def shared_methods(old: dict, new: dict) -> tuple[float | None, float | None, dict[str, tuple]]:
    """For the methods both runs trained: new ÷ old training seconds (summed), new ÷ old time
    per step (each method's ms/step weighted by the old run's steps, so both sides have the same
    mix of methods), and the methods whose step counts differ {key: (old steps, new steps)}."""
    keys = sorted(set(old["methods"]) & set(new["methods"]))
    if not keys:
        return None, None, {}
    was, now = old["methods"], new["methods"]
    old_seconds = sum(was[k][0] for k in keys)
    old_step = sum(was[k][1] * was[k][2] for k in keys)  # 0 if no method timed its steps
    seconds = sum(now[k][0] for k in keys) / old_seconds if old_seconds else None
    step = sum(was[k][1] * now[k][2] for k in keys) / old_step if old_step else None
    steps_differ = {k: (was[k][1], now[k][1]) for k in keys if was[k][1] != now[k][1]}
    return seconds, step, steps_differ


def different_work(
    extra: list[str],
    differ: dict[str, tuple],
    methods_old: set[str],
    methods_new: set[str],
    steps_differ: dict[str, tuple],
) -> list[str]:
    """What the new revision's run of a lab does that the old one's did not (empty if the same:
    the same parameters, the same methods trained, each for the same number of steps)."""
    notes = [f"new parameters {', '.join(extra)}"] if extra else []
    if differ:
        notes.append(f"parameters differ {differ}")
    if methods_old - methods_new:
        notes.append(f"only old trains {', '.join(sorted(methods_old - methods_new))}")
    if methods_new - methods_old:
        notes.append(f"only new trains {', '.join(sorted(methods_new - methods_old))}")
    if steps_differ:
        moved = ", ".join(f"{key} {a}→{b}" for key, (a, b) in steps_differ.items())
        notes.append(f"steps old→new {moved}")
    return notes


def worktree(rev: str, made: list[Path]) -> Path:
    """A detached worktree of `rev` in the temporary folder, byte-compiled so that neither side
    spends its run compiling (PYTHONDONTWRITEBYTECODE may be set)."""
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", rev], check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    path = Path(tempfile.gettempdir()) / f"studykit-bench-{sha}"
    if not path.exists():
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), sha],
            check=True, capture_output=True,
        )  # fmt: skip
        made.append(path)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(path / "studykit")], check=True)
    return path


def defaults(tree: Path, data_dir: str) -> dict[str, dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-c", _DEFAULTS], cwd=tree, env=tree_env(tree, data_dir), check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def option(name: str, value: object) -> list[str]:
    """A parameter as the lab command's option (lists as comma-separated text)."""
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return [f"--{name.replace('_', '-')}", text]


def against(old_rev: str, new_rev: str | None, labs: list[str] | None, rounds: int) -> None:
    """Per lab, the median over `rounds` alternated cold runs of new ÷ old wall time."""
    made: list[Path] = []
    data_dir = tempfile.mkdtemp(prefix="studykit-bench-data-")
    try:
        old = worktree(old_rev, made)
        new = worktree(new_rev, made) if new_rev else REPO
        old_defaults, new_defaults = defaults(old, data_dir), defaults(new, data_dir)
        names = [
            n for n in (labs or sorted(old_defaults)) if n in old_defaults and n in new_defaults
        ]
        left_out = sorted(set(old_defaults) ^ set(new_defaults))
        print(f"old {old_rev} ({old}), new {new_rev or 'this checkout'} ({new}); "
              f"{rounds} rounds, old and new alternated; load average {load()}")  # fmt: skip
        if left_out:
            print(f"in one revision only (not run): {', '.join(left_out)}")
        rows = []
        for lab in names:
            was, now = old_defaults[lab], new_defaults[lab]
            # the old defaults, passed explicitly where the new revision's default differs
            options = [
                arg for p, v in was.items() if p in now and now[p] != v for arg in option(p, v)
            ]
            extra = sorted(set(now) - set(was) - {"device", "dtype"})
            wall, cpu, common, per_step = [], [], [], []
            steps_differ: dict[str, tuple] = {}
            methods_old: set[str] = set()
            methods_new: set[str] = set()
            for n in range(rounds):
                # alternate which goes first, so a load that builds up or fades hits both alike
                order = [("old", old, []), ("new", new, options)]
                if n % 2:
                    order.reverse()
                runs = {side: tree_run(tree, lab, opts, data_dir) for side, tree, opts in order}
                wall.append(runs["new"]["wall"] / runs["old"]["wall"])
                cpu.append(runs["new"]["cpu"] / runs["old"]["cpu"])
                seconds, step, differ_now = shared_methods(runs["old"], runs["new"])
                if seconds is not None:
                    common.append(seconds)
                if step is not None:
                    per_step.append(step)
                steps_differ |= differ_now
                methods_old |= set(runs["old"]["methods"])
                methods_new |= set(runs["new"]["methods"])
                print(f"  {lab} round {n + 1}: old {runs['old']['wall']:.1f} s "
                      f"({runs['old']['cpu']:.1f} s CPU), new {runs['new']['wall']:.1f} s "
                      f"({runs['new']['cpu']:.1f} s CPU); load {load()}", flush=True)  # fmt: skip
            differ = {
                p: (v, runs["new"]["params"].get(p))
                for p, v in runs["old"]["params"].items()
                if runs["new"]["params"].get(p) != v
            }
            other_work = different_work(extra, differ, methods_old, methods_new, steps_differ)
            med_step = statistics.median(per_step) if per_step else None
            if not other_work:
                verdict_text = verdict(statistics.median(wall) <= RATIO_TARGET)
            elif med_step is not None:
                verdict_text = (
                    f"step {verdict(med_step <= RATIO_TARGET)}; wall and methods not "
                    f"comparable, different work: {'; '.join(other_work)}"
                )
            else:
                verdict_text = f"not comparable, different work: {'; '.join(other_work)}"
            # summed training seconds compare only when the shared methods took the same steps
            methods_ratio = statistics.median(common) if common and not steps_differ else None
            rows.append((lab, statistics.median(wall), statistics.median(cpu), methods_ratio,
                         med_step, options, verdict_text))  # fmt: skip
        print(f"\nnew ÷ old, median of {rounds} cold runs each (target ≤ {RATIO_TARGET}):")
        print(f"  {'lab':20s} {'wall':>6s} {'CPU':>6s} {'methods':>8s} {'step':>6s}  verdict")
        for lab, w, c, m, st, options, verdict_text in rows:
            methods_cell = f"{m:8.3f}" if m is not None else f"{'-':>8s}"
            step_cell = f"{st:6.3f}" if st is not None else f"{'-':>6s}"
            passed = f"  (passed {' '.join(options)})" if options else ""
            print(
                f"  {lab:20s} {w:6.3f} {c:6.3f} {methods_cell} {step_cell}  {verdict_text}{passed}"
            )
        print(
            "methods: training seconds of the methods both revisions trained, summed, new ÷ old "
            "('-' when their step counts differ)\n"
            "step: time per optimizer step of those methods (forward, backward, update), "
            "weighted by the old run's steps, new ÷ old"
        )
        print(
            f"load average now {load()} on {os.cpu_count()} cores: above the core count, wall "
            "ratios measure the scheduler more than the code; read the CPU column then"
        )
    finally:
        for path in made:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)])
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="*", default=None, help="labs to run cold")
    parser.add_argument("--steps", type=int, default=105, help="steps per method, step times")
    parser.add_argument("--against", metavar="OLD_REV", help="compare each lab with OLD_REV")
    parser.add_argument("--new-rev", metavar="REV", help="with --against: the new side")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: runs per side")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.new_rev, args.labs, args.rounds)
        return
    args.labs = args.labs if args.labs is not None else LABS
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load()}")
    for lab in args.labs:
        run = cold_run(lab)
        print(
            f"studykit lab {lab} (cold, new process): {run['wall']:.1f} s wall "
            f"({run['lab_wall']:.1f} s inside the lab, {run['cpu']:.1f} s CPU), "
            f"peak RSS {run['rss_mb']:.0f} MB; target ≤ {COLD_TARGET_S:.0f} s: "
            f"{verdict(run['wall'] <= COLD_TARGET_S)}, stretch ≤ {COLD_STRETCH_S:.0f} s: "
            f"{verdict(run['wall'] <= COLD_STRETCH_S)}, RSS ≤ 1 GB: "
            f"{verdict(run['rss_mb'] <= RSS_TARGET_MB)}"
        )
    step_times(args.steps)


if __name__ == "__main__":
    main()
