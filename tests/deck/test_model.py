"""The deck model: every kind, its in-card checks, its shorthands, and the exported JSON Schema."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import TypeAdapter, ValidationError

from studykit.deck.model import (
    CARD_CLASSES,
    CARD_KINDS,
    KIND_NAMES,
    Card,
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
    deck_json_schema,
)

CARD = TypeAdapter(Card)
BASE = {"id": "c-1", "topic": "t"}


def card(**fields):
    return CARD.validate_python({**BASE, **fields})


def test_every_kind_validates_into_its_class():
    made = [
        card(kind="flashcard", front="F", back="B"),
        card(kind="mcq", question="Q", choices=["a", "b"], answer="b"),
        card(kind="multi", question="Q", choices=["a", "b", "c"], answers=["C", "a"]),
        card(kind="true_false", statement="S", answer=True, why_false="because"),
        card(
            kind="matching",
            prompt="P",
            pairs=[{"left": "l1", "right": "r1"}, {"left": "l2", "right": "r2"}],
        ),
        card(kind="order", prompt="P", steps=["forward", "loss", "backward", "update"]),
        card(kind="short", question="Q", answers="backprop"),
        card(kind="cloze", text="It trains {{c1::k·d}} numbers", accept={"c1": "kd"}),
        card(kind="predict", lab="a-lab", question="Q", observe="count", tolerance=0),
    ]
    assert [type(c) for c in made] == [
        Flashcard,
        MultipleChoice,
        MultipleSelect,
        TrueFalse,
        Matching,
        Order,
        ShortAnswer,
        Cloze,
        Predict,
    ]
    assert [c.kind for c in made] == list(CARD_KINDS) and set(CARD_CLASSES) == set(CARD_KINDS)
    mcq, multi = made[1], made[2]
    assert mcq.answer == "B" and mcq.correct_index == 1 and mcq.choices[0].text == "a"
    assert multi.answers == ["A", "C"] and multi.correct_indexes == [0, 2]
    assert made[6].answers == ["backprop"]
    assert made[7].accept == {"c1": ["kd"]}
    prompts = ["F", "Q", "Q", "S", "P", "P", "Q", "It trains [...] numbers", "Q"]
    assert [c.prompt_text() for c in made] == prompts


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no gap at all", "needs at least one deletion such as {{c1::answer}}"),
        ("an {{c1::}} gap", "{{c1::}}: the deletion is empty"),
        ("a {{c0::zero}} gap", "{{c0::zero}}: deletion numbers start at c1"),
        ("{{c1::a {{c2::b}} c}}", "a deletion cannot hold another"),
        ("{{c1::a}} and {{c2::b", "{{c2:: is never closed; end the deletion with }}"),
        ("{{c1::" + "x" * 201 + "}}", "an answer holds at most 200 characters"),
    ],
)
def test_a_cloze_text_needs_well_formed_deletions(text, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        card(kind="cloze", text=text)


def test_cloze_accept_names_deletions_of_the_card():
    with pytest.raises(ValidationError, match=r'"c2" is not a deletion of this card \(c1\)'):
        card(kind="cloze", text="{{c1::a}}", accept={"c2": ["b"]})


def test_a_cloze_card_is_one_study_card_per_number():
    deck = Deck.model_validate(
        {
            "id": "d",
            "title": "D",
            "description": "x",
            "topics": [{"id": "t", "title": "T"}],
            "cards": [
                {"id": "f", "kind": "flashcard", "topic": "t", "front": "F", "back": "B"},
                {
                    "id": "z",
                    "kind": "cloze",
                    "topic": "t",
                    "text": "{{c2::b::hint}} then {{c1::a}}, {{c1::`a2`}}",
                    "accept": {"c1": ["either"]},
                },
            ],
        }
    )
    studied = deck.study_cards()
    assert [c.id for c in studied] == ["f", "z::c1", "z::c2"]
    first, second = studied[1], studied[2]
    assert (first.kind, first.topic) == ("cloze", "t")
    assert first.prompt_text() == "b then [...], [...]"
    assert first.accepted() == ["a, a2", "either"]  # every place of c1, then the alternatives
    assert second.prompt_text() == "[hint] then a, `a2`"
    assert second.accepted() == ["b"]


def test_lab_link_short_and_long_forms():
    short = card(kind="flashcard", front="F", back="B", lab="backprop")
    long = card(
        kind="flashcard",
        front="F",
        back="B",
        lab={"name": "prompt-vs-prefix", "params": {"task": "sort"}, "notice": "N"},
    )
    assert short.lab.name == "backprop" and short.lab.params == {}
    assert long.lab.params == {"task": "sort"} and long.lab.notice == "N"


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        (
            {"kind": "mcq", "question": "Q", "choices": ["a", "b"], "answer": "C"},
            ("mcq", "answer"),
            'answer "C" is not one of the choices A-B',
        ),
        (
            {"kind": "mcq", "question": "Q", "choices": ["a", "A"], "answer": "A"},
            ("mcq", "choices"),
            "choices A and B have the same text",
        ),
        (
            {"kind": "multi", "question": "Q", "choices": ["a", "b"], "answers": ["A", "Q"]},
            ("multi", "answers"),
            'answers[1] "Q" is not one of the choices A-B',
        ),
        (
            {
                "kind": "matching",
                "prompt": "P",
                "pairs": [{"left": "x", "right": "1"}, {"left": "x", "right": "2"}],
            },
            ("matching", "pairs"),
            "two pairs share the same left item",
        ),
        (
            {"kind": "order", "prompt": "P", "steps": ["a", "a"]},
            ("order", "steps"),
            "two steps have the same text",
        ),
    ],
)
def test_in_card_checks_point_at_the_field(fields, loc, message):
    with pytest.raises(ValidationError) as caught:
        card(**fields)
    (error,) = caught.value.errors()
    assert error["loc"] == loc and message in error["msg"]


# pydantic's own checks: its error types are its stable interface (its wording is not ours, and
# `deck.messages` rewrites it for authors anyway).
@pytest.mark.parametrize(
    ("fields", "loc", "error_type"),
    [
        (
            {"kind": "true_false", "statement": "S", "answer": "yes"},
            ("true_false", "answer"),
            "bool_type",
        ),
        (
            {"kind": "flashcard", "front": "  ", "back": "B"},
            ("flashcard", "front"),
            "string_too_short",
        ),
        (
            {"kind": "flashcard", "front": "F", "back": "B", "id": "Bad Id"},
            ("flashcard", "id"),
            "string_pattern_mismatch",
        ),
    ],
)
def test_field_checks_point_at_the_field(fields, loc, error_type):
    with pytest.raises(ValidationError) as caught:
        card(**fields)
    (error,) = caught.value.errors()
    assert (error["loc"], error["type"]) == (loc, error_type)


def test_numbers_where_text_is_expected_are_text():
    short = card(kind="short", question=12, answers=[42, 0.5])
    assert short.question == "12" and short.answers == ["42", "0.5"]


def test_unknown_keys_are_errors():
    with pytest.raises(ValidationError) as caught:
        card(kind="flashcard", front="F", back="B", explaination="typo")
    (error,) = caught.value.errors()
    assert (error["loc"], error["type"]) == (("flashcard", "explaination"), "extra_forbidden")


def test_deck_requires_topics_and_cards_and_finds_topics():
    deck = Deck.model_validate(
        {
            "id": "d",
            "title": "T",
            "description": "D",
            "version": 2,
            "topics": [{"id": "t", "title": "Topic", "learn_before": "other"}],
            "cards": [{**BASE, "kind": "flashcard", "front": "F", "back": "B"}],
        }
    )
    assert deck.version == "2" and deck.topics[0].learn_before == ["other"]
    assert deck.topic("t").title == "Topic" and deck.topic("nope") is None
    with pytest.raises(ValidationError):
        Deck.model_validate(
            {"id": "d", "title": "T", "description": "D", "topics": [], "cards": []}
        )


def test_json_schema_describes_every_kind_and_the_shorthands():
    schema = deck_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(schema["required"]) == {"id", "title", "description", "topics", "cards"}
    items = schema["properties"]["cards"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert set(items["discriminator"]["mapping"]) == set(CARD_KINDS)
    mcq = schema["$defs"]["MultipleChoice"]["properties"]
    assert {"type": "string"} in mcq["choices"]["items"]["anyOf"]  # `- plain text` choices
    lab_forms = [form.get("type", form.get("$ref")) for form in mcq["lab"]["anyOf"]]
    assert lab_forms == ["#/$defs/LabLink", "string", "null"]
    assert schema["$defs"]["MultipleChoice"]["additionalProperties"] is False


def test_every_kind_has_a_name_for_learners():
    assert tuple(KIND_NAMES) == CARD_KINDS
    assert len(set(KIND_NAMES.values())) == len(CARD_KINDS)
