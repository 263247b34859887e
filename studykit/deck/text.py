"""Deck text that cannot drive a terminal: control characters are taken out where text comes in.

Decks and question banks come from the web, and a YAML double-quoted string can hold any
character through an escape: `"\\e]52;c;…\\a"` sets the clipboard of some terminals (tmux passes it
on), `"\\e]0;…\\a"` renames the window, `"\\e[2J"` wipes the screen. Card text is plain text, so
the deck loader and the importers remove every C0 and C1 control character except tab and newline
(`\\r\\n` and a lone `\\r` become `\\n`), and warn, naming the card, that they did.

    text, removed = clean_text("Hi\\x1b[2J")   # ("Hi[2J", ["\\x1b"])
    for path, removed in clean_data(data): ...  # cleans every string of parsed YAML in place
    for path, card_id, removed in clean_deck(data): ...  # the same, one finding per card
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# C0 controls but tab and newline, DEL, and the C1 controls U+0080-U+009F (terminals may read
# U+009B as CSI, the start of an escape sequence, and U+009D as OSC).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_END = re.compile(r"\r\n?")
_NAMES = {"\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\x1b": "ESC", "\x7f": "DEL", "\x9b": "CSI"}


def clean_text(text: str) -> tuple[str, list[str]]:
    """`text` with line ends made `\\n` and other control characters removed, and the removed."""
    if "\r" in text:
        text = _LINE_END.sub("\n", text)
    removed = CONTROL.findall(text)
    return (CONTROL.sub("", text), removed) if removed else (text, [])


def describe_removed(removed: list[str]) -> str:
    """`removed 3 control characters (ESC, BEL) that could drive a terminal`."""
    names = list(dict.fromkeys(_NAMES.get(c, f"U+{ord(c):04X}") for c in removed))
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    count = len(removed)
    return (
        f"removed {count} control character{'s' * (count != 1)} ({shown}) "
        "that could drive a terminal"
    )


def clean_data(data: Any) -> Iterator[tuple[tuple[Any, ...], list[str]]]:
    """Clean every string in nested dicts and lists in place (the containers stay the same
    objects, so positions keyed by them stay valid); yield (path, removed) per changed string.
    Dict keys are left alone: an unknown key is an error, and problem lines drop control
    characters themselves."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        container, path = stack.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in items:
            if isinstance(value, str):
                cleaned, removed = clean_text(value)
                if cleaned is not value:
                    container[key] = cleaned
                if removed:
                    yield (*path, key), removed
            elif isinstance(value, dict | list):
                stack.append((value, (*path, key)))


# Bytes that can put a control character into parsed YAML: a control byte itself, a backslash
# (double-quoted escapes such as "\e", "\x9b", "\u001b") and 0xC2, the UTF-8 lead byte of
# U+0080-U+00BF (the C1 controls among them). Line breaks (\r too) become \n when YAML parses.
_SUSPECT = frozenset(range(0x20)) - {0x09, 0x0A, 0x0D} | {0x7F, 0x5C, 0xC2}
_UNSUSPECT = bytes(b for b in range(256) if b not in _SUSPECT)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def may_hold_controls(raw: bytes) -> bool:
    """False when YAML parsed from `raw` cannot hold a control character, so a deck of 10,000
    cards is not walked string by string (a few ms instead of ~0.2 s)."""
    suspects = raw.translate(None, _UNSUSPECT)
    if not suspects.strip(b"\xc2"):
        return bool(suspects) and _C1_UTF8.search(raw) is not None
    return True


def clean_deck(data: Any) -> list[tuple[tuple[Any, ...], str | None, list[str]]]:
    """`clean_data` on a parsed deck file, as one (path, card id, removed) per card (pointing at
    the card's first changed text) and one per changed text outside the cards."""
    found: dict[tuple[Any, ...], tuple[tuple[Any, ...], str | None, list[str]]] = {}
    if not isinstance(data, dict | list):
        return []
    cards = data.get("cards") if isinstance(data, dict) else None
    for path, removed in clean_data(data):
        in_card = len(path) > 2 and path[0] == "cards"
        group = path[:2] if in_card else path
        if group in found:
            found[group][2].extend(removed)
            continue
        card = cards[path[1]] if in_card and isinstance(cards, list) else None
        card_id = card.get("id") if isinstance(card, dict) else None
        found[group] = (path, card_id if isinstance(card_id, str) else None, list(removed))
    return list(found.values())
