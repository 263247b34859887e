"""Markdown export for printing: every card with its answer, feedback and explanation.

Layout, per deck: `# title`, the description, then `## topic` sections holding `### card-id · Kind`
entries and a `---` rule after each card. Inside a card every field is one paragraph or one list,
labelled in bold (`**Answer:**`, `**Feedback:**`, `**Explanation:**`, …). Card text keeps its
Markdown subset (deck/markup.py: code, emphasis, lists, links) and everything else is escaped, so
a Markdown renderer shows what the study screen shows; titles, ids, tags, refs and accepted
answers are plain text, escaped whole. Line breaks become hard breaks. A `\r\n` or a lone `\r` is
a line break too (CommonMark starts a new line at a bare `\r`, so `"What?\r# Heading"` would
otherwise print a heading): every line end is made `\n` before the text is written.
`--quiz` prints a quiz instead (export/quiz.py).
"""

from __future__ import annotations

from studykit.deck import cloze, markup
from studykit.deck.export.plain import cards_by_topic, cloze_answers
from studykit.deck.markup import HARD_BREAK, escape_line
from studykit.deck.model import (
    KIND_NAMES,
    LETTERS,
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
from studykit.deck.text import clean_text

__all__ = ["HARD_BREAK", "deck_markdown", "escape_line", "plain", "text", "to_markdown"]


def plain(value: str, indent: int = 0) -> str:
    """Plain text (a title, an id, a tag) as one Markdown block, every special character
    escaped; continuation lines are indented to stay in a list item."""
    value, _ = clean_text(value)  # line ends as \n, no control characters
    return (HARD_BREAK + " " * indent).join(escape_line(line) for line in value.split("\n"))


def text(value: str, indent: int = 0) -> str:
    """Card text as Markdown: its subset kept, the rest escaped (see deck/markup.py)."""
    value, _ = clean_text(value)
    return markup.to_markdown(value, indent=indent)


def _after_label(label: str, value: str, indent: int) -> str:
    """`label value`, or the label alone on its line when the value opens with a code block or
    a list (neither can start in the middle of a line)."""
    written = text(value, indent=indent)
    blocks = markup.parse(clean_text(value)[0])
    if blocks and not isinstance(blocks[0], markup.Paragraph):
        return f"{label}\n\n{' ' * indent}{written}"
    return f"{label} {written}"


def _item(label: str, value: str) -> str:
    return "- " + _after_label(f"**{label}**", value, indent=2)


def _field(label: str, value: str) -> str:
    return _after_label(f"**{label}**", value, indent=0)


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
            blocks.append("\n".join(f"- {plain(answer, indent=2)}" for answer in card.answers))
        case Cloze():
            blocks += [text(cloze.blanked(card.text)), "**Answers:**"]
            blocks.append("\n".join(f"- {plain(line, indent=2)}" for line in cloze_answers(card)))
    if card.explanation:
        blocks.append(_field("Explanation:", card.explanation))
    if card.refs:
        blocks.append("**References:** " + plain("; ".join(card.refs)))
    if card.lab:
        params = ", ".join(f"{key}={value}" for key, value in card.lab.params.items())
        lab = f"{card.lab.name} ({params})" if params else card.lab.name
        blocks.append("**Lab:** " + plain(lab))
        if card.lab.notice:
            blocks.append(_field("Look for:", card.lab.notice))
    if card.tags:
        blocks.append("**Tags:** " + plain(", ".join(card.tags)))
    return blocks


def deck_markdown(deck: Deck) -> str:
    blocks = [f"# {plain(deck.title)}", text(deck.description)]
    meta = [f"deck {deck.id}", f"{len(deck.cards)} cards"]
    if deck.version:
        meta.insert(1, f"version {deck.version}")
    if deck.authors:
        meta.append("by " + ", ".join(deck.authors))
    blocks.append(plain(" · ".join(meta)))
    for topic_id, cards in cards_by_topic(deck):
        topic = deck.topic(topic_id)
        blocks.append(f"## {plain(topic.title if topic else topic_id)}")
        if topic and topic.description:
            blocks.append(text(topic.description))
        if topic and topic.learn_before:
            blocks.append("**Learn first:** " + plain(", ".join(topic.learn_before)))
        for card in cards:
            blocks.append(f"### {plain(card.id)} · {KIND_NAMES[card.kind]}")
            blocks += _card_body(card)
            blocks.append("---")
    return "\n\n".join(blocks) + "\n"


def to_markdown(decks: list[Deck]) -> str:
    """All decks, one after another, as a printable Markdown document."""
    return "\n".join(deck_markdown(deck) for deck in decks)
