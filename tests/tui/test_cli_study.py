"""`studykit study` rejects bad input with one clear line and a non-zero exit, no traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from studykit.cli import app


def test_a_missing_deck_path_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(app, ["study", str(missing), "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"studykit: {missing}: no such deck file or folder"


def test_an_unusable_progress_database_is_one_line_and_exit_2(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "progress.sqlite3").write_text("this is not a database")
    result = CliRunner().invoke(app, ["study", "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert line.startswith("studykit: ") and "progress.sqlite3" in line and "\n" not in line
    assert "Traceback" not in result.output
