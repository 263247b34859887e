"""How long loading and validating a large set of decks takes.

    .venv/bin/python bench/decks.py [--cards 10000] [--files 20] [--runs 5]

Generates `--cards` cards (all seven kinds in turn, with explanations, feedback, refs and lab
links to the real lab catalog) spread over `--files` deck files in a temporary folder, then:
- times `load_decks` on the folder in this process: read, parse, validate with pydantic, and
  every cross-deck check (ids, topics, prerequisites, lab parameters). Median and best of
  `--runs`, as wall-clock and CPU time (CPU time is steadier when other work shares the cores);
- times `studykit deck validate FOLDER` end to end, as a new process (interpreter start-up and
  imports included).
Target: load and validate 10,000 cards in ≤ 1 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog, all_labs

STUDYKIT = Path(sys.executable).with_name("studykit")
TARGET_S = 1.0


def card_yaml(deck: str, n: int, labs: list[str]) -> str:
    """One card; the kind cycles through all seven."""
    head = (
        f"  - id: {deck}-c{n}\n    topic: {deck}-t{n % 5}\n    tags: [generated, bench]\n"
        f"    explanation: Gradient descent moves parameters against the gradient; case {n}.\n"
        "    refs: [arXiv 2104.08691]\n"
    )
    if labs:
        head += f"    lab: {labs[n % len(labs)]}\n"
    kind = n % 7
    if kind == 0:
        return head + (
            f"    kind: flashcard\n    front: What does backpropagation compute, case {n}?\n"
            "    back: The gradient of the loss with respect to every parameter.\n"
        )
    if kind == 1:
        return head + (
            f"    kind: mcq\n    question: Which tensor does prompt tuning train, case {n}?\n"
            "    choices:\n      - text: Every weight of the model\n"
            "        why: That is full fine-tuning.\n      - text: The soft prompt\n"
            "      - text: The output layer\n        why: That is a linear probe.\n"
            "    answer: B\n"
        )
    if kind == 2:
        return head + (
            f"    kind: multi\n    question: Which are true of prefix tuning, case {n}?\n"
            "    choices: [Adds keys and values at every layer, Updates the base model, "
            "Trains more than prompt tuning]\n    answers: [A, C]\n"
        )
    if kind == 3:
        return head + (
            f"    kind: true_false\n    statement: The base model stays frozen, case {n}.\n"
            "    answer: true\n    why_false: Only the prompt is updated.\n"
        )
    if kind == 4:
        return head + (
            f"    kind: matching\n    prompt: Match each method to what it trains, case {n}.\n"
            "    pairs:\n      - {left: Prompt tuning, right: Input embeddings}\n"
            "      - {left: Prefix tuning, right: Keys and values at every layer}\n"
            "      - {left: Fine-tuning, right: Every weight}\n"
        )
    if kind == 5:
        return head + (
            f"    kind: order\n    prompt: Put the training step in order, case {n}.\n"
            "    steps: [Forward pass, Compute the loss, Backward pass, Update]\n"
        )
    return head + (
        f"    kind: short\n    question: Which algorithm computes gradients, case {n}?\n"
        "    answers: [backpropagation, backprop]\n"
    )


def deck_yaml(deck: str, first: int, count: int, labs: list[str]) -> str:
    topics = "".join(
        f"  - id: {deck}-t{t}\n    title: Topic {t}\n"
        + (f"    learn_before: [{deck}-t{t - 1}]\n" if t else "")
        for t in range(5)
    )
    cards = "".join(card_yaml(deck, n, labs) for n in range(first, first + count))
    return (
        f"id: {deck}\ntitle: Generated deck {deck}\ndescription: For the benchmark.\n"
        f"topics:\n{topics}cards:\n{cards}"
    )


def generate(folder: Path, cards: int, files: int) -> int:
    labs = sorted(all_labs())
    per_file = -(-cards // files)
    written = 0
    for f in range(files):
        count = min(per_file, cards - written)
        if count <= 0:
            break
        (folder / f"deck{f:03d}.yaml").write_text(deck_yaml(f"d{f}", written, count, labs))
        written += count
    return len(labs)


def time_load(folder: Path, runs: int) -> tuple[list[float], list[float], int]:
    walls, cpus, cards = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = load_decks([folder], lab_catalog=Catalog())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if result.errors:
            raise SystemExit(f"generated decks do not validate: {result.errors[0]}")
        cards = result.cards
        del result
    return walls, cpus, cards


def time_cli(folder: Path, runs: int) -> list[float]:
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([str(STUDYKIT), "deck", "validate", str(folder)], capture_output=True)
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(done.stdout.decode() + done.stderr.decode())
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        labs = generate(folder, args.cards, args.files)
        size = sum(p.stat().st_size for p in folder.iterdir())
        walls, cpus, cards = time_load(folder, args.runs)
        cli = time_cli(folder, args.runs)

    median = statistics.median(walls)
    verdict = "meets" if median <= TARGET_S else "MISSES"
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"{cards:,} cards in {args.files} files ({size / 1e6:.1f} MB), lab links to {labs} labs")
    print(
        f"load + validate: median {median:.3f} s, best {min(walls):.3f} s over {args.runs} runs "
        f"(CPU median {statistics.median(cpus):.3f} s); target ≤ {TARGET_S:g} s: {verdict}"
    )
    print(
        f"`studykit deck validate` end to end (new process): median {statistics.median(cli):.3f} s,"
        f" best {min(cli):.3f} s"
    )


if __name__ == "__main__":
    main()
