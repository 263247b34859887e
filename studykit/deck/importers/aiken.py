"""Aiken import: Moodle's simplest format, multiple-choice questions with one right answer.

    What does prompt tuning train?
    A. Every weight of the model
    B) A few vectors prepended to the input embeddings
    ANSWER: B

The question text comes first (one line, or several), then the choices, each a capital letter,
`.` or `)`, optionally a space (`A)Text` is a choice, as in Moodle) and the text, lettered in
sequence from A; then `ANSWER: <letter>` ends the question. Blank lines between questions are
optional. Aiken has no feedback and no titles, so cards get ids from a hash of their text
(stable when other questions are added) and lint will ask for explanations.

Like Moodle, a broken question (too few choices, a choice or an ANSWER line outside a question,
a question that never gets its ANSWER line) is skipped with a warning naming its line, and the
rest are imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from studykit.deck.importers import (
    WHITESPACE,
    BankError,
    Draft,
    Parsed,
    Warnings,
    iter_lines,
)
from studykit.deck.model import LETTERS

_CHOICE = re.compile(r"^([A-Z])[.)][ \t]*(\S.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)
_LABEL_LENGTH = 40


def parse_aiken(text: str, source: str) -> Parsed:
    """Every question of an Aiken file, in order."""
    parsed = Parsed()
    parsed.drafts.extend(iter_aiken(text, source, parsed.warnings))
    return parsed


def iter_aiken(text: str, source: str, warnings: list[str]) -> Iterator[Draft]:
    """The questions of an Aiken file one at a time; a broken one is skipped with a warning."""
    reader = _Reader(source, warnings)
    for number, raw in enumerate(iter_lines(text), start=1):
        line = raw.strip(WHITESPACE)
        if line:
            yield from reader.line(number, line)
    if reader.question:
        reader.skip(reader.start, "has no 'ANSWER: <letter>' line; add one after its choices")


class _Reader:
    """Reads the lines of an Aiken file, one question at a time."""

    def __init__(self, source: str, warnings: list[str]):
        self.source, self.warnings = source, warnings
        self.question: list[str] = []
        self.choices: list[str] = []
        self.start = 0  # line where the current question began
        self.broken = False  # the current question was skipped: ignore its choices and ANSWER

    def label(self) -> str:
        return f'"{" ".join(" ".join(self.question).split())[:_LABEL_LENGTH]}"'

    def skip(self, line: int, message: str, *, ends: bool = False) -> None:
        """Leave out the current question (if any) with a warning naming `line`; unless this
        line `ends` it, the question's remaining choices and ANSWER line are passed over."""
        about = f"question {self.label()}: " if self.question else ""
        error = BankError(self.source, line, 1, about + message)
        if isinstance(self.warnings, Warnings):
            self.warnings.skip(error)
        else:
            self.warnings.append(f"{error}; skipped")
        self.question, self.choices, self.broken = [], [], bool(self.question) and not ends

    def line(self, number: int, line: str) -> Iterator[Draft]:
        answer, choice = _ANSWER.match(line), _CHOICE.match(line)
        if answer:
            if self.broken:  # the end of a question already skipped
                self.broken = False
            elif not self.question:
                self.skip(number, "'ANSWER:' with no question before it", ends=True)
            elif len(self.choices) < 2:
                message = "needs at least two choices (A. …, B. …) before 'ANSWER:'"
                self.skip(number, message, ends=True)
            else:
                yield from self._finish(number, answer[1].strip(WHITESPACE))
        elif choice and (self.question or self.broken):
            if self.broken:
                return
            if len(self.choices) == len(LETTERS):
                self.skip(number, "has more than 26 choices; split the question")
                return
            expected = LETTERS[len(self.choices)]
            if choice[1] != expected:
                self.skip(number, f"choice {choice[1]} is out of sequence; expected {expected}")
                return
            self.choices.append(choice[2].strip(WHITESPACE))
        elif choice:
            self.skip(number, f"choice {choice[1]} with no question before it")
        else:
            if self.choices:  # a new question starts where this one should have ended
                message = f"choices end without an 'ANSWER: <letter>' line (line {number} "
                self.skip(self.start, message + "starts another question); add one")
            self.broken = False
            if not self.question:
                self.start = number
            self.question.append(line)

    def _finish(self, number: int, given: str) -> Iterator[Draft]:
        letter = given.upper()
        allowed = LETTERS[: len(self.choices)]
        if len(letter) != 1 or letter not in allowed:
            message = f'ANSWER "{given}" is not one of the choices A-{allowed[-1]}'
            self.skip(number, message, ends=True)
            return
        yield Draft(
            line=self.start,
            label=self.label(),
            card={
                "kind": "mcq",
                "question": "\n".join(self.question),
                "choices": list(self.choices),
                "answer": letter,
            },
        )
        self.question, self.choices = [], []
