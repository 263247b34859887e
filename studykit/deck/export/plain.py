"""Plain-text renderings of a card's question and answer, shared by the flat export formats.

CSV cells (and anything else without markup) need one readable string for "what is asked" and one
for "what is right". Choices are lettered A, B, C… as in the deck file; matching and order cards
list the right-hand items and steps sorted alphabetically on the question side, so the question
never gives the answer away. Card text is kept as written, Markdown and all; a cloze card's
question shows every deletion as [...] and its answer lists them (`c1: k·d`).
"""

from __future__ import annotations

from studykit.deck import cloze
from studykit.deck.model import (
    LETTERS,
    Cloze,
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    ShortAnswer,
    TrueFalse,
)


def question_text(card) -> str:
    """The prompt followed by whatever the learner picks from, one item per line."""
    match card:
        case Flashcard():
            return card.front
        case MultipleChoice() | MultipleSelect():
            lines = [f"{LETTERS[i]}. {choice.text}" for i, choice in enumerate(card.choices)]
            return "\n".join([card.question, *lines])
        case TrueFalse():
            return card.statement
        case Matching():
            lefts = [f"- {pair.left}" for pair in card.pairs]
            rights = [f"  * {right}" for right in sorted(p.right for p in card.pairs)]
            return "\n".join([card.prompt, *lefts, "Match with:", *rights])
        case Order():
            return "\n".join([card.prompt, *(f"- {step}" for step in sorted(card.steps))])
        case ShortAnswer():
            return card.question
        case Cloze():
            return cloze.blanked(card.text)
    raise TypeError(f"unknown card kind: {card!r}")


def answer_text(card) -> str:
    """The right answer, readable on its own; several items go one per line."""
    match card:
        case Flashcard():
            return card.back
        case MultipleChoice():
            return f"{card.answer}. {card.choices[card.correct_index].text}"
        case MultipleSelect():
            return "\n".join(f"{LETTERS[i]}. {card.choices[i].text}" for i in card.correct_indexes)
        case TrueFalse():
            return "True" if card.answer else "False"
        case Matching():
            return "\n".join(f"{pair.left} -> {pair.right}" for pair in card.pairs)
        case Order():
            return "\n".join(f"{n}. {step}" for n, step in enumerate(card.steps, start=1))
        case ShortAnswer():
            return "\n".join(card.answers)
        case Cloze():
            return "\n".join(cloze_answers(card))
    raise TypeError(f"unknown card kind: {card!r}")


def cloze_answers(card: Cloze) -> list[str]:
    """One line per deletion number: `c1: k·d (also k*d, kd)`."""
    lines = []
    for number in cloze.numbers(card.text):
        expected, *also = cloze.ClozeDeletion(card, number).accepted()
        lines.append(f"c{number}: {expected}" + (f" (also {', '.join(also)})" if also else ""))
    return lines


def lab_text(card) -> str:
    """A card's lab link as `name key=value …` ("" when it has none)."""
    if card.lab is None:
        return ""
    return " ".join([card.lab.name, *(f"{k}={v}" for k, v in card.lab.params.items())])


def cards_by_topic(deck) -> list[tuple[str, list]]:
    """The deck's cards grouped by topic: the deck's topic order first, then any topic a card
    borrows from another deck, in order of first use. Topics without cards are left out."""
    groups: dict[str, list] = {topic.id: [] for topic in deck.topics}
    for card in deck.cards:
        groups.setdefault(card.topic, []).append(card)
    return [(topic_id, cards) for topic_id, cards in groups.items() if cards]
