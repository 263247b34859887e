"""Cloze text, Anki's syntax: `Prompt tuning trains {{c1::k·d}} numbers`, one study card per number.

A deletion is `{{cN::answer}}` or `{{cN::answer::hint}}` (N from 1). Every deletion with the same
number is hidden on the same study card, and the others are shown filled in, as in Anki. A
`Cloze` deck card (model.py) becomes one `ClozeDeletion` per number: its id is
`CARD-ID::cN`, which keys the learner's progress (`::` is never part of a card id, so it cannot
clash with one), and it carries the card's topic, tags, explanation, refs and lab.

    deletions("a {{c1::b}} {{c2::c::hint}}")   # Deletion(1, "b", None, …), Deletion(2, "c", …)
    cloze_problems(text, 200)                  # what is wrong with the syntax, one message each
    show(text, asking=1)                       # "a \\ue000[...]\\ue001 c": the asked gap marked
    show(text, asking=1, reveal=True)          # "a \\ue002b\\ue003 c": its answer marked

The marks are private-use characters, so the text can still be parsed as Markdown (a gap may sit
inside a code block) and each screen or export styles the marked part its own way;
`unmark(text)` drops them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from studykit.deck import markup

if TYPE_CHECKING:
    from studykit.deck.model import AnyCard, Cloze

# {{c1::answer}} or {{c1::answer::hint}}; the answer and hint end at the first "::" or "}}".
DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_OPENING = re.compile(r"\{\{c(\d+)::")
BLANK = "[...]"
GAP_START, GAP_END = "\ue000", "\ue001"  # around the blank being asked
ANSWER_START, ANSWER_END = "\ue002", "\ue003"  # around its answer, once revealed
_MARKS = re.compile("[\ue000-\ue003]")
MAX_NUMBER = 26  # one study card per number; as many as a card may have choices


@dataclass(frozen=True)
class Deletion:
    number: int
    answer: str  # as written: may hold markup
    hint: str | None
    start: int  # where `{{` is in the text
    end: int  # just after `}}`


def deletions(text: str) -> list[Deletion]:
    return [
        Deletion(int(m.group(1)), m.group(2), m.group(3), m.start(), m.end())
        for m in DELETION.finditer(text)
    ]


def numbers(text: str) -> list[int]:
    """The deletion numbers of a text, ascending, each once."""
    return sorted({d.number for d in deletions(text)})


def cloze_problems(text: str, max_answer: int) -> list[str]:
    """What is wrong with a cloze text's deletions, as messages for its author (none: fine).
    An answer may be typed, so it is bounded like a short answer (`max_answer` characters)."""
    found = deletions(text)
    if not found:
        return ['a cloze "text" needs at least one deletion such as {{c1::answer}}']
    problems = []
    for deletion in found:
        where = text[deletion.start : deletion.end]
        if deletion.number < 1:
            problems.append(f"{where}: deletion numbers start at c1")
        if not deletion.answer.strip():
            problems.append(
                f"{where}: the deletion is empty; put the answer after c{deletion.number}::"
            )
        elif "{{" in deletion.answer or "{{" in (deletion.hint or ""):
            problems.append(f"{where}: a deletion cannot hold another; close each one with }}}}")
        elif len(markup.to_plain(deletion.answer)) > max_answer:
            problems.append(f"{where}: an answer holds at most {max_answer} characters")
    leftover = DELETION.sub("", text)
    opening = _OPENING.search(leftover)
    if opening:
        problems.append(f"{opening.group(0)} is never closed; end the deletion with }}}}")
    if len({d.number for d in found}) > MAX_NUMBER:
        problems.append(f"a cloze card holds at most {MAX_NUMBER} deletion numbers")
    return problems


def show(text: str, asking: int | None, *, reveal: bool = False) -> str:
    """The text with deletion `asking` hidden (marked as a gap showing its hint or [...]), or
    marked as its answer when `reveal`; every other deletion shows its answer. `asking=None`
    hides every deletion (a printout's question)."""

    def one(match: re.Match[str]) -> str:
        number, answer, hint = int(match.group(1)), match.group(2), match.group(3)
        if asking is not None and number != asking:
            return answer
        if reveal:
            return ANSWER_START + answer + ANSWER_END
        return GAP_START + (f"[{hint}]" if hint else BLANK) + GAP_END

    return DELETION.sub(one, text)


def unmark(text: str) -> str:
    return _MARKS.sub("", text)


def blanked(text: str) -> str:
    """Every deletion as a gap, marks dropped: `Prompt tuning trains [...] numbers`."""
    return unmark(show(text, None))


def filled(text: str) -> str:
    """Every deletion as its answer: the complete sentence."""
    return unmark(show(text, -1))


def answers_of(text: str, number: int) -> list[str]:
    """The plain answers of deletion `number`, in text order."""
    return [markup.to_plain(d.answer) for d in deletions(text) if d.number == number]


@dataclass(frozen=True)
class ClozeDeletion:
    """One study card of a cloze card: deletion `number` asked, the others shown."""

    card: Cloze
    number: int
    kind: str = "cloze"

    @property
    def id(self) -> str:
        return sub_id(self.card.id, self.number)

    @property
    def topic(self) -> str:
        return self.card.topic

    @property
    def tags(self) -> list[str]:
        return self.card.tags

    @property
    def explanation(self) -> str:
        return self.card.explanation

    @property
    def refs(self) -> list[str]:
        return self.card.refs

    @property
    def lab(self) -> Any:
        return self.card.lab

    @property
    def text(self) -> str:
        return self.card.text

    def accepted(self) -> list[str]:
        """What a typed answer may be: the deletion's answer (its several places joined with
        ", ", as Anki asks for them), then the card's `accept` alternatives for it."""
        expected = ", ".join(answers_of(self.card.text, self.number))
        return [expected, *self.card.accept.get(f"c{self.number}", [])]

    def prompt_text(self) -> str:
        return unmark(show(self.card.text, self.number))


# What a study session shows: a deck card, or one deletion of a cloze card.
StudyCard = Union["AnyCard", ClozeDeletion]  # noqa: UP007 (a runtime alias)


def sub_id(card_id: str, number: int) -> str:
    """The progress key of one deletion: `pt-07::c1`."""
    return f"{card_id}::c{number}"


def study_cards(cards: list[AnyCard]) -> list[StudyCard]:
    """The cards a learner studies: every card as it is, a cloze card as one per number."""
    from studykit.deck.model import Cloze

    out: list[StudyCard] = []
    for card in cards:
        if isinstance(card, Cloze):
            out += [ClozeDeletion(card, n) for n in numbers(card.text)]
        else:
            out.append(card)
    return out
