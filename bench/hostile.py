"""What hostile or huge inputs cost: time and peak memory, each in a fresh process.

    .venv/bin/python bench/hostile.py [--mb 19] [--only gift,aiken,unclosed,combining,lint]

Generates every input in a temporary folder, then runs each case as a new process and reads its
wall time and peak resident memory (max RSS, from os.wait4) against the target:
- gift / aiken: a 19 MB bank of short questions. `studykit deck import` refuses it at once (a
  deck file may hold 8 MB, and such a bank makes a deck twice its size), so the whole pipeline
  (read, parse, validate, write the YAML) is also timed on it with that limit lifted; and a bank
  near the largest that imports is run through `deck import` and `deck validate` end to end;
- unclosed: a 300 KB GIFT bank whose first `{` is never closed (`deck import` refuses it);
- combining: a short-answer card whose answer is 240 KB of combining marks, loaded (the deck
  model may refuse it) and graded once with `grade()` against 240 KB of marks typed;
- lint: two cards that each hold one 300,000-character word, and two with a 10,000-character
  one (the longest text a card may hold), run through `studykit deck lint`.
Other work on a 2-core machine stretches wall-clock figures, so the load average is printed too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

STUDYKIT = Path(sys.executable).with_name("studykit")
MB = 1024 * 1024


@dataclass
class Target:
    seconds: float
    megabytes: float


BIG_BANK = Target(30.0, 500.0)
SMALL_INPUT = Target(2.0, 150.0)  # a refusal or one small file: quick, and little beyond start-up


# --- inputs -------------------------------------------------------------------------------------


def gift_question(n: int) -> str:
    """One of four GIFT kinds in turn, with a category every 1,000 questions."""
    head = f"$CATEGORY: $course$/top/Unit {n // 1000}\n\n" if n % 1000 == 0 else ""
    kind = n % 4
    title = f"::Q{n}::"
    if kind == 0:
        body = f"Which tensor does prompt tuning train, case {n}?"
        body += "{=The soft prompt ~All weights ~The head}"
    elif kind == 1:
        body = f"Which algorithm computes gradients, case {n}?{{=backpropagation =backprop}}"
    elif kind == 2:
        body = f"The base model stays frozen, case {n}.{{TRUE#Only the prompt is trained.}}"
    else:
        body = (
            f"Match, case {n}.{{=Prompt tuning -> Input embeddings =Fine-tuning -> Every weight}}"
        )
    body = title + body
    return f"{head}{body}\n\n"


def aiken_question(n: int) -> str:
    return (
        f"Which tensor does prompt tuning train, case {n}?\n"
        "A. Every weight of the model\nB) The soft prompt\nC. The output layer\nANSWER: B\n\n"
    )


def write_bank(path: Path, question, size: int) -> int:
    """Questions until the file holds `size` bytes; returns how many."""
    written, n = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < size:
            text = question(n)
            out.write(text)
            written += len(text.encode())
            n += 1
    return n


def write_unclosed(path: Path, size: int) -> None:
    """A first question whose `{` is never closed, then short questions up to `size` bytes."""
    head = "::Open::This answer block is never closed {\n=yes\n\n"
    body = "".join(f"::Q{n}::Question {n}?{{=yes ~no}}\n\n" for n in range(size // 30))
    path.write_text((head + body)[:size], encoding="utf-8")


def write_combining_deck(path: Path, size: int) -> None:
    marks = "\u0301" * (size // 2)  # two UTF-8 bytes each
    path.write_text(
        "id: marks\ntitle: Combining marks\ndescription: Hostile.\n"
        "topics: [{id: t, title: T}]\ncards:\n"
        f"  - {{id: c1, topic: t, kind: short, question: Which letter?, answers: [a{marks}]}}\n",
        encoding="utf-8",
    )


def write_lint_pair(path: Path, word_length: int) -> None:
    word = "x" * word_length
    path.write_text(
        "id: pair\ntitle: Near duplicates\ndescription: Hostile.\n"
        "topics: [{id: t, title: T}]\ncards:\n"
        f"  - {{id: a, topic: t, kind: flashcard, front: {word}a, back: Same.}}\n"
        f"  - {{id: b, topic: t, kind: flashcard, front: {word}b, back: Same.}}\n",
        encoding="utf-8",
    )


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    megabytes: float
    exit_code: int
    output: str


def measure(command: list[str]) -> Run:
    """Run `command` as a new process; its wall time, peak RSS and what it printed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), output)


