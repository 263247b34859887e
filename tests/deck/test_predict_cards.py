"""Predict cards: the card's own checks (model) and the checks against the linked lab's declared
observables (loader), each one `file:line:column` line with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from deck_helpers import load, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.deck.model import Predict

SPEC = """\
name: prompt-vs-prefix
title: Prompt vs prefix tuning
summary: Train a soft prompt and a prefix on the same task.
params:
  steps: {type: int, default: 60, min: 1, max: 500}
observables:
  winner_on_new_task:
    type: choice
    help: which method scores higher on the new task
    values: [prompt-tuning, prefix-tuning, tie]
  first_to_target:
    type: order
    help: methods by steps to the target, fastest first
    values: [prompt-tuning, prefix-tuning, fine-tuning]
  prefix_trainable: {type: int, help: trainable numbers of the prefix}
  forgetting: {type: percent, help: points lost on the old task}
"""

HEAD = """\
id: predict-deck
title: Predictions
description: Predict, then run.
topics: [{id: t, title: T}]
cards:
"""


@pytest.fixture
def labs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("labs")
    (folder / "prompt-vs-prefix.yaml").write_text(SPEC)
    return folder


def card(body: str) -> str:
    lines = ["  - id: p1", "    kind: predict", "    topic: t"]
    lines += ["    " + line for line in body.strip("\n").splitlines()]
    return HEAD + "\n".join(lines) + "\n"


CHOICE = """\
lab: {name: prompt-vs-prefix, params: {steps: 200}}
question: Which scores higher?
observe: winner_on_new_task
choices:
  - {text: Prompt tuning, value: prompt-tuning}
  - {text: Prefix tuning, value: prefix-tuning}
