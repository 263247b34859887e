"""What a deck and a card are: the YAML format, as pydantic models.

A deck file holds deck metadata, a topic graph (`learn_before` prerequisites) and a list of cards.
Every card has a stable `id` (progress is keyed by it), a `kind` that selects its shape, a `topic`,
an `explanation`, optional `refs` and a `lab` link. The nine kinds are a discriminated union on
`kind`, so `studykit deck schema` can export a JSON Schema that editors use to check decks.

Checks within one card (an answer letter within the choices) live here as validators, so every
consumer of a Deck gets a consistent object. Checks across cards and decks (unique ids, a card's
topic exists, `learn_before` names a known topic in any loaded deck) belong to the loader.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from studykit.deck import cloze, numbers

# Stable identifiers: lowercase, digits, dot, dash, underscore. They key the learner's progress.
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
IdStr = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=80)]

# How much text one card may hold (docs/deck-format.md, "Text"). A card is read on a screen; and
# Unicode normalisation of a typed answer is quadratic in runs of combining marks, so a 240 KB
# answer froze grading for 16 s. The bounds are far above any real card (the bundled decks stay
# under 600 characters per text) and keep rendering, grading and lint in milliseconds.
MAX_TEXT = 10_000  # a question, a back, an explanation, a feedback: one text of a card
MAX_ITEM = 1_000  # a choice, a matching item, a step, a title, a tag, a ref
MAX_ANSWER = 200  # an accepted short answer
MAX_TYPED = 1_000  # a typed reply: the answer box takes no more, and grading reads no more
MAX_PARTS = 26  # choices, matching pairs, steps: one letter key each on the study screen

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Item = Annotated[str, Field(min_length=1, max_length=MAX_ITEM)]
AcceptedAnswer = Annotated[str, Field(min_length=1, max_length=MAX_ANSWER)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# `learn_before: backprop` is short for `learn_before: [backprop]`; the same goes for every list of
# text (tags, refs, authors, the answers of short and multi cards).
TextList = Annotated[
    list[Item], BeforeValidator(_one_or_many, json_schema_input_type=list[Item] | Item)
]
AnswerList = Annotated[
    list[AcceptedAnswer],
    BeforeValidator(_one_or_many, json_schema_input_type=list[AcceptedAnswer] | AcceptedAnswer),
]
IdList = Annotated[
    list[IdStr], BeforeValidator(_one_or_many, json_schema_input_type=list[IdStr] | IdStr)
]

CARD_KINDS = (
    "flashcard",
    "mcq",
    "multi",
    "true_false",
    "matching",
    "order",
    "short",
    "cloze",
    "predict",
)
# Each kind as a learner reads it: the study screen, Anki's "Kind" field, Markdown headings.
KIND_NAMES = {
    "flashcard": "Flashcard",
    "mcq": "Multiple choice",
    "multi": "Select all that apply",
    "true_false": "True or false",
    "matching": "Matching",
    "order": "Put in order",
    "short": "Short answer",
    "cloze": "Fill in the blank",
    "predict": "Predict, then run",
}
LETTERS = string.ascii_uppercase


class _Strict(BaseModel):
    """Unknown keys are errors: a typo like `explaination:` must not pass silently.

    Numbers where text is expected are taken as text (`answers: [42]`, `version: 2`); quote them
    to keep an exact spelling such as `"1e-3"`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class LabLink(_Strict):
    """A card's link to a lab: `lab: prompt-vs-prefix` or the long form with params."""

    name: IdStr
    params: dict[str, Any] = Field(default_factory=dict)
    notice: str | None = Field(
        default=None, max_length=MAX_TEXT, description="What the learner should look for."
    )


def _lab_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


# `lab: prompt-vs-prefix` is short for `lab: {name: prompt-vs-prefix}`; the schema admits both.
LabField = Annotated[
    LabLink | None, BeforeValidator(_lab_shorthand, json_schema_input_type=LabLink | IdStr | None)
]


class Choice(_Strict):
    """One option of an mcq or multi card; `why` is the feedback shown when it is picked."""

    text: Item
    why: str | None = Field(
        default=None, max_length=MAX_TEXT, description="Feedback shown when this choice is picked."
    )


def _choice_shorthand(value: Any) -> Any:
    plain = isinstance(value, str | int | float) and not isinstance(value, bool)
    return {"text": value} if plain else value


