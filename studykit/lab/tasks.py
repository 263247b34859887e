"""Synthetic digit tasks: the skills the base model was pretrained on, and new ones it never saw.

Every example is one line of words, `reverse : 3 1 4 = 4 1 3 <eos>`: an instruction word, the
input digits between `:` and `=`, then the answer. The base model learned the six `PRETRAINING`
tasks, each selected by its instruction word. A lab removes the word (`: 3 1 4 = ...`) and asks a
soft prompt or a prefix to bring the skill back, or to reach a task outside `PRETRAINING`
(a composition such as `reverse+add1`, or a new skill such as `rotate`).

Pure Python (no torch), so the deck linter and the CLI can list tasks cheaply.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

Digits = list[int]

MIN_DIGITS = 3
MAX_DIGITS = 6
SEP = ":"  # between the instruction and the input
ASK = "="  # between the input and the answer
EOS = "<eos>"
PAD = "<pad>"
UNK = "<unk>"


@dataclass(frozen=True)
class Task:
    name: str
    solve: Callable[[Digits], Digits]
    known: bool  # True: the base model was pretrained on it, with `words` as the instruction
    words: tuple[str, ...]  # the hand-written instruction a learner would try first
    description: str


@dataclass(frozen=True)
class Example:
    """One task instance as words. The model reads `prompt` and must produce `answer`."""

    prompt: list[str]  # e.g. ["reverse", ":", "3", "1", "4", "="] (no word when it is removed)
    answer: list[str]  # e.g. ["4", "1", "3", "<eos>"]

    def key(self) -> tuple[str, ...]:
        return tuple(self.prompt)


def _add(n: int) -> Callable[[Digits], Digits]:
    return lambda xs: [(x + n) % 10 for x in xs]


_PRETRAINING = [
    Task("copy", list, True, ("copy",), "repeat the digits"),
    Task("reverse", lambda xs: xs[::-1], True, ("reverse",), "the digits in reverse order"),
    Task("sort", sorted, True, ("sort",), "the digits in ascending order"),
    Task("add1", _add(1), True, ("add1",), "add 1 to each digit (9 becomes 0)"),
    Task("max", lambda xs: [max(xs)], True, ("max",), "the largest digit"),
    Task("count", lambda xs: [len(xs)], True, ("count",), "how many digits there are"),
]
PRETRAINING: dict[str, Task] = {t.name: t for t in _PRETRAINING}

# Tasks the base model never saw. Compositions chain two known skills; the others are new skills.
_NEW = [
    Task("rotate", lambda xs: xs[1:] + xs[:1], False, ("copy",), "move the first digit to the end"),
    Task("mul2", lambda xs: [2 * x % 10 for x in xs], False, ("add1",), "double each digit mod 10"),
    Task("min", lambda xs: [min(xs)], False, ("sort",), "the smallest digit"),
    Task("swap", lambda xs: _swap_pairs(xs), False, ("reverse",), "swap neighbouring pairs"),
]
NEW: dict[str, Task] = {t.name: t for t in _NEW}


def _swap_pairs(xs: Digits) -> Digits:
    out = list(xs)
    for i in range(0, len(out) - 1, 2):
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _compose(first: Task, second: Task) -> Task:
    return Task(
        name=f"{first.name}+{second.name}",
        solve=lambda xs: second.solve(first.solve(xs)),
        known=False,
        words=first.words + second.words,
        description=f"{first.description}, then {second.description}",
    )


COMPOSITIONS = ["reverse+add1", "sort+reverse", "add1+add1", "reverse+sort"]


def task_names() -> list[str]:
    """Every task a lab may name: pretraining skills, new skills and the listed compositions."""
    return [*PRETRAINING, *NEW, *COMPOSITIONS]


def get_task(name: str) -> Task:
    """A task by name; `a+b` composes any two pretraining tasks (a first, then b)."""
    if name in PRETRAINING:
        return PRETRAINING[name]
    if name in NEW:
        return NEW[name]
    first, plus, second = name.partition("+")
    if plus and first in PRETRAINING and second in PRETRAINING:
        return _compose(PRETRAINING[first], PRETRAINING[second])
    raise KeyError(f'unknown task "{name}" (known: {", ".join(task_names())})')


def make_example(task: Task, rng: random.Random, words: tuple[str, ...] = ()) -> Example:
    """A random instance of `task`, its prompt opened by `words` (none: the instruction removed)."""
    digits = [rng.randrange(10) for _ in range(rng.randint(MIN_DIGITS, MAX_DIGITS))]
    prompt = [*words, SEP, *map(str, digits), ASK]
    answer = [*map(str, task.solve(digits)), EOS]
    return Example(prompt, answer)


def vocabulary() -> list[str]:
    """The base model's words, in id order: specials, digits, instruction words, separators."""
    return [PAD, EOS, UNK, *map(str, range(10)), *PRETRAINING, SEP, ASK]