explanation: Because.
"""


def messages(tmp_path: Path, labs: Path, text: str) -> list[str]:
    result = load(write(tmp_path, "d.yaml", text), labs)
    return [str(p) for p in result.problems]


def test_a_choice_prediction_loads(tmp_path, labs):
    result = load(write(tmp_path, "d.yaml", card(CHOICE)), labs)
    assert not result.problems
    predict = result.decks[0].cards[0]
    assert isinstance(predict, Predict)
    assert predict.lab.name == "prompt-vs-prefix" and predict.lab.params == {"steps": 200}
    assert [c.value for c in predict.choices or []] == ["prompt-tuning", "prefix-tuning"]
    assert not predict.typed and predict.prompt_text() == "Which scores higher?"


def test_a_number_and_an_order_prediction_load(tmp_path, labs):
    number = "lab: prompt-vs-prefix\nquestion: How many?\nobserve: prefix_trainable\ntolerance: 0\n"
    order = (
        "lab: prompt-vs-prefix\nquestion: Fastest first?\nobserve: first_to_target\nchoices:\n"
        "  - {text: Prompt, value: prompt-tuning}\n  - {text: Prefix, value: prefix-tuning}\n"
        "  - {text: Fine-tuning, value: fine-tuning}\n"
    )
    for body in (number, order):
        assert messages(tmp_path, labs, card(body)) == []


def test_a_wrong_observable_is_one_line_with_a_did_you_mean(tmp_path, labs):
    text = card(CHOICE.replace("observe: winner_on_new_task", "observe: winner_on_new_tsk"))
    (line,) = messages(tmp_path, labs, text)
    assert line.startswith(f"{tmp_path / 'd.yaml'}:11:14: card p1:")
    assert '"winner_on_new_tsk"' in line and 'did you mean "winner_on_new_task"' in line


def test_a_wrong_value_is_one_line_with_a_did_you_mean(tmp_path, labs):
    text = card(CHOICE.replace("value: prefix-tuning}", "value: prefix_tuning}"))
    (line,) = messages(tmp_path, labs, text)
    assert ":14:38:" in line and '"prefix_tuning"' in line
    assert 'did you mean "prefix-tuning"' in line


def test_the_type_of_the_observable_decides_the_card_shape(tmp_path, labs):
    # choices for a number
    numeric = CHOICE.replace("winner_on_new_task", "prefix_trainable")
    (line,) = messages(tmp_path, labs, card(numeric))
    assert "prefix_trainable is a number (int)" in line and "remove them" in line
    # a tolerance for a choice
    no_choices = "lab: prompt-vs-prefix\nquestion: Q?\nobserve: winner_on_new_task\ntolerance: 1\n"
    (line,) = messages(tmp_path, labs, card(no_choices))
    assert "map choices to them" in line and "remove tolerance" in line
    # an ordering that leaves a value out
    partial = CHOICE.replace("winner_on_new_task", "first_to_target")
    (line,) = messages(tmp_path, labs, card(partial))
    assert "one choice per value of first_to_target; add fine-tuning" in line


def test_two_choices_with_one_value_are_refused(tmp_path, labs):
    body = CHOICE.replace("value: prefix-tuning}", "value: prompt-tuning}")
    (line,) = messages(tmp_path, labs, card(body))
    assert "choices A and B have the same value" in line


def test_a_lab_without_observables_cannot_grade_a_prediction(tmp_path, labs):
    (labs / "bare.yaml").write_text("name: bare\ntitle: Bare\nsummary: nothing measured.\n")
    body = CHOICE.replace("{name: prompt-vs-prefix, params: {steps: 200}}", "bare")
    (line,) = messages(tmp_path, labs, card(body))
    assert "lab bare has no observable" in line and "declares none yet" in line


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("question: Q?\nobserve: x\ntolerance: 1\n", 'needs "lab"'),
        ("lab: prompt-vs-prefix\nquestion: Q?\nobserve: prefix_trainable\n", "tolerance: 0"),
        (
            "lab: prompt-vs-prefix\nquestion: Q?\nobserve: prefix_trainable\ntolerance: 1\n"
            "relative_tolerance: 0.1\n",
            "not both",
        ),
        (
            "lab: prompt-vs-prefix\nquestion: Q?\nobserve: prefix_trainable\ntolerance: -1\n",
            "0 or more",
        ),
        (
            "lab: prompt-vs-prefix\nquestion: Q?\nobserve: prefix_trainable\ntolerance: true\n",
            "not true or false",
        ),
    ],
)
def test_the_cards_own_checks(tmp_path, labs, body, said):
    (line,) = messages(tmp_path, labs, card(body))
    assert said in line and line.count("\n") == 0 and "card p1" in line


def test_a_misspelled_key_in_a_choice_suggests_value(tmp_path, labs):
    body = CHOICE.replace("value: prompt-tuning}", "valeu: prompt-tuning}")
    lines = messages(tmp_path, labs, card(body))
    assert any('"valeu"' in m and 'did you mean "value"' in m for m in lines)


def test_without_a_catalog_only_the_cards_own_checks_apply(tmp_path):
    from studykit.deck.loader import load_decks

    text = card(CHOICE.replace("winner_on_new_task", "anything"))
    result = load_decks([write(tmp_path, "d.yaml", text)])
    assert not result.problems and isinstance(result.decks[0].cards[0], Predict)


# --- hostile predict cards ------------------------------------------------------------------

PLAUSIBLE = {
    "lab": st.sampled_from(["prompt-vs-prefix", "nope", {"name": "prompt-vs-prefix"}, "", None]),
    "observe": st.sampled_from(
        ["winner_on_new_task", "first_to_target", "prefix_trainable", "forgetting", "winer", ""]
    ),
    "choices": st.lists(
        st.fixed_dictionaries(
            {"text": st.text(max_size=12), "value": st.sampled_from(["tie", "prompt-tuning", "x"])}
        ),
        max_size=4,
    ),
    "tolerance": st.sampled_from([0, 1.5, -1, True, "five", float("inf")]),
    "relative_tolerance": st.sampled_from([0.1, -0.5, "x"]),
    "question": st.text(max_size=30),
}
ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_hostile_predict_card_is_refused_in_one_line(tmp_path, labs, data):
    fields = {}
    for key, plausible in PLAUSIBLE.items():
        if data.draw(st.booleans()):
            fields[key] = data.draw(plausible | ANY)
    card_data = {"id": "p1", "kind": "predict", "topic": "t", **fields}
    deck_data = {
        "id": "predict-deck",
        "title": "Predictions",
        "description": "Predict, then run.",
        "topics": [{"id": "t", "title": "T"}],
        "cards": [card_data],
    }
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(deck_data, allow_unicode=True), encoding="utf-8")
    result = load(path, labs)
    for problem in result.problems:
        line = str(problem)
        assert "\n" not in line and "internal error" not in line, line
        assert line.startswith(f"{path}:") or line.startswith(str(labs)), line
    if result.errors:
        assert result.decks == [] and all(p.line > 0 for p in result.errors)
    else:
        (deck,) = result.decks
        assert isinstance(deck.cards[0], Predict)


def test_deck_show_renders_a_predict_card_without_a_key(tmp_path, labs):
    from rich.console import Console

    from studykit.deck.render import card_view

    result = load(write(tmp_path, "d.yaml", card(CHOICE)), labs)
    deck = result.decks[0]
    console = Console(width=100, record=True)
    console.print(card_view(deck.cards[0], deck, result.sources[deck.id], 0))
    text = console.export_text()
    assert "A. Prompt tuning  → prompt-tuning" in text and "no fixed key" in text
    assert "studykit lab prompt-vs-prefix --predict  (runs with steps=200)" in text
