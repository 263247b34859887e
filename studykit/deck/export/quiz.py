"""A printable quiz in Markdown (`deck export --to markdown --quiz`): questions, then the key.

Questions are numbered through the whole document, grouped by deck and topic, with what the
learner picks from: choices lettered as in the deck, matching right-hand items and order steps
shuffled (so the printout is not its own solution) with a shuffle drawn from the card id, so every
export of the same deck prints the same quiz. A cloze card asks each deletion number in turn.
The answer key at the end gives, per number, the answer and the explanation.
"""

from __future__ import annotations

import hashlib
import random

from studykit.deck import cloze
from studykit.deck.export.markdown import plain, text
from studykit.deck.export.plain import cards_by_topic
from studykit.deck.model import (
    KIND_NAMES,
    LETTERS,
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

WRITE_HERE = "Answer: ______________________"


def shuffled(card_id: str, n: int) -> list[int]:
    """A fixed order of range(n) for this card, never the identity (that would be the answer)."""
    seed = int.from_bytes(hashlib.sha256(card_id.encode("utf-8")).digest()[:8], "big")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    if n > 1 and order == list(range(n)):
        order = order[1:] + order[:1]
    return order


def _lettered(items: list[str]) -> str:
    return "\n".join(f"- **{LETTERS[i]}.** {text(item, indent=2)}" for i, item in enumerate(items))


def _question(card: AnyCard, number: int | None = None) -> list[str]:
    """The blocks that ask `card` (for a cloze card, deletion `number`)."""
    match card:
        case Flashcard():
            return [text(card.front), WRITE_HERE]
        case MultipleChoice() | MultipleSelect():
            hint = "*Select all that apply.*" if isinstance(card, MultipleSelect) else ""
            choices = _lettered([c.text for c in card.choices])
            return [text(card.question), *([hint] if hint else []), choices]
        case TrueFalse():
            return [text(card.statement), "True / False"]
        case Matching():
            order = shuffled(card.id, len(card.pairs))
            lefts = "\n".join(
                f"{n}. {text(p.left, indent=3)}" for n, p in enumerate(card.pairs, start=1)
            )
            rights = _lettered([card.pairs[i].right for i in order])
            return [text(card.prompt), lefts, "*Match each with one of:*", rights]
        case Order():
            order = shuffled(card.id, len(card.steps))
            steps = _lettered([card.steps[i] for i in order])
            return [text(card.prompt), "*Put in order:*", steps]
        case ShortAnswer():
            return [text(card.question), WRITE_HERE]
        case Cloze():
            asked = cloze.unmark(cloze.show(card.text, number))
            return [text(asked), WRITE_HERE]
    raise TypeError(f"unknown card kind: {card!r}")


def _answer(card: AnyCard, number: int | None = None) -> str:
    """The key's answer for `card`: letters as printed in the quiz, or the text."""
    match card:
        case Flashcard():
            return text(card.back, indent=3)
        case MultipleChoice():
            return f"{card.answer}. {text(card.choices[card.correct_index].text, indent=3)}"
        case MultipleSelect():
            return ", ".join(card.answers)
        case TrueFalse():
            return "True" if card.answer else "False"
        case Matching():
            order = shuffled(card.id, len(card.pairs))
            return ", ".join(
                f"{n} → {LETTERS[order.index(n - 1)]}" for n in range(1, len(order) + 1)
            )
        case Order():
            order = shuffled(card.id, len(card.steps))
            return ", ".join(LETTERS[order.index(step)] for step in range(len(order)))
        case ShortAnswer():
            return plain(" | ".join(card.answers))
        case Cloze():
            assert number is not None
            return plain(" | ".join(cloze.ClozeDeletion(card, number).accepted()))
    raise TypeError(f"unknown card kind: {card!r}")


def _asked(card: AnyCard) -> list[int | None]:
    """What one card asks: each deletion number of a cloze card, else the card once."""
    return list(cloze.numbers(card.text)) if isinstance(card, Cloze) else [None]


def to_quiz(decks: list[Deck]) -> str:
    """All decks as one quiz: numbered questions, then the answer key."""
    blocks: list[str] = []
    key: list[str] = ["# Answer key"]
    number = 0
    for deck in decks:
        blocks += [f"# {plain(deck.title)}", text(deck.description)]
        for topic_id, cards in cards_by_topic(deck):
            topic = deck.topic(topic_id)
            blocks.append(f"## {plain(topic.title if topic else topic_id)}")
            for card in cards:
                for deletion in _asked(card):
                    number += 1
                    blocks.append(f"### {number}. {KIND_NAMES[card.kind]}")
                    blocks += _question(card, deletion)
                    entry = f"{number}. **{_answer(card, deletion)}**"
                    if card.explanation:
                        entry += "  \n   " + text(card.explanation, indent=3)
                    key.append(entry)
    return "\n\n".join([*blocks, "---", *key]) + "\n"