def python_child(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def report(name: str, what: str, run: Run, target: Target, expect_exit: int | None) -> bool:
    """One line: figures, targets, verdict; then what the command said when it surprised us."""
    met = run.seconds <= target.seconds and run.megabytes <= target.megabytes
    as_expected = expect_exit is None or run.exit_code == expect_exit
    verdict = "ok" if met and as_expected else "MISSES"
    last = run.output.strip().splitlines()[-1:] or [""]
    print(
        f"{name:<10} {what:<36} {run.seconds:6.2f} s ({run.cpu_seconds:5.2f} s CPU) "
        f"{run.megabytes:5.0f} MB  "
        f"(target ≤ {target.seconds:g} s, ≤ {target.megabytes:g} MB)  exit {run.exit_code}  "
        f"{verdict}"
    )
    print(f"{'':<10} -> {last[0][:150]}")
    if not as_expected:
        print(textwrap.indent(run.output[-2000:], " " * 13))
    return verdict == "ok"


# --- cases --------------------------------------------------------------------------------------


def pipeline_child(bank: Path, fmt: str) -> list[str]:
    """What `deck import` does (read, parse, validate, write the YAML), with no size limit."""
    return python_child(
        f"""
        from pathlib import Path
        from studykit.deck.importers import import_bank_as_yaml

        result = import_bank_as_yaml(Path({str(bank)!r}), {fmt!r}, max_bytes=1 << 40)
        print(f"{{result.cards:,}} cards, {{len(result.text.encode()) / 1e6:.1f}} MB of YAML")
        """
    )


def bank_cases(folder: Path, fmt: str, megabytes: float) -> bool:
    question = gift_question if fmt == "gift" else aiken_question
    big = folder / f"big.{fmt}"
    count = write_bank(big, question, int(megabytes * MB))
    label = f"{big.stat().st_size / MB:.0f} MB ({count:,} questions)"
    ok = report(
        fmt,
        f"deck import {label}",
        measure([str(STUDYKIT), "deck", "import", str(big), "-o", str(folder / "big.yaml")]),
        SMALL_INPUT,
        expect_exit=1,
    )
    ok &= report(fmt, f"pipeline {label}", measure(pipeline_child(big, fmt)), BIG_BANK, 0)
    # the largest bank that imports: its deck stays under the 8 MB a deck file may hold
    fits = folder / f"fits.{fmt}"
    count = write_bank(fits, question, int((3.8 if fmt == "gift" else 4.4) * MB))
    out = folder / f"fits-{fmt}.yaml"
    ok &= report(
        fmt,
        f"deck import {fits.stat().st_size / MB:.1f} MB ({count:,} questions)",
        measure([str(STUDYKIT), "deck", "import", str(fits), "-o", str(out)]),
        BIG_BANK,
        expect_exit=0,
    )
    if out.exists():
        ok &= report(
            fmt,
            f"deck validate its {out.stat().st_size / MB:.1f} MB deck",
            measure([str(STUDYKIT), "deck", "validate", str(out)]),
            BIG_BANK,
            expect_exit=0,
        )
    return ok


def unclosed_case(folder: Path) -> bool:
    bank = folder / "unclosed.gift"
    write_unclosed(bank, 300 * 1024)
    command = [str(STUDYKIT), "deck", "import", str(bank), "-o", str(folder / "unclosed.yaml")]
    return report("unclosed", "deck import 300 KB", measure(command), SMALL_INPUT, expect_exit=1)


def combining_case(folder: Path) -> bool:
    deck = folder / "marks.yaml"
    write_combining_deck(deck, 240 * 1024)
    # Load the 240 KB card (the deck model may refuse it), then grade the longest answer the
    # model allows, of combining marks, against a typed reply of 240 KB of them.
    child = python_child(
        f"""
        import time
        from pathlib import Path
        from studykit.deck import model
        from studykit.deck.loader import load_decks
        from studykit.study.grading import grade

        result = load_decks([Path({str(deck)!r})])
        marks = "\\u0301" * (120 * 1024)
        if result.decks:
            card, said = result.decks[0].cards[0], "loaded"
        else:
            longest = getattr(model, "MAX_ANSWER", len(marks))
            card = model.ShortAnswer(
                id="c1", topic="t", kind="short", question="Which letter?",
                answers=["a" + marks[: longest - 1]],
            )
            said = f"refused at load ({{result.errors[0].message[:60]}}…), then"
        start = time.perf_counter()
        verdict = grade(card, "a" + marks)
        took = time.perf_counter() - start
        print(f"{{said}} grade() took {{took:.3f}} s, correct={{verdict.correct}}")
        """
    )
    return report("combining", "load + grade() 240 KB of marks", measure(child), SMALL_INPUT, 0)


def lint_case(folder: Path) -> bool:
    ok = True
    for length in (300_000, 9_999):  # the pair; the longest text a card may hold
        deck = folder / f"pair{length}.yaml"
        write_lint_pair(deck, length)
        run = measure([str(STUDYKIT), "deck", "lint", str(deck)])
        what = f"deck lint, two {length + 1:,}-char words"
        ok &= report("lint", what, run, SMALL_INPUT, None)
    return ok


CASES = ("gift", "aiken", "unclosed", "combining", "lint")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=19.0, help="size of the big banks")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    args = parser.parse_args()
    chosen = [c.strip() for c in args.only.split(",") if c.strip()]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for case in chosen:
            if case in ("gift", "aiken"):
                ok &= bank_cases(folder, case, args.mb)
            elif case == "unclosed":
                ok &= unclosed_case(folder)
            elif case == "combining":
                ok &= combining_case(folder)
            elif case == "lint":
                ok &= lint_case(folder)
            else:
                raise SystemExit(f"unknown case {case!r}; choose from {', '.join(CASES)}")
    print("all targets met" if ok else "some targets MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
