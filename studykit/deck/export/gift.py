"""Moodle GIFT export: a question bank instructors import into a Moodle course.

Each card becomes one GIFT question titled with its card id (`::pt-07::`), so a bank imported back
with `studykit deck import` keeps the ids and a learner's progress. Each topic becomes a question
category (`$CATEGORY: $course$/top/<topic title>`; a `/` in the title makes a subcategory).

    mcq         {=right#why ~wrong#why ####explanation}
    multi       {~%50%right#why ~%-50%wrong#why …}   right choices share 100%; each wrong one
                                                      takes back as much as a right one gives
    true_false  {TRUE#feedback if wrong#feedback if right}    (Moodle's order)
    matching    {=left -> right …}
    short       {=answer =alternative …}
    order       a matching question pairing "Step 1", "Step 2"… with the steps; the importer
                turns such a question back into an order card
    flashcard   an essay question whose general feedback is the back, then the explanation
                after a blank line and "Explanation: " (the importer splits them again)

The explanation is the general feedback (`####`). Tags, refs and lab links have no GIFT form.
Special characters (~ = # { } : and backslash) are escaped and line breaks written as `\\n`, as
Moodle's own exporter does. A card GIFT cannot express is left out with a warning naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studykit.deck.export.plain import cards_by_topic
from studykit.deck.model import (
    Deck,
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    ShortAnswer,
    TrueFalse,
)

CATEGORY_PREFIX = "$course$/top/"
FLASHCARD_EXPLANATION = "\n\nExplanation: "  # joins a flashcard's back and explanation
ORDER_STEP_LABEL = "Step {}"
# The weights Moodle accepts for an answer (its grade options), in percent.
MOODLE_WEIGHTS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                  16.66667, 14.28571, 12.5, 11.11111, 10, 5)  # fmt: skip

_ESCAPES = str.maketrans(
    {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:",
     "\n": "\\n", "\r": ""}
)  # fmt: skip
# Text Moodle would read as something else at the start of an answer: a format marker
# ([html]) or an answer weight (%50%). An explicit [moodle] marker in front keeps it literal.
_FORMAT_MARKER = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")


@dataclass
class GiftExport:
    text: str
    cards: int = 0  # questions written
    skipped: list[str] = field(default_factory=list)  # one line per card left out


def escape(value: str, *, guard: bool = True) -> str:
    """Plain text as GIFT text: every special character escaped, line breaks as `\\n`.

    `guard` protects a leading format marker or weight; Moodle reads neither on the right-hand
    side of a matching pair, so there the text is written as it is."""
    escaped = value.translate(_ESCAPES)
    if guard and (_FORMAT_MARKER.match(escaped) or _WEIGHT.match(escaped)):
        return "[moodle]" + escaped
    return escaped


def weight(percent: float) -> str:
    """A weight as Moodle writes it: at most 5 decimals, no trailing zeros (33.33333, 50, -100)."""
    return f"{percent:.5f}".rstrip("0").rstrip(".")


def _feedback(why: str | None) -> str:
    return f"#{escape(why)}" if why else ""


def _general(explanation: str) -> str:
    return f"\t####{escape(explanation)}\n" if explanation else ""


def _block(lines: list[str], explanation: str) -> str:
    """A multi-line answer block: one answer per tab-indented line, general feedback last."""
    return "{\n" + "".join(f"\t{line}\n" for line in lines) + _general(explanation) + "}"


def _answers(card) -> tuple[str, str | None]:
    """The answer block for a card, and a warning when the result is only an approximation."""
    match card:
        case MultipleChoice():
            lines = [
                ("=" if i == card.correct_index else "~") + escape(c.text) + _feedback(c.why)
                for i, c in enumerate(card.choices)
            ]
            return _block(lines, card.explanation), None
        case MultipleSelect():
            right = set(card.correct_indexes)
            share = 100 / len(right)
            note = None
            if round(share, 5) not in MOODLE_WEIGHTS:
                note = f"{len(right)} right choices give weights Moodle rounds ({weight(share)}%)"
            lines = [
                f"~%{weight(share if i in right else -share)}%{escape(c.text)}{_feedback(c.why)}"
                for i, c in enumerate(card.choices)
            ]
            return _block(lines, card.explanation), note
        case TrueFalse():
            why_right, why_wrong = (
                (card.why_true, card.why_false) if card.answer else (card.why_false, card.why_true)
            )
            block = "TRUE" if card.answer else "FALSE"
            if why_wrong or why_right:
                block += "#" + escape(why_wrong or "")
            if why_right:
                block += "#" + escape(why_right)
            if card.explanation:
                block += "####" + escape(card.explanation)
            return "{" + block + "}", None
        case Matching():
            pairs = [(p.left, p.right) for p in card.pairs]
            lines = [f"={escape(a)} -> {escape(b, guard=False)}" for a, b in pairs]
            return _block(lines, card.explanation), None
        case Order():
            lines = [
                f"={ORDER_STEP_LABEL.format(n)} -> {escape(step, guard=False)}"
                for n, step in enumerate(card.steps, start=1)
            ]
            return _block(lines, card.explanation), None
        case ShortAnswer():
            return _block([f"={escape(a)}" for a in card.answers], card.explanation), None
        case Flashcard():
            back = card.back
            if card.explanation:
                back += FLASHCARD_EXPLANATION + card.explanation
            return "{####" + escape(back) + "}", None
    raise TypeError(f"unknown card kind: {card!r}")


def _unwritable(card) -> str | None:
    """Why GIFT cannot hold this card, or None. `->` cannot be escaped in GIFT, and Moodle reads
    it as the matching arrow wherever `=` answers are parsed."""
    if isinstance(card, Matching):
        for pair in card.pairs:
            if "->" in pair.left:
                return f'the left item "{pair.left}" contains "->", which GIFT cannot escape'
    if isinstance(card, ShortAnswer):
        for answer in card.answers:
            if "->" in answer:
                return f'the answer "{answer}" contains "->", which GIFT cannot escape'
    return None


def _kind_note(card) -> str:
    if isinstance(card, Order):
        return "order card as matching: pair each step with its position"
    if isinstance(card, Flashcard):
        return "flashcard as essay: the back is the general feedback"
    return card.kind


def to_gift(decks: list[Deck]) -> GiftExport:
    """All decks as one GIFT bank, a category per topic."""
    export = GiftExport(text="")
    parts = ["// Exported by studykit (studykit deck export --to gift)."]
    for deck in decks:
        parts.append(f"// Deck {deck.id}: {deck.title}".replace("\n", " "))
        for topic_id, cards in cards_by_topic(deck):
            topic = deck.topic(topic_id)
            title = (topic.title if topic else topic_id).replace("\n", " ")
            parts.append(f"$CATEGORY: {CATEGORY_PREFIX}{title}")
            for card in cards:
                problem = _unwritable(card)
                if problem:
                    export.skipped.append(f"card {card.id} ({card.kind}) skipped: {problem}")
                    continue
                answers, note = _answers(card)
                if note:
                    export.skipped.append(f"card {card.id} ({card.kind}) approximated: {note}")
                parts.append(
                    f"// {card.id} · {_kind_note(card)}\n"
                    f"::{escape(card.id)}::{escape(card.prompt_text())} {answers}"
                )
                export.cards += 1
    export.text = "\n\n".join(parts) + "\n"
    return export
