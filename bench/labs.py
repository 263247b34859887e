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
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from studykit.lab.catalog import lab_names

# every lab in studykit/lab/experiments/*.yaml, prompt-vs-prefix (the engine's own) first
LABS = sorted(lab_names(), key=lambda name: name != "prompt-vs-prefix")
STUDYKIT = Path(sys.executable).with_name("studykit")
COLD_TARGET_S, COLD_STRETCH_S, RSS_TARGET_MB = 20.0, 10.0, 1000.0


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cold_run(lab: str) -> dict[str, float]:
    """Run `studykit lab LAB --json` in a new process; wall time, CPU time and peak RSS."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(STUDYKIT), "lab", lab, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"studykit lab {lab} failed with status {status}")
    result = json.loads(stdout)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1e3,
        "lab_wall": result["wall_seconds"],
    }


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="*", default=LABS, help="labs to run cold")
    parser.add_argument("--steps", type=int, default=105, help="steps per method, step times")
    args = parser.parse_args()
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