# A choice may be written as plain text (`- The soft prompt`) when it needs no `why`.
ChoiceField = Annotated[
    Choice, BeforeValidator(_choice_shorthand, json_schema_input_type=Choice | str)
]


class _CardBase(_Strict):
    id: IdStr = Field(description="Stable id, unique across all decks; progress is keyed by it.")
    topic: IdStr = Field(description="Id of a topic of this deck.")
    tags: TextList = Field(default_factory=list)
    explanation: str = Field(
        default="", max_length=MAX_TEXT, description="Why the answer is right."
    )
    refs: TextList = Field(default_factory=list, description="e.g. 'arXiv 2104.08691'.")
    lab: LabField = Field(default=None, description="A lab that shows this card's idea live.")
    siblings: IdList = Field(
        default_factory=list,
        description="Names shared by cards that give each other's answers away: a sibling of "
        "a card seen today waits for another day.",
    )

    def prompt_text(self) -> str:
        """The text a learner reads first (used by lint, listings and exports)."""
        raise NotImplementedError


class Flashcard(_CardBase):
    kind: Literal["flashcard"]
    front: Text
    back: Text

    def prompt_text(self) -> str:
        return self.front


def _letter(letter: str, info: ValidationInfo, field: str = "answer") -> str:
    """`letter` as a capital within the card's choices; choices are validated before answers."""
    letter = letter.strip().upper()
    choices = info.data.get("choices")
    if choices is None:  # the choices themselves are wrong; that error is reported instead
        return letter
    allowed = LETTERS[: len(choices)]
    if len(letter) != 1 or letter not in allowed:
        raise ValueError(
            f'{field} "{letter}" is not one of the choices {allowed[0]}-{allowed[-1]}; '
            "name a choice by its letter"
        )
    return letter


def _distinct_choices(choices: list[Choice]) -> list[Choice]:
    texts = [c.text.casefold() for c in choices]
    for i, text in enumerate(texts):
        if text in texts[:i]:
            raise ValueError(
                f"choices {LETTERS[texts.index(text)]} and {LETTERS[i]} have the same text; "
                "make each choice different"
            )
    return choices


class MultipleChoice(_CardBase):
    """One correct choice, named by its letter (A is the first choice)."""

    kind: Literal["mcq"]
    question: Text
    choices: list[ChoiceField] = Field(min_length=2, max_length=MAX_PARTS)
    answer: str = Field(description="Letter of the correct choice, e.g. B.")

    _choices_differ = field_validator("choices")(_distinct_choices)

    @field_validator("answer")
    @classmethod
    def _answer_is_a_choice(cls, answer: str, info: ValidationInfo) -> str:
        return _letter(answer, info)

    @property
    def correct_index(self) -> int:
        return LETTERS.index(self.answer)

    def prompt_text(self) -> str:
        return self.question


class MultipleSelect(_CardBase):
    """Several correct choices, named by their letters."""

    kind: Literal["multi"]
    question: Text
    choices: list[ChoiceField] = Field(min_length=2, max_length=MAX_PARTS)
    answers: TextList = Field(min_length=1, description="Letters of every correct choice.")

    _choices_differ = field_validator("choices")(_distinct_choices)

    @field_validator("answers")
    @classmethod
    def _answers_are_choices(cls, answers: list[str], info: ValidationInfo) -> list[str]:
        letters = {_letter(a, info, f"answers[{i}]") for i, a in enumerate(answers)}
        return sorted(letters)

    @property
    def correct_indexes(self) -> list[int]:
        return [LETTERS.index(a) for a in self.answers]

    def prompt_text(self) -> str:
        return self.question


class TrueFalse(_CardBase):
    kind: Literal["true_false"]
    statement: Text
    answer: StrictBool = Field(description="true or false (yes/no are not accepted).")
    why_true: str | None = Field(
        default=None, max_length=MAX_TEXT, description="Feedback when 'true' is picked."
    )
    why_false: str | None = Field(
        default=None, max_length=MAX_TEXT, description="Feedback when 'false' is picked."
    )

    def prompt_text(self) -> str:
        return self.statement


class Pair(_Strict):
    left: Item
    right: Item


