"""`studykit progress export | import | reset` through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fsrs import Rating
from typer.testing import CliRunner

from studykit.cli import app
from studykit.deck.model import Deck
from studykit.study.session import StudySession
from studykit.study.store import ProgressStore

runner = CliRunner()


def tiny_deck(deck_id: str) -> Deck:
    return Deck.model_validate(tiny_deck_data(deck_id))


def tiny_deck_data(deck_id: str) -> dict:
    return {
        "id": deck_id,
        "title": deck_id,
        "description": "cli test deck",
        "topics": [{"id": f"{deck_id}-t", "title": "T"}],
        "cards": [
            {
                "id": f"{deck_id}-{i}",
                "kind": "flashcard",
                "topic": f"{deck_id}-t",
                "front": f"Q{i}",
                "back": f"A{i}",
            }
            for i in range(3)
        ],
    }


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data dir with three ratings in deck `one` and two in deck `two`."""
    monkeypatch.delenv("STUDYKIT_DATA_DIR", raising=False)
    folder = tmp_path / "data"
    with ProgressStore.open(folder) as store:
        for deck_id, ratings in (("one", 3), ("two", 2)):
            session = StudySession(store, [tiny_deck(deck_id)], seed=0)
            for _ in range(ratings):
                session.rate(session.next(), Rating.Easy, 1000)
    return folder


@pytest.fixture
def deck_files(tmp_path) -> list[str]:
    """The decks `one` and `two` as YAML files, for `progress import FILE DECK...`."""
    paths = []
    for deck_id in ("one", "two"):
        path = tmp_path / f"{deck_id}.yaml"
        path.write_text(yaml.safe_dump(tiny_deck_data(deck_id), sort_keys=False))
        paths.append(str(path))
    return paths


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def review_count(folder) -> int:
    with ProgressStore.open(folder) as store:
        return len(store.reviews())


