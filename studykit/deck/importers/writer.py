"""Write a Deck back out as the YAML an instructor would write by hand.

Keys come in a readable order (id, kind, topic, the question, its answers, then explanation and
the rest); empty and default fields are left out; a choice without feedback is a plain string;
multi-line text uses `|` blocks. The result loads back into an equal Deck.
"""

from __future__ import annotations

from typing import Any

import yaml

from studykit.deck.model import Deck

_CARD_KEYS_FIRST = ("id", "kind", "topic")
_CARD_KEYS_LAST = ("explanation", "tags", "refs", "lab")


class _Dumper(yaml.SafeDumper):
    """Safe YAML with literal blocks for multi-line strings and indented lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


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


def deck_to_yaml(deck: Deck, header: str = "") -> str:
    """The deck as YAML text; `header` lines are written first as `#` comments."""
    data = deck.model_dump(mode="json", exclude_defaults=True)
    data["cards"] = [_card(card) for card in data["cards"]]
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + body