class Matching(_CardBase):
    """Match each left item to its right item; the pairs are listed correctly matched."""

    kind: Literal["matching"]
    prompt: Text
    pairs: list[Pair] = Field(
        min_length=2, max_length=MAX_PARTS, description="Listed correctly matched."
    )

    @field_validator("pairs")
    @classmethod
    def _sides_are_distinct(cls, pairs: list[Pair]) -> list[Pair]:
        for side in ("left", "right"):
            values = [getattr(p, side) for p in pairs]
            if len(set(values)) != len(values):
                raise ValueError(f"two pairs share the same {side} item; make each unique")
        return pairs

    def prompt_text(self) -> str:
        return self.prompt


class Order(_CardBase):
    """Put the steps in order; they are listed in the correct order."""

    kind: Literal["order"]
    prompt: Text
    steps: list[Item] = Field(
        min_length=2, max_length=MAX_PARTS, description="Listed in the correct order."
    )

    @field_validator("steps")
    @classmethod
    def _steps_are_distinct(cls, steps: list[str]) -> list[str]:
        if len(set(steps)) != len(steps):
            raise ValueError("two steps have the same text; make each unique")
        return steps

    def prompt_text(self) -> str:
        return self.prompt


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read `true` as 1.0
        raise ValueError("write a number such as 0.05, not true or false")
    return value


class ShortAnswer(_CardBase):
    """A typed answer; any of `answers` is accepted, folding case, whitespace, Unicode forms and
    punctuation at the ends; a numeric answer matches any spelling of its value."""

    kind: Literal["short"]
    question: Text
    answers: AnswerList = Field(min_length=1, description="Every accepted answer.")
    tolerance: Annotated[
        float | None, BeforeValidator(_not_a_bool, json_schema_input_type=float | None)
    ] = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="How far a typed number may be from a numeric answer, e.g. 0.05.",
    )

    @field_validator("tolerance")
    @classmethod
    def _tolerance_needs_a_number(cls, tolerance: float | None, info: ValidationInfo) -> Any:
        answers = info.data.get("answers")
        if tolerance is None or answers is None:  # no answers: that error is reported instead
            return tolerance
        if not any(numbers.parse_number(a) is not None for a in answers):
            raise ValueError(
                "a tolerance needs a numeric answer such as 2.4 (none of answers is a number); "
                "remove it or add the number"
            )
        return tolerance

    def prompt_text(self) -> str:
        return self.question


class Cloze(_CardBase):
    """Anki's cloze: `text` with deletions `{{c1::answer}}` (or `{{c1::answer::hint}}`); each
    deletion number is one study card (`deck/cloze.py`), answered by typing or by revealing."""

    kind: Literal["cloze"]
    text: Text = Field(description="Text with deletions: {{c1::answer}} or {{c1::answer::hint}}.")
    accept: dict[str, AnswerList] = Field(
        default_factory=dict,
        description="More typed answers to accept per deletion, e.g. {c1: [k*d, kd]}.",
    )

    @field_validator("text")
    @classmethod
    def _deletions_are_well_formed(cls, text: str) -> str:
        problems = cloze.cloze_problems(text, MAX_ANSWER)
        if problems:
            raise ValueError("; ".join(problems))
        return text

    @field_validator("accept")
    @classmethod
    def _accept_names_deletions(
        cls, accept: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        text = info.data.get("text")
        if text is None:  # the text is wrong; that error is reported instead
            return accept
        known = [f"c{n}" for n in cloze.numbers(text)]
        for key in accept:
            if key not in known:
                raise ValueError(
                    f'"{key}" is not a deletion of this card ({", ".join(known)}); '
                    "name a deletion such as c1"
                )
        return accept

    def prompt_text(self) -> str:
        return cloze.blanked(self.text)


class PredictChoice(_Strict):
    """One option of a predict card: the text a learner reads and the observable value it
    stands for (one of the lab's declared values)."""

    text: Item
    value: Annotated[str, Field(min_length=1, max_length=MAX_ANSWER)] = Field(
        description="The observable value this choice stands for."
    )


# A predict card must link to a lab (its answer key is what that lab measures); the shorthand
# `lab: NAME` still works.
RequiredLabField = Annotated[
    LabLink, BeforeValidator(_lab_shorthand, json_schema_input_type=LabLink | IdStr)
]
Tolerance = Annotated[
    float | None, BeforeValidator(_not_a_bool, json_schema_input_type=float | None)
]


class Predict(_CardBase):
    """Predict what a lab run will measure, then run it: the answer key is the run's
    measurement of the observable `observe` (never a value in the YAML).

    A `choice` observable takes `choices` mapping to its values; an `order` observable takes one
    choice per value (the learner orders them best first); a number (`int`, `float`, `percent`)
    takes no choices but exactly one of `tolerance` (absolute) or `relative_tolerance`. Whether
    `observe` and the values fit the lab's spec is checked by the loader against the catalogue."""

    kind: Literal["predict"]
    lab: RequiredLabField = Field(description="The lab whose run grades the prediction.")
    question: Text
    observe: Annotated[str, Field(min_length=1, max_length=80)] = Field(
        description="An observable the lab's spec declares, e.g. winner_on_new_task."
    )
    choices: list[PredictChoice] | None = Field(
        default=None,
        min_length=2,
        max_length=MAX_PARTS,
        description="For choice and order observables: each maps to an observable value.",
    )
    tolerance: Tolerance = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="For numbers: how far from the measured value a prediction is right.",
    )
    relative_tolerance: Tolerance = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="For numbers: the tolerance as a fraction of the measured value (0.1 = 10%).",
    )

    @field_validator("choices")
    @classmethod
    def _choices_differ(cls, choices: list[PredictChoice] | None) -> Any:
        if choices is None:
            return choices
        for attr in ("text", "value"):
            seen = [getattr(c, attr).casefold() for c in choices]
            for i, item in enumerate(seen):
                if item in seen[:i]:
                    raise ValueError(
                        f"choices {LETTERS[seen.index(item)]} and {LETTERS[i]} have the same "
                        f"{attr}; make each choice different"
                    )
        return choices

    @model_validator(mode="after")
    def _one_way_to_answer(self) -> Predict:
        tolerances = [t for t in (self.tolerance, self.relative_tolerance) if t is not None]
        if self.choices and tolerances:
            raise ValueError(
                "a predict card with choices takes no tolerance (that is for numbers); remove it"
            )
        if len(tolerances) > 1:
            raise ValueError(
                "give tolerance or relative_tolerance, not both; keep the one you mean"
            )
        if not self.choices and not tolerances:
            raise ValueError(
                "a predict card needs choices (for a choice or order observable) or, for a "
                "number, a tolerance: add `tolerance: 0` for an exact count"
            )
        return self

    @property
    def typed(self) -> bool:
        """The learner types a number (no choices)."""
        return not self.choices

    def prompt_text(self) -> str:
        return self.question