def test_export_then_import_into_another_dir_and_again(data_dir, tmp_path, deck_files):
    file = tmp_path / "backup.json"
    result = invoke("progress", "export", str(file), "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "5 reviews" in result.output
    assert json.loads(file.read_text())["format"] == "studykit-progress"

    other = tmp_path / "other"
    first = invoke("progress", "import", str(file), *deck_files, "--data-dir", str(other))
    assert first.exit_code == 0 and "5 cards, 5 reviews" in first.output
    assert "Skipped" not in first.output
    second = invoke("progress", "import", str(file), *deck_files, "--data-dir", str(other))
    assert second.exit_code == 0 and "0 cards, 0 reviews" in second.output
    assert "Skipped 5 reviews already present, 5 card states already present." in second.output
    assert review_count(other) == 5


def test_import_skips_and_counts_entries_for_cards_no_named_deck_has(
    data_dir, tmp_path, deck_files
):
    file = tmp_path / "backup.json"
    invoke("progress", "export", str(file), "--data-dir", str(data_dir))
    other = tmp_path / "other"
    result = invoke("progress", "import", str(file), deck_files[0], "--data-dir", str(other))
    assert result.exit_code == 0, result.output
    assert "Imported 3 cards, 3 reviews" in result.output
    assert (
        "Skipped 4 entries for cards no loaded deck has (2 cards: two-0, two-1); "
        "to keep them, name their decks" in result.output
    )
    assert review_count(other) == 3


def test_export_refuses_to_overwrite_without_force(data_dir, tmp_path):
    file = tmp_path / "backup.json"
    file.write_text("keep me")
    result = invoke("progress", "export", str(file), "--data-dir", str(data_dir))
    assert result.exit_code == 1 and "pass --force" in result.output
    assert file.read_text() == "keep me"
    forced = invoke("progress", "export", str(file), "--force", "--data-dir", str(data_dir))
    assert forced.exit_code == 0


def test_a_failed_export_keeps_the_previous_backup(data_dir, tmp_path, monkeypatch):
    file = tmp_path / "backup.json"
    file.write_text("the previous backup")

    def disk_full(path, text, **kwargs):
        with open(path, "w") as half:
            half.write(text[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    result = invoke("progress", "export", str(file), "--force", "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert result.output == f"error: {file}: cannot write (No space left on device)\n"
    assert file.read_text() == "the previous backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file


def test_data_dir_comes_from_the_environment(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYKIT_DATA_DIR", str(data_dir))
    result = invoke("progress", "export", "-")
    assert result.exit_code == 0
    assert len(json.loads(result.output)["reviews"]) == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "studykit-progress",\n  "version": 1,\n  oops}', ":3:3: invalid JSON"),
        ('{"format": "something-else"}', "not a studykit progress export"),
    ],
)
def test_import_of_a_bad_file_is_one_line_and_changes_nothing(data_dir, tmp_path, content, message):
    file = tmp_path / "bad.json"
    file.write_text(content)
    result = invoke("progress", "import", str(file), "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert review_count(data_dir) == 5


def test_import_of_a_missing_file(data_dir, tmp_path):
    result = invoke("progress", "import", str(tmp_path / "nope.json"), "--data-dir", str(data_dir))
    assert result.exit_code == 1 and "cannot read" in result.output


def test_reset_asks_first_and_does_nothing_when_declined(data_dir):
    result = invoke("progress", "reset", "--data-dir", str(data_dir), input="n\n")
    assert result.exit_code == 1
    assert "Forget all progress for all decks" in result.output
    assert "Nothing was reset" in result.output
    assert review_count(data_dir) == 5


def test_reset_one_deck_after_confirmation(data_dir):
    result = invoke("progress", "reset", "--deck", "two", "--data-dir", str(data_dir), input="y\n")
    assert result.exit_code == 0, result.output
    assert "Reset 2 cards' progress for deck 'two'" in result.output
    assert review_count(data_dir) == 3


def test_reset_everything_with_yes(data_dir):
    result = invoke("progress", "reset", "--yes", "--data-dir", str(data_dir))
    assert result.exit_code == 0 and "Reset 5 cards" in result.output
    assert review_count(data_dir) == 0


def test_reset_an_unknown_deck_names_the_known_ones(data_dir):
    result = invoke("progress", "reset", "--deck", "thre", "--yes", "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert "no progress stored for deck 'thre' (decks with progress: one, two)" in result.output


def test_a_broken_database_is_one_line(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "progress.sqlite3").write_bytes(b"\x00garbage" * 500)
    result = invoke("progress", "export", str(tmp_path / "out.json"), "--data-dir", str(folder))
    assert result.exit_code == 1
    assert "not a usable studykit progress database" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def full_disk(monkeypatch):
    """The data dir's disk is full: opening the database for writing fails as sqlite does then
    (an I/O error growing the -shm index); reading still works."""
    import sqlite3
    import types

    from studykit.study import database

    def cannot_grow_the_index(self, target_version):
        error = sqlite3.OperationalError("disk I/O error")
        error.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"
        raise database._open_failed(self.path, error) from error

    monkeypatch.setattr(database.Database, "_open_for_writing", cannot_grow_the_index)
    monkeypatch.setattr(database.shutil, "disk_usage", lambda f: types.SimpleNamespace(free=0))


def test_on_a_full_disk_export_and_stats_still_read_and_import_says_why_it_cannot(
    data_dir, tmp_path, full_disk
):
    exported = invoke("progress", "export", "-", "--data-dir", str(data_dir))
    assert exported.exit_code == 0, exported.output
    assert len(json.loads(exported.output)["reviews"]) == 5
    stats = invoke("stats", "--json", "--data-dir", str(data_dir))
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["reviews"] == 5
    shown = invoke("settings", "--data-dir", str(data_dir))
    assert shown.exit_code == 0 and "New cards per day" in shown.output
    backup = tmp_path / "backup.json"
    backup.write_text(exported.output)
    imported = invoke("progress", "import", str(backup), "--data-dir", str(data_dir))
    assert imported.exit_code == 1
    assert "the disk is full; free space" in imported.output
    assert "move it aside" not in imported.output and len(imported.output.splitlines()) == 1
    changed = invoke("settings", "--new-per-day", "5", "--data-dir", str(data_dir))
    assert changed.exit_code == 1 and "the disk is full; free space" in changed.output


def _edit(section: str, field: str, raw: str):
    """An edit of the export's text: `field` of the first entry of `section` set to `raw` JSON."""

    def apply(data: dict) -> str:
        marker = "__EDITED__"
        if section == "cards.fsrs":
            data["cards"][0]["fsrs"][field] = marker
        else:
            data[section][0][field] = marker
        return json.dumps(data).replace(f'"{marker}"', raw)

    return apply


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: json.dumps(d)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested"),
        (
            _edit("reviews", "reviewed_at", '"9999-12-31T23:59:59.999999-01:00"'),
            "reviews[0] (card one-",
        ),
        (_edit("reviews", "duration_ms", str(10**30)), "reviews[0] (card one-"),
        (_edit("cards", "reps", "1e400"), "cards[0] (card "),
        (_edit("cards.fsrs", "due", '"2025-03-10T12:00:00"'), "fsrs.due: needs a UTC offset"),
        (_edit("reviews", "correct", '"maybe"'), "correct: must be true, false or null"),
    ],
    ids=[
        "deep nesting",
        "year 9999 with an offset",
        "huge duration",
        "reps 1e400",
        "naive due",
        "correct maybe",
    ],
)
def test_an_edited_export_is_one_line_exit_1_and_changes_nothing(
    data_dir, tmp_path, deck_files, edit, words
):
    backup = tmp_path / "backup.json"
    invoke("progress", "export", str(backup), "--data-dir", str(data_dir))
    edited = tmp_path / "edited.json"
    edited.write_text(edit(json.loads(backup.read_text())))
    before = invoke("progress", "export", "-", "--data-dir", str(data_dir)).output
    result = invoke("progress", "import", str(edited), *deck_files, "--data-dir", str(data_dir))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1 and words in result.output, result.output
    after = invoke("progress", "export", "-", "--data-dir", str(data_dir)).output
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "exported_at"}  # noqa: E731
    assert strip(after) == strip(before)


def test_export_says_which_card_states_it_leaves_out(data_dir):
    with ProgressStore.open(data_dir) as store:  # what an older import let in
        row = store._db.execute("SELECT card_id, fsrs_json FROM card LIMIT 1").fetchone()
        state = json.loads(row[1])
        state["step"] = "abc"
        store._db.execute(
            "UPDATE card SET fsrs_json = ? WHERE card_id = ?", (json.dumps(state), row[0])
        )
    result = runner.invoke(app, ["progress", "export", "-", "--data-dir", str(data_dir)])
    assert result.exit_code == 0
    assert (
        f"warning: left out 1 card state(s) that cannot be read (first: {row[0]}, " in result.stderr
    )
    data = json.loads(result.stdout)
    assert len(data["cards"]) == 4 and len(data["reviews"]) == 5
