"""`studykit settings` through the real typer app: show, change, reject bad values."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from studykit.cli import app
from studykit.study.preferences import StudyPreferences, load_preferences
from studykit.study.store import ProgressStore

runner = CliRunner()


def test_shows_the_defaults_then_saves_a_change(tmp_path):
    ProgressStore.open(tmp_path).close()  # a learner who has studied once
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


def test_showing_settings_without_a_store_creates_nothing_and_says_how_to_start(tmp_path):
    data_dir = tmp_path / "not-yet"
    shown = runner.invoke(app, ["settings", "--data-dir", str(data_dir)])
    assert shown.exit_code == 1
    [line] = shown.output.strip().splitlines()
    assert str(data_dir / "progress.sqlite3") in line and "studykit study" in line
    assert not data_dir.exists()


def test_a_bad_value_on_a_new_data_dir_creates_nothing(tmp_path):
    data_dir = tmp_path / "new"
    bad = runner.invoke(app, ["settings", "--data-dir", str(data_dir), "--retention", "2"])
    assert bad.exit_code == 1 and "--retention 2.0 is outside" in bad.output
    assert not data_dir.exists()


def test_a_change_on_a_new_data_dir_is_saved_there_and_says_where(tmp_path):
    data_dir = tmp_path / "new"
    changed = runner.invoke(app, ["settings", "--data-dir", str(data_dir), "--new-per-day", "3"])
    assert changed.exit_code == 0
    assert f"saved to {data_dir / 'progress.sqlite3'}" in changed.output
    with ProgressStore.open(data_dir) as store:
        assert load_preferences(store).new_per_day == 3


def test_shows_fsrs_learning_steps_and_sets_which_siblings_wait(tmp_path):
    changed = runner.invoke(
        app, ["settings", "--data-dir", str(tmp_path), "--bury-siblings", "all"]
    )
    assert changed.exit_code == 0
    assert "Bury siblings       all  (a card whose sibling was seen today waits" in changed.output
    assert "Learning steps      1 min, 10 min  (a new card comes back after each" in changed.output
    assert "Relearning steps    10 min  (a forgotten card, likewise)" in changed.output
    as_json = json.loads(
        runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--json"]).output
    )
    assert as_json["bury_siblings"] == "all"
    assert as_json["learning_steps_seconds"] == [60, 600]
    assert as_json["relearning_steps_seconds"] == [600]
    bad = runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--bury-siblings", "some"])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        "error: --bury-siblings some is not one of none, new, all (which siblings of a card "
        "seen today wait for another day); the default is new"
    ]
    with ProgressStore.open(tmp_path) as store:
        assert load_preferences(store).bury_siblings == "all"