Card = Annotated[
    Flashcard
    | MultipleChoice
    | MultipleSelect
    | TrueFalse
    | Matching
    | Order
    | ShortAnswer
    | Cloze
    | Predict,
    Field(discriminator="kind"),
]
# The same union without the discriminator, for type annotations (`card: AnyCard`).
AnyCard = (
    Flashcard
    | MultipleChoice
    | MultipleSelect
    | TrueFalse
    | Matching
    | Order
    | ShortAnswer
    | Cloze
    | Predict
)
CARD_CLASSES: dict[str, type[_CardBase]] = {
    "flashcard": Flashcard,
    "mcq": MultipleChoice,
    "multi": MultipleSelect,
    "true_false": TrueFalse,
    "matching": Matching,
    "order": Order,
    "short": ShortAnswer,
    "cloze": Cloze,
    "predict": Predict,
}


class Topic(_Strict):
    id: IdStr
    title: Item
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    learn_before: IdList = Field(
        default_factory=list, description="Ids of topics to learn first (from any deck)."
    )


class Deck(_Strict):
    id: IdStr
    title: Item
    description: Text
    authors: TextList = Field(default_factory=list)
    version: str | None = Field(default=None, max_length=MAX_ITEM)
    tags: TextList = Field(default_factory=list)
    topics: list[Topic] = Field(min_length=1)
    cards: list[Card] = Field(min_length=1)
    siblings: Literal["topic"] | None = Field(
        default=None,
        description="`topic`: the cards of one topic are siblings (see a card's `siblings`).",
    )

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def study_cards(self) -> list[cloze.StudyCard]:
        """The cards a learner studies: a cloze card is one per deletion number."""
        return cloze.study_cards(self.cards)


# pydantic emits only keywords that draft-07 knows (plus OpenAPI's `discriminator`, which
# validators ignore); YAML language servers support draft-07, so the schema says that.
SCHEMA_URL = "http://json-schema.org/draft-07/schema#"


def deck_json_schema() -> dict[str, Any]:
    """The JSON Schema of a deck file, for editors (`studykit deck schema`)."""
    schema = Deck.model_json_schema()
    return {"$schema": SCHEMA_URL, **schema, "title": "studykit deck"}
