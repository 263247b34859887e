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
    cloze       one missing-word question per deletion number, titled CARD-ID::cN: the text with
                that deletion as the blank, `{=answer =accepted …}` (the other deletions filled in)
    order       a matching question pairing "Step 1", "Step 2"… with the steps; the importer
                turns such a question back into an order card
    flashcard   an essay question whose general feedback is the back, then the explanation
                after a blank line and "Explanation: " (the importer splits them again)

The explanation is the general feedback (`####`). Tags, refs and lab links have no GIFT form.
Special characters (~ = # { } : and backslash) are escaped and line breaks written as `\\n`, as
Moodle's own exporter does. A card GIFT cannot express is left out with a warning naming it.

Card text that uses its Markdown subset (deck/markup.py) is written as Moodle Markdown: every
text of such a card carries a `[markdown]` marker and is written by `markup.to_markdown(moodle=
True)`; a card without markup is written as plain text, as before, so it round-trips exactly.
The right-hand side of a matching pair (and an order card's step) takes no format marker in
Moodle: markup there is written as plain text, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

from studykit.deck import cloze, markup
from studykit.deck.export.plain import cards_by_topic
from studykit.deck.model import (
    AnyCard,
    Cloze,
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
# The same, before an explanation whose Markdown starts with a list or a code block: after
# "Explanation: " on its line, "- a" or "*" would be read as text, so it starts a block of its own.
FLASHCARD_EXPLANATION_BLOCK = "\n\nExplanation:\n\n"
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
MARKDOWN = "[markdown]"
_GAP = cloze.GAP_START + cloze.GAP_END  # where a cloze question's answer block goes


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


def uses_markup(card: AnyCard) -> bool:
    """Whether any text of the card is read differently as Markdown than as plain text."""
    return any(markup.uses_markup(text) for text in card_texts(card))


def card_texts(card: AnyCard) -> list[str]:
    """Every piece of card text GIFT writes (what a format marker would apply to)."""
    texts = [card.text if isinstance(card, Cloze) else card.prompt_text(), card.explanation]
    if isinstance(card, MultipleChoice | MultipleSelect):
        texts += [t for c in card.choices for t in (c.text, c.why or "")]
    elif isinstance(card, TrueFalse):
        texts += [card.why_true or "", card.why_false or ""]
    elif isinstance(card, Matching):
        texts += [p.left for p in card.pairs]
    elif isinstance(card, Flashcard):
        texts.append(card.back)
    return [t for t in texts if t]


def text(value: str, md: bool, *, guard: bool = True) -> str:
    """Card text as a GIFT piece: plain and escaped, or (`md`) as `[markdown]` Markdown."""
    if not md:
        return escape(value, guard=guard)
    return MARKDOWN + escape(markup.to_markdown(value, moodle=True), guard=False)


def weight(percent: float) -> str:
    """A weight as Moodle writes it: at most 5 decimals, no trailing zeros (33.33333, 50, -100)."""
    return f"{percent:.5f}".rstrip("0").rstrip(".")


def _feedback(why: str | None, md: bool) -> str:
    return f"#{text(why, md)}" if why else ""


def _general(explanation: str, md: bool) -> str:
    return f"\t####{text(explanation, md)}\n" if explanation else ""


def _block(lines: list[str], explanation: str, md: bool) -> str:
    """A multi-line answer block: one answer per tab-indented line, general feedback last."""
    return "{\n" + "".join(f"\t{line}\n" for line in lines) + _general(explanation, md) + "}"


def _right_side(value: str) -> tuple[str, str | None]:
    """A matching pair's right-hand side: Moodle reads it as plain text, format or not."""
    if markup.uses_markup(value):
        return escape(markup.to_plain(value), guard=False), f'"{value}" loses its markup'
    return escape(value, guard=False), None


def _answers(card, md: bool) -> tuple[str, str | None]:
    """The answer block for a card, and a warning when the result is only an approximation."""
    match card:
        case MultipleChoice():
            lines = [
                ("=" if i == card.correct_index else "~") + text(c.text, md) + _feedback(c.why, md)
                for i, c in enumerate(card.choices)
            ]
            return _block(lines, card.explanation, md), None
        case MultipleSelect():
            right = set(card.correct_indexes)
            share = 100 / len(right)
            note = None
            if round(share, 5) not in MOODLE_WEIGHTS:
                note = f"{len(right)} right choices give weights Moodle rounds ({weight(share)}%)"
            lines = [
                f"~%{weight(share if i in right else -share)}%{text(c.text, md)}"
                f"{_feedback(c.why, md)}"
                for i, c in enumerate(card.choices)
            ]
            return _block(lines, card.explanation, md), note
        case TrueFalse():
            why_right, why_wrong = (
                (card.why_true, card.why_false) if card.answer else (card.why_false, card.why_true)
            )
            block = "TRUE" if card.answer else "FALSE"
            if why_wrong or why_right:
                block += "#" + (text(why_wrong, md) if why_wrong else "")
            if why_right:
                block += "#" + text(why_right, md)
            if card.explanation:
                block += "####" + text(card.explanation, md)
            return "{" + block + "}", None
        case Matching() | Order():
            if isinstance(card, Matching):
                pairs = [(text(p.left, md), *_right_side(p.right)) for p in card.pairs]
            else:
                pairs = [
                    (ORDER_STEP_LABEL.format(n), *_right_side(step))
                    for n, step in enumerate(card.steps, start=1)
                ]
            lines = [f"={left} -> {right}" for left, right, _ in pairs]
            lost = [note for _, _, note in pairs if note]
            note = "right-hand items are plain text in Moodle: " + ", ".join(lost) if lost else None
            return _block(lines, card.explanation, md), note
        case ShortAnswer():
            lines = [f"={escape(a)}" for a in card.answers]  # typed answers are plain text
            return _block(lines, card.explanation, md), None
        case Flashcard():
            return "{####" + _back_and_explanation(card, md) + "}", None
    raise TypeError(f"unknown card kind: {card!r}")


def _back_and_explanation(card: Flashcard, md: bool) -> str:
    """A flashcard's back, then its explanation, as one general feedback. In Markdown each part
    is written on its own: joined first, "Explanation: *" would be one paragraph, and the
    explanation `*` (an empty list item) would come back as the text "*"."""
    if not card.explanation:
        return text(card.back, md)
    if not md:
        return escape(card.back + FLASHCARD_EXPLANATION + card.explanation)
    explanation = markup.parse(card.explanation)
    joint = FLASHCARD_EXPLANATION
    if explanation and not isinstance(explanation[0], markup.Paragraph):
        joint = FLASHCARD_EXPLANATION_BLOCK
    return text(card.back, md) + escape(
        joint + markup.to_markdown(card.explanation, moodle=True), guard=False
    )


def _cloze_questions(card: Cloze, md: bool) -> list[tuple[str, str]]:
    """(title, question) per deletion number: Moodle's missing-word form, the answer block
    where the deletion is, the other deletions filled in."""
    questions = []
    for number in cloze.numbers(card.text):
        shown = cloze.DELETION.sub(partial(_gap_or_answer, number), card.text)
        accepted = cloze.ClozeDeletion(card, number).accepted()
        general = f"####{text(card.explanation, md)}" if card.explanation else ""
        block = "{" + " ".join(f"={escape(a)}" for a in accepted) + general + "}"
        body = text(shown, md).replace(_GAP, block, 1)
        questions.append((cloze.sub_id(card.id, number), body))
    return questions


def _gap_or_answer(number: int, match: re.Match[str]) -> str:
    return _GAP if int(match.group(1)) == number else match.group(2)


def _cloze_problem(card: Cloze) -> str | None:
    for number in cloze.numbers(card.text):
        if len(cloze.answers_of(card.text, number)) > 1:
            return f"c{number} appears more than once, and a GIFT question holds one blank"
    return None


def _unwritable(card) -> str | None:
    """Why GIFT cannot hold this card, or None. `->` cannot be escaped in GIFT, and Moodle reads
    it as the matching arrow wherever `=` answers are parsed."""
    if isinstance(card, Matching):
        for pair in card.pairs:
            if "->" in pair.left:
                return f'the left item "{pair.left}" contains "->", which GIFT cannot escape'
    answers = card.answers if isinstance(card, ShortAnswer) else []
    if isinstance(card, Cloze):
        answers = [a for n in cloze.numbers(card.text) for a in cloze.answers_of(card.text, n)]
        answers += [a for more in card.accept.values() for a in more]
    for answer in answers:
        if "->" in answer:
            return f'the answer "{answer}" contains "->", which GIFT cannot escape'
    if isinstance(card, Cloze):
        return _cloze_problem(card)
    return None


def _kind_note(card) -> str:
    if isinstance(card, Order):
        return "order card as matching: pair each step with its position"
    if isinstance(card, Flashcard):
        return "flashcard as essay: the back is the general feedback"
    if isinstance(card, Cloze):
        return "cloze deletion as a missing-word short answer"
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
                md = uses_markup(card)
                if isinstance(card, Cloze):
                    for title, body in _cloze_questions(card, md):
                        parts.append(f"// {title} · {_kind_note(card)}\n::{escape(title)}::{body}")
                    export.cards += 1
                    continue
                answers, note = _answers(card, md)
                if note:
                    export.skipped.append(f"card {card.id} ({card.kind}) approximated: {note}")
                parts.append(
                    f"// {card.id} · {_kind_note(card)}\n"
                    f"::{escape(card.id)}::{text(card.prompt_text(), md)} {answers}"
                )
                export.cards += 1
    export.text = "\n\n".join(parts) + "\n"
    return export
