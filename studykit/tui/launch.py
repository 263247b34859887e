"""Build the app from command-line inputs: load the decks, open the store. Shared by
`studykit study`, the start-up benchmark and the import-hygiene test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studykit.paths import bundled_decks_dir


class LaunchError(Exception):
    """The app cannot start (no such deck path, unusable progress database): one clear line."""


def build_app(deck_paths: Sequence[Path] | None, data_dir: Path | None, **options: Any):
    """The `StudykitApp` over `deck_paths` (default: the bundled decks) and the store in
    `data_dir`. Broken decks do not stop it: their problems show on a screen in the app.
    """
    from studykit.deck.loader import DeckError, load_decks
    from studykit.lab.catalog import Catalog
    from studykit.study.store import ProgressStore, StoreError
    from studykit.tui.app import StudykitApp

    paths = list(deck_paths) if deck_paths else [bundled_decks_dir()]
    for path in paths:
        if not path.exists():
            raise LaunchError(f"{path}: no such deck file or folder")
    try:
        load = load_decks(paths, lab_catalog=Catalog(options.get("labs_dir")))
    except DeckError as error:
        raise LaunchError(str(error)) from None
    try:
        store = ProgressStore.open(data_dir)
    except StoreError as error:
        raise LaunchError(str(error)) from None
    options.setdefault("deck_paths", paths)  # loaded again after a card is edited
    return StudykitApp(load, store, **options)
