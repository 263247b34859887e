"""Helpers shared by the deck tests (importable: `from deck_helpers import write, load`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from studykit.deck.loader import LoadResult, load_decks
from studykit.lab.catalog import Catalog


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load(paths: list[Path] | Path, labs_dir: Path) -> LoadResult:
    return load_decks(paths if isinstance(paths, list) else [paths], lab_catalog=Catalog(labs_dir))
