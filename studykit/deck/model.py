"""What a deck and a card are: the YAML format, as pydantic models.

A deck file holds deck metadata, a topic graph (`learn_before` prerequisites) and a list of cards.
Every card has a stable `id` (progress is keyed by it), a `kind` that selects its shape, a `topic`,
an `explanation`, optional `refs` and a `lab` link. The seven kinds are a discriminated union on
`kind`, so `studykit deck schema` can export a JSON Schema that editors use to check decks.

Checks within one card (an answer letter within the choices) live here as validators, so every
consumer of a Deck gets a consistent object. Checks across cards and decks (unique ids, a card's
topic exists, `learn_before` names a known topic in any loaded deck) belong to the loader.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Stable identifiers: lowercase, digits, dot, dash, underscore. They key the learner's progress.
IdStr = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", min_length=1, max_length=80)]
Text = Annotated[str, Field(min_length=1)]

CARD_KINDS = ("flashcard", "mcq", "multi", "true_false", "matching", "order", "short")
LETTERS = string.ascii_uppercase


class _Strict(BaseModel):
    """Unknown keys are errors: a typo like `explaination:` must not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LabLink(_Strict):
    """A card's link to a lab: `lab: prompt-vs-prefix` or the long form with params."""

    name: IdStr
    params: dict[str, Any] = Field(default_factory=dict)
    notice: str | None = Field(default=None, description="What the learner should look for.")


class Choice(_Strict):
    """One option of an mcq or multi card; `why` is the feedback shown when it is picked."""

    text: Text
    why: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class _CardBase(_Strict):
    id: IdStr
    topic: IdStr
    tags: list[str] = Field(default_factory=list)
    explanation: str = Field(default="", description="Why the answer is right.")
    refs: list[str] = Field(default_factory=list, description="e.g. 'arXiv 2104.08691'.")
    lab: LabLink | None = None

    @field_validator("lab", mode="before")
    @classmethod
    def _lab_shorthand(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    def prompt_text(self) -> str:
        """The text a learner reads first (used by lint, listings and exports)."""
        raise NotImplementedError


class Flashcard(_CardBase):
    kind: Literal["flashcard"]
    front: Text
    back: Text

    def prompt_text(self) -> str:
        return self.front


def _letter_index(letter: str, choices: list[Choice]) -> int:
    letter = letter.strip().upper()
    allowed = LETTERS[: len(choices)]
    if len(letter) != 1 or letter not in allowed:
        raise ValueError(
            f'answer "{letter}" is not one of the choices {allowed[0]}-{allowed[-1]}'
        )
    return allowed.index(letter)


class MultipleChoice(_CardBase):
    """One correct choice, named by its letter (A is the first choice)."""

    kind: Literal["mcq"]
    question: Text
    choices: list[Choice] = Field(min_length=2, max_length=26)
    answer: str = Field(description="Letter of the correct choice, e.g. B.")

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> MultipleChoice:
        self.answer = LETTERS[_letter_index(self.answer, self.choices)]
        return self

    @property
    def correct_index(self) -> int:
        return LETTERS.index(self.answer)

    def prompt_text(self) -> str:
        return self.question


class MultipleSelect(_CardBase):
    """Several correct choices, named by their letters."""

    kind: Literal["multi"]
    question: Text
    choices: list[Choice] = Field(min_length=2, max_length=26)
    answers: list[str] = Field(min_length=1, description="Letters of every correct choice.")

    @model_validator(mode="after")
    def _answers_are_choices(self) -> MultipleSelect:
        indexes = sorted({_letter_index(a, self.choices) for a in self.answers})
        self.answers = [LETTERS[i] for i in indexes]
        return self

    @property
    def correct_indexes(self) -> list[int]:
        return [LETTERS.index(a) for a in self.answers]

    def prompt_text(self) -> str:
        return self.question


class TrueFalse(_CardBase):
    kind: Literal["true_false"]
    statement: Text
    answer: bool
    why_true: str | None = Field(default=None, description="Feedback when 'true' is picked.")
    why_false: str | None = Field(default=None, description="Feedback when 'false' is picked.")

    def prompt_text(self) -> str:
        return self.statement


class Pair(_Strict):
    left: Text
    right: Text


class Matching(_CardBase):
    """Match each left item to its right item; the pairs are listed correctly matched."""

    kind: Literal["matching"]
    prompt: Text
    pairs: list[Pair] = Field(min_length=2)

    @model_validator(mode="after")
    def _sides_are_distinct(self) -> Matching:
        for side in ("left", "right"):
            values = [getattr(p, side) for p in self.pairs]
            if len(set(values)) != len(values):
                raise ValueError(f"two pairs share the same {side} item; make each unique")
        return self

    def prompt_text(self) -> str:
        return self.prompt


class Order(_CardBase):
    """Put the steps in order; they are listed in the correct order."""

    kind: Literal["order"]
    prompt: Text
    steps: list[Text] = Field(min_length=2)

    @model_validator(mode="after")
    def _steps_are_distinct(self) -> Order:
        if len(set(self.steps)) != len(self.steps):
            raise ValueError("two steps have the same text; make each unique")
        return self

    def prompt_text(self) -> str:
        return self.prompt


class ShortAnswer(_CardBase):
    """A typed answer; any of `answers` is accepted, ignoring case and extra whitespace."""

    kind: Literal["short"]
    question: Text
    answers: list[Text] = Field(min_length=1)

    def prompt_text(self) -> str:
        return self.question


Card = Annotated[
    Flashcard | MultipleChoice | MultipleSelect | TrueFalse | Matching | Order | ShortAnswer,
    Field(discriminator="kind"),
]


class Topic(_Strict):
    id: IdStr
    title: Text
    description: str | None = None
    learn_before: list[IdStr] = Field(default_factory=list, description="Prerequisite topic ids.")


class Deck(_Strict):
    id: IdStr
    title: Text
    description: Text
    authors: list[str] = Field(default_factory=list)
    version: str | None = None
    tags: list[str] = Field(default_factory=list)
    topics: list[Topic] = Field(min_length=1)
    cards: list[Card] = Field(min_length=1)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)
