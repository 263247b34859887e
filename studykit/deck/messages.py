"""Pydantic's validation errors, rewritten as the one-line messages deck authors act on.

pydantic says "Input should be a valid string" at `('cards', 3, 'mcq', 'front')`; an author needs
`card pt-07: "front" should be text, got a list` at line 42. This module does the rewording: it
finds the card, names the field by its path inside the card, and adds the fix.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from studykit.deck.errors import one_line
from studykit.deck.model import (
    CARD_CLASSES,
    CARD_KINDS,
    Choice,
    Deck,
    LabLink,
    Pair,
    PredictChoice,
    Topic,
)

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

_KINDS = ", ".join(CARD_KINDS)


def _field_names(*models: type[BaseModel]) -> list[str]:
    return sorted({name for model in models for name in model.model_fields})


# Every key a deck file may use anywhere: the fallback for "did you mean" suggestions.
_KNOWN_KEYS = _field_names(
    Deck, Topic, Choice, PredictChoice, Pair, LabLink, *CARD_CLASSES.values()
)
# The keys allowed under each list or mapping, by its name (in a card, or in the deck).
_CARD_PARTS: dict[str, type[BaseModel]] = {"choices": Choice, "pairs": Pair, "lab": LabLink}
_DECK_PARTS: dict[str, type[BaseModel]] = {"topics": Topic}


def _allowed_keys(parent: tuple[Any, ...], kind: str | None, in_card: bool) -> list[str]:
    """The keys a mapping at `parent` may hold, so a suggestion fits where the typo is."""
    names = [step for step in parent if isinstance(step, str)]
    if in_card:
        if not names:
            return (
                _field_names(CARD_CLASSES[kind]) if kind else _field_names(*CARD_CLASSES.values())
            )
        model = _CARD_PARTS.get(names[-1])
        if kind == "predict" and names[-1] == "choices":
            model = PredictChoice
    else:
        model = Deck if not names else _DECK_PARTS.get(names[-1])
    return _field_names(model) if model else _KNOWN_KEYS


# Where a key that is unknown at one level belongs one level up or down: (parent or child
# model, how a message names that place). An `answer:` indented into the last choice, or a lab's
# `params:` dedented to the card, is a misplaced key, not one to delete.
_PART_NAMES = {"choices": "a choice", "pairs": "a pair", "lab": "the lab link", "topics": "a topic"}
_PARTS_OF_KIND = {"mcq": ("choices",), "multi": ("choices",), "matching": ("pairs",)}


def _belongs_elsewhere(
    key: str, parent: tuple[Any, ...], kind: str | None, in_card: bool
) -> tuple[str, str] | None:
    """("belongs to the card", "a choice") when `key`, unknown in the mapping at `parent`, is a
    key of the mapping one level up or down; else None."""
    names = [step for step in parent if isinstance(step, str)]
    if in_card and names and names[-1] in _CARD_PARTS:  # in a choice, a pair or the lab link
        card_keys = _field_names(CARD_CLASSES[kind]) if kind else _KNOWN_CARD_KEYS
        if key in card_keys:
            return "belongs to the card", _PART_NAMES[names[-1]]
        return None
    if in_card and not names:  # at the card's own level
        parts = (*(_PARTS_OF_KIND.get(kind, ()) if kind else ("choices", "pairs")), "lab")
        for part in parts:
            if key in _CARD_PARTS[part].model_fields:
                place = (
                    "under `lab:`" if part == "lab" else f"under {_PART_NAMES[part]} (in `{part}:`)"
                )
                return f"belongs {place}", "the card"
        return None
    if not in_card and names == ["topics"] and key in Deck.model_fields:
        return "belongs to the deck, not to a topic", _PART_NAMES["topics"]
    if not in_card and not names and key in Topic.model_fields:
        return "belongs under a topic (in `topics:`)", "the deck"
    return None


_KNOWN_CARD_KEYS = _field_names(*CARD_CLASSES.values())


@dataclass(frozen=True)
class Rewritten:
    path: tuple[Any, ...]  # the error's location as keys and indexes into the data
    at_key: bool  # point at the key itself (unknown keys) rather than its value
    card: str | None  # the id of the card the error is in, when there is one
    message: str


def rewrite(error: ErrorDetails, data: Any) -> Rewritten:
    """One pydantic error (from `ValidationError.errors()`) as a message for a deck author."""
    path = _data_path(data, error["loc"])
    card_id, field_path, container = _split_card(data, path)
    kind = container.get("kind") if isinstance(container, dict) else None
    kind = kind if isinstance(kind, str) and kind in CARD_KINDS else None
    message = _message(error, field_path, kind, in_card=container is not data)
    return Rewritten(path, error["type"] == "extra_forbidden", card_id, message)


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The parts of pydantic's `loc` that index into the data (drops union tags and the like).

    A missing key is kept as the last element, so messages can name it.
    """
    path: list[Any] = []
    value = data
    for i, step in enumerate(loc):
        in_dict = isinstance(value, dict) and isinstance(step, str) and step in value
        in_list = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
        if in_dict or in_list:
            path.append(step)
            value = value[step]
        elif i == len(loc) - 1 and isinstance(value, dict) and isinstance(step, str):
            if step in CARD_KINDS and value.get("kind") == step:
                break  # the union's tag: an error of the whole card (a card-level check)
            path.append(step)  # a missing or unknown key, named by the error
    return tuple(path)


