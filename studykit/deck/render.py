"""Decks and cards as rich renderables, for `studykit deck list` and `studykit deck show`.

Only presentation lives here: the answer key is read from the model (a correct choice is the one
the card names), never recomputed.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from studykit.deck import cloze
from studykit.deck.loader import DeckSource, LoadResult
from studykit.deck.model import (
    CARD_KINDS,
    LETTERS,
    AnyCard,
    Cloze,
    Deck,
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    Predict,
    ShortAnswer,
    TrueFalse,
)

KIND_SHORT = {
    "flashcard": "flash",
    "mcq": "mcq",
    "multi": "multi",
    "true_false": "t/f",
    "matching": "match",
    "order": "order",
    "short": "short",
    "cloze": "cloze",
    "predict": "predict",
}


def deck_listing(result: LoadResult) -> Group:
    """Per loaded deck: id and title, then (indented) its file, topics and cards by kind."""
    lines: list[RenderableType] = []
    for deck in result.decks:
        kinds: Counter[str] = Counter(card.kind for card in deck.cards)
        mix = ", ".join(f"{KIND_SHORT[k]} {kinds[k]}" for k in CARD_KINDS if kinds[k])
        source = result.sources.get(deck.id)
        lines.append(Text.assemble((deck.id, "bold cyan"), "  ", deck.title))
        details = Text(f"{source.file}\n" if source else "", style="dim")
        details.append(f"{len(deck.topics)} topics, {len(deck.cards)} cards: {mix}", style="")
        lines.append(Padding(details, (0, 0, 0, 2)))
    return Group(*lines)


def card_view(card: AnyCard, deck: Deck, source: DeckSource | None, index: int) -> RenderableType:
    """A card with its answer key, feedback, explanation, references and lab link."""
    topic = deck.topic(card.topic)
    where = ""
    if source is not None:
        line, _ = source.where("cards", index)
        where = f"  {source.file}:{line}"
    header = Text.assemble(
        (card.id, "bold cyan"),
        f"  {card.kind}",
        (f"  {deck.id} › {topic.title if topic else card.topic}", "dim"),
        (where, "dim"),
    )
    parts: list[RenderableType] = [header, Text()]
    parts += _body(card)
    if card.explanation:
        parts += [Text(), Text("Why", style="bold"), Text(card.explanation)]
    extras = []
    if card.refs:
        extras.append(Text("refs: " + "; ".join(card.refs), style="dim"))
    if card.lab:
        lab = card.lab
        params = ", ".join(f"{k}={v}" for k, v in lab.params.items())
        command = f"lab: studykit lab run {lab.name}" + (f"  ({params})" if params else "")
        if isinstance(card, Predict):
            command = f"predict: studykit lab {lab.name} --predict" + (
                f"  (runs with {params})" if params else ""
            )
        extras.append(Text(command, style="magenta"))
        if lab.notice:
            extras.append(Text(f"notice: {lab.notice}", style="dim"))
    if card.tags:
        extras.append(Text("tags: " + ", ".join(card.tags), style="dim"))
    if extras:
        parts += [Text(), *extras]
    return Panel(Group(*parts), expand=False)


def _body(card: AnyCard) -> list[RenderableType]:
    if isinstance(card, Flashcard):
        return [Text(card.front, style="bold"), Text(), Text("Back", style="bold"), Text(card.back)]
    if isinstance(card, MultipleChoice | MultipleSelect):
        right = (
            {card.correct_index} if isinstance(card, MultipleChoice) else set(card.correct_indexes)
        )
        lines: list[RenderableType] = [Text(card.question, style="bold")]
        for i, choice in enumerate(card.choices):
            mark = ("✓ ", "green") if i in right else ("  ", "")
            lines.append(Text.assemble(mark, f"{LETTERS[i]}. {choice.text}"))
            if choice.why:
                lines.append(Padding(Text(choice.why, style="dim"), (0, 0, 0, 5)))
        return lines
    if isinstance(card, TrueFalse):
        lines = [
            Text(card.statement, style="bold"),
            Text.assemble("answer: ", ("true" if card.answer else "false", "green")),
        ]
        for label, why in (("if true is picked", card.why_true), ("if false", card.why_false)):
            if why:
                lines.append(Padding(Text(f"{label}: {why}", style="dim"), (0, 0, 0, 2)))
        return lines
    if isinstance(card, Matching):
        table = Table(show_header=False, box=None, padding=(0, 1))
        for pair in card.pairs:
            table.add_row(escape(pair.left), "↔", escape(pair.right))
        return [Text(card.prompt, style="bold"), table]
    if isinstance(card, Order):
        steps = [Text(f"{n}. {step}") for n, step in enumerate(card.steps, start=1)]
        return [Text(card.prompt, style="bold"), *steps]
    if isinstance(card, ShortAnswer):
        accepted = " | ".join(card.answers)
        return [Text(card.question, style="bold"), Text.assemble("accepted: ", (accepted, "green"))]
    if isinstance(card, Cloze):
        lines = [Text(card.text, style="bold")]
        for number in cloze.numbers(card.text):
            accepted = " | ".join(cloze.ClozeDeletion(card, number).accepted())
            lines.append(Text.assemble(f"c{number}: ", (accepted, "green")))
        return lines
    if isinstance(card, Predict):
        return predict_body(card)
    raise TypeError(f"unknown card type {type(card).__name__}")


def predict_lines(card: Predict) -> list[str]:
    """A predict card's options as plain lines: its choices (lettered; to be ordered, for an
    order observable) or the number to type and its tolerance. No answer: the run decides."""
    if card.choices:
        return [f"{LETTERS[i]}. {c.text}  → {c.value}" for i, c in enumerate(card.choices)]
    if card.tolerance is not None:
        return [f"type a number; right within ± {card.tolerance:g} of the measured value"]
    return [
        f"type a number; right within ± {card.relative_tolerance or 0:.0%} of the measured value"
    ]


def predict_body(card: Predict) -> list[RenderableType]:
    lines: list[RenderableType] = [Text(card.question, style="bold")]
    lines += [Text(line) for line in predict_lines(card)]
    lines.append(
        Text.assemble(
            "answer: ", (f"what the run measures as {card.observe}", "green"), " (no fixed key)"
        )
    )
    return lines
