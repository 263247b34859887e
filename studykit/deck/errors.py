"""What can be wrong with a deck: a `Problem` per finding, and `DeckError`, the one exception.

A `Problem` is one line a person can act on: where (file, line, column), which card, what is wrong
and how to fix it. Loading never stops at the first problem; it collects them. `DeckError` is
raised only when a caller asks for decks that cannot be had (`load_deck` on a broken file) or when
the loader itself hits a bug; it carries the problems so the CLI can still print one line each.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

# Line breaks and C0/C1 control characters (a problem line quotes the author's text).
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str, width: int | None = None) -> str:
    """`text` without line breaks or control characters, cut to `width` characters (with …)."""
    text = _LINE_BREAKS.sub(" ", text)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a deck file. `line` and `column` are 1-based; 0 means "whole file"."""

    file: str
    line: int
    column: int
    card: str | None
    message: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # A message quotes the author's text, which may hold line breaks; a problem is one line.
        object.__setattr__(self, "message", one_line(self.message))
        if self.card is not None:
            object.__setattr__(self, "card", one_line(self.card, 80))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: " if self.line else f"{self.file}: "
        level = "warning: " if self.severity == "warning" else ""
        card = f"card {self.card}: " if self.card else ""
        return one_line(f"{where if self.file else ''}{level}{card}{self.message}")

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        del data["severity"]  # the list a problem sits in (errors / warnings) says it
        return data

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.column)


class DeckError(Exception):
    """The only exception the deck loader lets out. `problems` holds every reason, one line each."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(file="", line=0, column=0, card=None, message=problems)]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
