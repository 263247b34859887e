"""The decks shipped in decks/ load without errors and lint clean against the real lab catalog."""

from __future__ import annotations

from studykit.deck.lint import lint
from studykit.deck.loader import load_decks
from studykit.deck.model import CARD_KINDS
from studykit.lab.catalog import Catalog
from studykit.paths import bundled_decks_dir


def test_bundled_decks_validate():
    result = load_decks([bundled_decks_dir()], lab_catalog=Catalog())
    assert [str(p) for p in result.errors] == []
    assert len(result.decks) >= 5 and result.cards >= 80
    kinds = set(CARD_KINDS)
    if not any(Catalog().observables(name) for name in Catalog().names()):
        kinds.discard("predict")  # nothing to predict until some lab declares observables
    assert {card.kind for deck in result.decks for card in deck.cards} == kinds


def test_bundled_decks_lint_clean():
    result = load_decks([bundled_decks_dir()], lab_catalog=Catalog())
    # with the catalogue, as `deck lint` runs: every observable of a linked lab is predicted
    assert [str(p) for p in result.warnings + lint(result, lab_catalog=Catalog())] == []
