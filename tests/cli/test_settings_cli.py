"""`studykit settings` through the real typer app: show, change, reject bad values."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from studykit.cli import app
from studykit.study.preferences import StudyPreferences, load_preferences
from studykit.study.store import ProgressStore

runner = CliRunner()


def test_shows_the_defaults_then_saves_a_change(tmp_path):
    shown = runner.invoke(app, ["settings", "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0 and "New cards per day   20" in shown.output
    changed = runner.invoke(
        app, ["settings", "--data-dir", str(tmp_path), "--new-per-day", "5", "--retention", "0.8"]
    )
    assert changed.exit_code == 0 and "saved to" in changed.output
    as_json = json.loads(
        runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--json"]).output
    )
    assert (as_json["new_per_day"], as_json["reviews_per_day"], as_json["desired_retention"]) == (
        5,
        200,
        0.8,
    )
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store) == StudyPreferences(5, 200, 0.8)


def test_a_bad_value_is_one_line_exit_1_and_changes_nothing(tmp_path):
    runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--new-per-day", "4"])
    bad = runner.invoke(
        app, ["settings", "--data-dir", str(tmp_path), "--new-per-day", "9", "--retention", "2"]
    )
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "error: --retention 2.0 is outside 0.7-0.99 (the chance of recall fsrs aims for when a "
        "card comes due); the default is 0.9"
    ]
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store).new_per_day == 4


def test_the_retention_shown_is_the_one_saved(tmp_path):
    shown = runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--retention", "0.955"])
    assert shown.exit_code == 0 and "Desired retention   0.955\n" in shown.output  # not 0.95
