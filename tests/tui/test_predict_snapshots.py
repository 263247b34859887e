"""Snapshot at 80x24 of a predict card after its run: the verdict ("you predicted X — this run
measured Y", the numbers behind Y, the learner's reason, why Again is suggested), the explanation
and the rating bar on screen. Update with
`pytest tests/tui/test_predict_snapshots.py --snapshot-update` after reading the report.
"""

from __future__ import annotations

from predict_helpers import LABS, WINNER_PROMPT, MeasuringLab, predict_load


def test_a_wrong_prediction_after_the_run_at_80x24(snap_compare, make_app, fake_lab):
    runner = MeasuringLab(fake_lab, [WINNER_PROMPT])
    app = make_app(predict_load("p-winner"), lab_runner=runner, labs_dir=LABS)

    async def run_before(pilot):
        await pilot.press("enter")  # study the deck
        await pilot.pause()
        view = pilot.app.screen.view
        prefix = [c.value for c in view.card.choices].index("prefix-tuning")
        await pilot.press("abc"[view.arrangement.index(prefix)], *"depth", "enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
