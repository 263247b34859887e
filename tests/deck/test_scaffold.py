"""`deck new`: the starter deck validates, lints clean, and holds one card of every kind."""

from __future__ import annotations

import pytest

from studykit.deck.errors import DeckError
from studykit.deck.lint import lint
from studykit.deck.loader import load_decks
from studykit.deck.model import CARD_KINDS
from studykit.deck.scaffold import deck_id_for, write_scaffold
from studykit.lab.catalog import Catalog

LABS = """\
name: {name}
title: A lab
summary: Shows something.
observables:
  winner: {{type: choice, help: which method wins, values: [prompt-tuning, tie]}}
"""


def test_the_scaffold_validates_lints_clean_and_has_every_kind(tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    for name in ("backprop", "prompt-vs-prefix"):  # the two labs the scaffold links to
        (labs / f"{name}.yaml").write_text(LABS.format(name=name))
    path = tmp_path / "My Topic.yaml"
    assert write_scaffold(path, lab_catalog=Catalog(labs)) == "my-topic"
    result = load_decks([path], lab_catalog=Catalog(labs))
    assert result.problems == []
    (deck,) = result.decks
    assert deck.id == "my-topic"
    assert {card.kind for card in deck.cards} == set(CARD_KINDS)
    assert any("```python" in card.prompt_text() for card in deck.cards)  # it shows Markdown
    assert all(card.id.startswith("my-topic-") for card in deck.cards)
    assert lint(result) == []
    (predict,) = [card for card in deck.cards if card.kind == "predict"]
    assert predict.lab.name == "prompt-vs-prefix" and predict.observe == "winner"  # type: ignore[union-attr]


def test_without_observables_the_predict_card_is_commented_out(tmp_path):
    path = tmp_path / "plain.yaml"
    write_scaffold(path, lab_catalog=Catalog(tmp_path))  # no labs at all
    result = load_decks([path], lab_catalog=Catalog(tmp_path))
    assert result.errors == [] and "#   kind: predict" in path.read_text()
    assert "predict" not in {card.kind for card in result.decks[0].cards}


def test_the_scaffold_never_overwrites(tmp_path):
    path = tmp_path / "deck.yaml"
    path.write_text("precious")
    with pytest.raises(DeckError, match="already exists"):
        write_scaffold(path)
    assert path.read_text() == "precious"
    with pytest.raises(DeckError, match="no such folder"):
        write_scaffold(tmp_path / "missing" / "deck.yaml")


def test_titles_are_quoted_and_ids_checked(tmp_path):
    path = tmp_path / "t.yaml"
    write_scaffold(path, title='Prompts: "soft" # and hard')
    result = load_decks([path], lab_catalog=Catalog(tmp_path))
    assert result.errors == [] and result.decks[0].title == 'Prompts: "soft" # and hard'
    with pytest.raises(DeckError, match='"Bad Id" is not a valid deck id'):
        write_scaffold(tmp_path / "u.yaml", deck_id="Bad Id")
    assert not (tmp_path / "u.yaml").exists()


def test_deck_ids_from_file_names():
    from pathlib import Path

    assert deck_id_for(Path("decks/Prompt Tuning 101.yaml")) == "prompt-tuning-101"
    assert deck_id_for(Path("___.yaml")) == "my-deck"