def _split_card(data: Any, path: tuple[Any, ...]) -> tuple[str | None, tuple[Any, ...], Any]:
    """(card id, path inside the card, the card's data) for errors under `cards`, else the deck."""
    if len(path) >= 2 and path[0] == "cards" and isinstance(data, dict):
        card = data["cards"][path[1]]
        card_id = card.get("id") if isinstance(card, dict) else None
        return (card_id if isinstance(card_id, str) else None), path[2:], card
    return None, path, data


def _dotted(path: tuple[Any, ...]) -> str:
    """('choices', 2, 'why') -> 'choices[2].why'."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the text "{clip(value)}"'
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def clip(text: object, width: int = 40) -> str:
    """An author's value, short and on one line, to quote in a message."""
    return one_line(" ".join(str(text).split()), width)


def _message(error: ErrorDetails, field_path: tuple, kind: str | None, in_card: bool) -> str:
    """The sentence for one error at `field_path` (inside the card, when `in_card`)."""
    kind_of, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    field = clip(_dotted(field_path), 60)
    name = f'"{field}"' if field_path else ("a card" if in_card else "a deck file")
    if kind_of == "missing":
        owner = clip(_dotted(field_path[:-1]), 60)
        if owner:
            whose = f'"{owner}"'
        else:
            whose = f"a {kind} card" if kind else ("a card" if in_card else "the deck")
        return f'{whose} needs "{clip(field_path[-1])}"; add it'
    if kind_of == "extra_forbidden":
        key = field_path[-1] if field_path else field
        allowed = _allowed_keys(field_path[:-1], kind, in_card)
        close = difflib.get_close_matches(str(key), [k for k in allowed if k != key], n=1)
        hint = f'; did you mean "{close[0]}"?' if close else "; remove it"
        where = f" in a {kind} card" if kind and len(field_path) == 1 else ""
        if misplaced := _belongs_elsewhere(str(key), field_path[:-1], kind, in_card):
            where = where or f" in {misplaced[1]}"
            hint = f"; check the indentation: `{clip(key)}` {misplaced[0]}"
        return f'unknown key "{clip(key)}"{where}{hint}'
    if kind_of == "union_tag_invalid":
        return f'unknown kind "{ctx.get("tag")}"; use one of {_KINDS}'
    if kind_of == "union_tag_not_found":
        return f'the card has no "kind"; add kind: with one of {_KINDS}'
    if kind_of in ("model_attributes_type", "model_type", "dict_type"):
        if name == "a deck file":
            return (
                f"a deck file is a mapping (id:, title:, topics:, cards: …), not {_describe(value)}"
            )
        if name == "a card":
            return f"a card is a mapping (kind:, id:, topic: …), not {_describe(value)}"
        return f"{name} should be a mapping of key: value lines, got {_describe(value)}"
    if kind_of == "string_type":
        if value is None:
            return f"{name} is empty; write some text"
        quote = "; put it in quotes to use it as text" if isinstance(value, bool) else ""
        return f"{name} should be text, got {_describe(value)}{quote}"
    if kind_of == "string_too_short":
        return f"{name} is empty; write some text"
    if kind_of == "string_too_long":
        return f"{name} is longer than {ctx.get('max_length'):,} characters; shorten it"
    if kind_of == "string_pattern_mismatch":
        return (
            f'{name} "{clip(str(value))}" is not a valid id: use lowercase letters, digits, '
            '".", "-" and "_", starting with a letter or digit'
        )
    if kind_of == "list_type":
        return f"{name} should be a list (lines starting with -), got {_describe(value)}"
    if kind_of == "too_short":
        least = ctx.get("min_length")
        return f"{name} needs at least {least} item{'s' * (least != 1)}; add more"
    if kind_of == "too_long":
        return f"{name} has more than {ctx.get('max_length')} items; remove some"
    if kind_of in ("bool_type", "bool_parsing"):
        return f"{name} must be true or false, got {_describe(value)}"
    if kind_of == "literal_error":
        return f"{name} should be {ctx.get('expected')}, got {_describe(value)}"
    if kind_of in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return f"{name} should be a number, got {_describe(value)}"
    if kind_of == "finite_number":
        return f"{name} should be a finite number, got {_describe(value)}; write a plain number"
    if kind_of == "greater_than_equal":
        least = ctx.get("ge")
        least = f"{least:g}" if isinstance(least, int | float) else least
        return f"{name} should be {least} or more, got {_describe(value)}"
    if kind_of == "value_error":
        text = str(ctx.get("error", error["msg"]))
        return f"{field}: {text}" if field and not text.startswith(field.split("[")[0]) else text
    return f"{name}: {error['msg']}"
