"""Snapshot at 80x24 after answering the longest kind of card (a copy of the bundled bg-05): the
picked and right choices in full, the others a line each, and the whole verdict panel on screen
(the verdict, why a rating is suggested, the picked choice's feedback, the explanation, the refs).
Update with `pytest tests/tui/test_study_snapshots.py --snapshot-update` after reading the report.
"""

from __future__ import annotations

from tui_paths import DECKS_DIR, LABS_DIR

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog


def test_a_long_mcq_after_a_wrong_answer_shows_the_explanation_at_80x24(snap_compare, make_app):
    load = load_decks([DECKS_DIR / "long.yaml"], lab_catalog=Catalog(LABS_DIR))

    async def run_before(pilot):
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        await pilot.press("abcd"[screen.presented.position_of(0)])  # finite differences: wrong
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(make_app(load), run_before=run_before, terminal_size=(80, 24))
