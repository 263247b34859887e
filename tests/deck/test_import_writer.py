"""The deck YAML writer: every text reads back as the same string, in studykit's loader and in
other YAML readers, and a deck written from a bank loads back equal."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.deck.importers.writer import _text, card_yaml, deck_head, deck_to_yaml
from studykit.deck.loader import load_decks
from studykit.deck.model import Deck
from studykit.deck.safe_yaml import parse_yaml

any_text = st.text(st.characters(blacklist_categories=("Cs",)))  # UTF-8 cannot hold surrogates
# Text that tends to need quoting: indicators, YAML words, numbers, breaks and spaces at the ends.
_PIECES = [
    *" \n\t\r:#-'\"\\{[&*!|>%@`~?,=\x85\u2028\ufeff\x00\x1bθ😀a",
    *("yes", "No", "null", "1", "0x1F", ".5", "1e3", "2021-04-18", "<<"),
]
awkward_text = st.lists(st.sampled_from(_PIECES)).map("".join)


def read_back(text: str) -> tuple[object, object]:
    """What studykit's loader and PyYAML read from a deck line holding `text`, nested as a card's
    field is (so literal blocks are indented)."""
    document = f"cards:\n  - front: {_text(text, 6)}\n"  # the card's keys are at column 4
    ours, problems = parse_yaml(document.encode("utf-8"))
    assert problems == [], (document, problems)
    return ours.data["cards"][0]["front"], yaml.safe_load(document)["cards"][0]["front"]


@settings(max_examples=200, deadline=None)
@given(text=any_text | awkward_text)
def test_every_text_reads_back_as_the_same_string(text):
    assert read_back(text) == (text, text)


def test_plain_text_stays_plain_and_multi_line_text_is_a_block():
    assert _text("What does prompt tuning train?", 4) == "What does prompt tuning train?"
    assert _text("θ ← θ − η∇L", 4) == "θ ← θ − η∇L"
    assert _text("yes", 4) == "'yes'"  # a boolean to YAML 1.1 readers
    assert _text("4", 4) == "'4'"
    assert _text("key: value", 4) == "'key: value'"
    assert _text("two\nlines\n\nand a gap", 4) == "|-\n    two\n    lines\n\n    and a gap"
    assert _text("bell\x07", 4) == '"bell\\x07"'


printable = st.characters(blacklist_categories=("Cs", "Cc"))  # the loader drops controls
cards = st.text(printable, min_size=1, max_size=40).filter(lambda t: t.strip() != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=cards, back=cards, title=cards)
def test_a_written_deck_loads_back_equal(tmp_path_factory, front, back, title):
    deck = Deck.model_validate(
        {
            "id": "d",
            "title": title,
            "description": back,
            "topics": [{"id": "t", "title": title}],
            "cards": [
                {"id": "a", "kind": "flashcard", "topic": "t", "front": front, "back": back},
                {
                    "id": "b",
                    "kind": "mcq",
                    "topic": "t",
                    "question": front,
                    "answer": "A",
                    "choices": [{"text": "x", "why": back}, "y " + back],
                },
            ],
        }
    )
    text = deck_to_yaml(deck, header="Imported\nby a test")
    assert text == deck_head(deck, "Imported\nby a test") + "".join(map(card_yaml, deck.cards))
    path = tmp_path_factory.mktemp("deck") / "d.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_decks([path])
    assert loaded.problems == []
    assert loaded.decks == [deck]
