"""Markdown export for printing: every card with its answer, feedback and explanation.

Layout, per deck: `# title`, the description, then `## topic` sections holding `### card-id · Kind`
entries and a `---` rule after each card. Inside a card every field is one paragraph or one list,
labelled in bold (`**Answer:**`, `**Feedback:**`, `**Explanation:**`, …). Card text is plain text,
not Markdown: characters Markdown would interpret are backslash-escaped and line breaks become
hard breaks, so the printout shows exactly what the deck says. A `\r\n` or a lone `\r` is a line
break too (CommonMark starts a new line at a bare `\r`, so `"What?\r# Heading"` would otherwise
print a heading): every line end is made `\n` before the text is escaped line by line.
"""

from __future__ import annotations

import re

from studykit.deck.export.plain import cards_by_topic
from studykit.deck.model import (
    KIND_NAMES,
    LETTERS,
    Deck,
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    ShortAnswer,
    TrueFalse,
)
from studykit.deck.text import clean_text

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# Characters that start a block (list, heading, quote, setext underline) when they open a line.
_LINE_START_SPECIAL = re.compile(r"^(\s*)([-+=#>]|\d{1,9}(?=[.)](?:\s|$)))")
HARD_BREAK = "\\\n"


def escape_line(line: str) -> str:
    """One line of plain text made literal in Markdown."""
    line = _INLINE_SPECIAL.sub(r"\\\1", line)
    match = _LINE_START_SPECIAL.match(line)
    if match is None:
        return line
    lead, marker = match.groups()
    if marker[0].isdigit():  # "1. x" would start a list: escape the dot or paren instead
        cut = len(lead) + len(marker)
        return f"{line[:cut]}\\{line[cut:]}"
    return f"{lead}\\{line[len(lead) :]}"


def text(value: str, indent: int = 0) -> str:
    """Plain text as one Markdown block; continuation lines are indented to stay in a list item."""
    value, _ = clean_text(value)  # line ends as \n, no control characters
    return (HARD_BREAK + " " * indent).join(escape_line(line) for line in value.split("\n"))


def _item(label: str, value: str) -> str:
    return f"- **{label}** {text(value, indent=2)}"


def _field(label: str, value: str) -> str:
    return f"**{label}** {text(value)}"


def _card_body(card) -> list[str]:
    """The blocks between a card's heading and its closing rule."""
    blocks: list[str] = []
    match card:
        case Flashcard():
            blocks += [text(card.front), _field("Answer:", card.back)]
        case MultipleChoice() | MultipleSelect():
            blocks.append(text(card.question))
            blocks.append(
                "\n".join(_item(f"{LETTERS[i]}.", c.text) for i, c in enumerate(card.choices))
            )
            if isinstance(card, MultipleChoice):
                blocks.append(f"**Answer:** {card.answer}")
            else:
                blocks.append(f"**Answers:** {', '.join(card.answers)}")
            feedback = [(LETTERS[i], c.why) for i, c in enumerate(card.choices) if c.why]
            if feedback:
                blocks.append("**Feedback:**")
                blocks.append("\n".join(_item(f"{letter}.", why) for letter, why in feedback))
        case TrueFalse():
            blocks += [text(card.statement), f"**Answer:** {'True' if card.answer else 'False'}"]
            sides = [("True:", card.why_true), ("False:", card.why_false)]
            if any(why for _, why in sides):
                blocks.append("**Feedback:**")
                blocks.append("\n".join(_item(label, why) for label, why in sides if why))
        case Matching():
            blocks += [text(card.prompt), "**Answer:**"]
            blocks.append(
                "\n".join(
                    f"- {text(p.left, indent=2)} → {text(p.right, indent=2)}" for p in card.pairs
                )
            )
        case Order():
            blocks += [text(card.prompt), "**Answer:**"]
            blocks.append(
                "\n".join(f"{n}. {text(step, indent=3)}" for n, step in enumerate(card.steps, 1))
            )
        case ShortAnswer():
            blocks += [text(card.question), "**Accepted answers:**"]
            blocks.append("\n".join(f"- {text(answer, indent=2)}" for answer in card.answers))
    if card.explanation:
        blocks.append(_field("Explanation:", card.explanation))
    if card.refs:
        blocks.append(_field("References:", "; ".join(card.refs)))
    if card.lab:
        params = ", ".join(f"{key}={value}" for key, value in card.lab.params.items())
        lab = f"{card.lab.name} ({params})" if params else card.lab.name
        blocks.append(_field("Lab:", lab))
        if card.lab.notice:
            blocks.append(_field("Look for:", card.lab.notice))
    if card.tags:
        blocks.append(_field("Tags:", ", ".join(card.tags)))
    return blocks


def deck_markdown(deck: Deck) -> str:
    blocks = [f"# {text(deck.title)}", text(deck.description)]
    meta = [f"deck {deck.id}", f"{len(deck.cards)} cards"]
    if deck.version:
        meta.insert(1, f"version {deck.version}")
    if deck.authors:
        meta.append("by " + ", ".join(deck.authors))
    blocks.append(text(" · ".join(meta)))
    for topic_id, cards in cards_by_topic(deck):
        topic = deck.topic(topic_id)
        blocks.append(f"## {text(topic.title if topic else topic_id)}")
        if topic and topic.description:
            blocks.append(text(topic.description))
        if topic and topic.learn_before:
            blocks.append(_field("Learn first:", ", ".join(topic.learn_before)))
        for card in cards:
            blocks.append(f"### {text(card.id)} · {KIND_NAMES[card.kind]}")
            blocks += _card_body(card)
            blocks.append("---")
    return "\n\n".join(blocks) + "\n"


def to_markdown(decks: list[Deck]) -> str:
    """All decks, one after another, as a printable Markdown document."""
    return "\n".join(deck_markdown(deck) for deck in decks)
