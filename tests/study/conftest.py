"""Fixtures for the study-layer tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import make_deck

from studykit.deck.model import Deck


@pytest.fixture
def deck() -> Deck:
    return make_deck()


@pytest.fixture
def store(tmp_path: Path):
    from studykit.study.store import ProgressStore

    with ProgressStore.open(tmp_path) as s:
        yield s
