"""Write a Deck back out as the YAML an instructor would write by hand.

Keys come in a readable order (id, kind, topic, the question, its answers, then explanation and
the rest); empty and default fields are left out; a choice without feedback is a plain string;
multi-line text uses `|` blocks. The result loads back into an equal Deck.

    text = deck_to_yaml(deck, header="Imported from week3.gift")
    text = deck_head(deck, header) + "".join(card_yaml(card) for card in cards)   # the same

The YAML is written here rather than by PyYAML's emitter, which needs a minute and gigabytes for a
bank of 20,000 questions: a deck is only mappings, lists, text and a few numbers, so each text
takes the plainest style that reads back as the same string (plain, a literal block, single or
double quotes), decided by a few checks over the string.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from typing import Any

from studykit.deck.model import AnyCard, Deck

_CARD_KEYS_FIRST = ("id", "kind", "topic")
_CARD_KEYS_LAST = ("explanation", "tags", "refs", "lab")
_INDENT = 2

# Characters that only a double-quoted scalar can hold, escaped: line and paragraph breaks,
# control characters, the byte-order mark, and what YAML does not allow in a file at all.
_UNQUOTABLE = r"\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
_NEEDS_ESCAPE = re.compile(f"[{_UNQUOTABLE}]")
_TO_ESCAPE = re.compile(rf'["\\{_UNQUOTABLE}]')  # in a double-quoted scalar
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}
# Words some YAML reader takes for a boolean or null when unquoted (YAML 1.1 and 1.2).
_NOT_TEXT = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _is_plain(text: str) -> bool:
    """Can `text` be written unquoted? Conservatively: it starts with a letter (so it is no
    number, date, indicator or alias), is printable on one line, has no `: ` or ` #` (a key, a
    comment), does not end in space or ':', and is not a word read as true, false or null."""
    return (
        text[:1].isalpha()
        and text.isprintable()
        and text[-1] not in " :"
        and ": " not in text
        and " #" not in text
        and text.lower() not in _NOT_TEXT
    )


def _fits_literal_block(text: str) -> bool:
    """Can multi-line `text` be a `|-` block? Its lines must be printable, with no space
    before a line break (a block would keep it, but editors strip it), and no space or break at
    either end (a block cannot start with one without an indentation hint)."""
    return (
        text[:1] not in " \n"
        and text[-1:] not in " \n"
        and " \n" not in text
        and _NEEDS_ESCAPE.search(text.replace("\n", "")) is None
    )


def _text(text: str, indent: int, block_ok: bool = True) -> str:
    """`text` as a YAML scalar; a literal block's lines are indented by `indent`."""
    if _is_plain(text):
        return text
    if block_ok and "\n" in text and _fits_literal_block(text):
        pad = " " * indent
        return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))
    if _NEEDS_ESCAPE.search(text) is None:
        return "'" + text.replace("'", "''") + "'"
    return '"' + _TO_ESCAPE.sub(_escape, text) + '"'


def _scalar(value: Any, indent: int) -> str:
    if isinstance(value, str):
        return _text(value, indent)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    raise TypeError(f"cannot write a {type(value).__name__} to a deck")


@functools.lru_cache(maxsize=256)
def _key(name: str) -> str:
    """A mapping key as YAML: the same few field names come back on every card."""
    return _text(name, 0, block_ok=False)


def _mapping(data: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        name = _key(str(key))
        if isinstance(value, dict | list) and value:
            out.append(f"{pad}{name}:\n")
            _node(value, indent + _INDENT, out)
        elif isinstance(value, dict | list):
            out.append(f"{pad}{name}: {'{}' if isinstance(value, dict) else '[]'}\n")
        else:
            out.append(f"{pad}{name}: {_scalar(value, indent + _INDENT)}\n")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict | list) and item:
            # The item's first line goes on the dash: "- id: a" with the rest below it.
            first = len(out)
            _node(item, indent + _INDENT, out)
            out[first] = f"{pad}- {out[first][indent + _INDENT :]}"
        elif isinstance(item, dict | list):
            out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}\n")
        else:
            out.append(f"{pad}- {_scalar(item, indent + _INDENT)}\n")


def _node(value: dict | list, indent: int, out: list[str]) -> None:
    if isinstance(value, dict):
        _mapping(value, indent, out)
    else:
        _sequence(value, indent, out)


def _card(card_data: dict[str, Any]) -> dict[str, Any]:
    if "choices" in card_data:
        card_data["choices"] = [
            choice["text"] if set(choice) == {"text"} else choice for choice in card_data["choices"]
        ]
    if isinstance(card_data.get("lab"), dict) and set(card_data["lab"]) == {"name"}:
        card_data["lab"] = card_data["lab"]["name"]
    first = {key: card_data[key] for key in _CARD_KEYS_FIRST}
    last = {key: card_data[key] for key in _CARD_KEYS_LAST if key in card_data}
    middle = {k: v for k, v in card_data.items() if k not in first and k not in last}
    return first | middle | last


def deck_head(deck: Deck, header: str = "") -> str:
    """The start of the deck's YAML: `header` lines as `#` comments, the deck's own fields and
    topics, and the `cards:` key that `card_yaml` pieces follow."""
    out = [f"# {line}\n" if line else "#\n" for line in header.splitlines()]
    _mapping(deck.model_dump(mode="json", exclude_defaults=True, exclude={"cards"}), 0, out)
    out.append("cards:\n")
    return "".join(out)


def card_yaml(card: AnyCard) -> str:
    """One card as an item of the deck's `cards:` list."""
    out: list[str] = []
    _sequence([_card(card.model_dump(mode="json", exclude_defaults=True))], _INDENT, out)
    return "".join(out)


def deck_yaml_chunks(deck: Deck, header: str = "") -> Iterator[str]:
    """The deck as YAML text in pieces, the head and then a piece per card."""
    yield deck_head(deck, header)
    for card in deck.cards:
        yield card_yaml(card)


def deck_to_yaml(deck: Deck, header: str = "") -> str:
    """The deck as YAML text; `header` lines are written first as `#` comments."""
    return "".join(deck_yaml_chunks(deck, header))
