"""Aiken import: Moodle's simplest format, multiple-choice questions with one right answer.

    What does prompt tuning train?
    A. Every weight of the model
    B) A few vectors prepended to the input embeddings
    ANSWER: B

The question text comes first (one line, or several), then the choices, each a capital letter,
`.` or `)`, a space and the text, lettered in sequence from A; then `ANSWER: <letter>` ends the
question. Blank lines between questions are optional. Aiken has no feedback and no titles, so
cards get counter ids and lint will ask for explanations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from studykit.deck.importers import WHITESPACE, BankError, Draft, Parsed, iter_lines
from studykit.deck.model import LETTERS

_CHOICE = re.compile(r"^([A-Z])[.)][ \t]+(\S.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)
_LABEL_LENGTH = 40


def parse_aiken(text: str, source: str) -> Parsed:
    """Every question of an Aiken file, in order."""
    parsed = Parsed()
    parsed.drafts.extend(iter_aiken(text, source, parsed.warnings))
    return parsed


def iter_aiken(text: str, source: str, warnings: list[str]) -> Iterator[Draft]:
    """The questions of an Aiken file one at a time (Aiken has nothing to warn about)."""
    question: list[str] = []
    choices: list[str] = []
    start = 0  # line where the current question began

    def label() -> str:
        return f'"{" ".join(" ".join(question).split())[:_LABEL_LENGTH]}"'

    def fail(line: int, message: str) -> BankError:
        about = f"question {label()}: " if question else ""
        return BankError(source, line, 1, about + message)

    for number, raw in enumerate(iter_lines(text), start=1):
        line = raw.strip(WHITESPACE)
        if not line:
            continue
        answer = _ANSWER.match(line)
        choice = _CHOICE.match(line)
        if answer:
            if not question:
                raise fail(number, "'ANSWER:' with no question before it")
            if len(choices) < 2:
                raise fail(number, "needs at least two choices (A. …, B. …) before 'ANSWER:'")
            given = answer[1].strip(WHITESPACE)
            letter = given.upper()
            allowed = LETTERS[: len(choices)]
            if len(letter) != 1 or letter not in allowed:
                raise fail(
                    number,
                    f'ANSWER "{given}" is not one of the choices A-{allowed[-1]}',
                )
            yield Draft(
                line=start,
                label=label(),
                card={
                    "kind": "mcq",
                    "question": "\n".join(question),
                    "choices": list(choices),
                    "answer": letter,
                },
            )
            question, choices = [], []
        elif choice and question:
            if len(choices) == len(LETTERS):
                raise fail(number, "has more than 26 choices; split the question")
            expected = LETTERS[len(choices)]
            if choice[1] != expected:
                raise fail(number, f"choice {choice[1]} is out of sequence; expected {expected}")
            choices.append(choice[2].strip(WHITESPACE))
        elif choices:
            raise fail(number, "choices end without an 'ANSWER: <letter>' line; add one")
        else:
            if not question:
                start = number
            question.append(line)
    if question:
        raise fail(start, "has no 'ANSWER: <letter>' line; add one after its choices")
