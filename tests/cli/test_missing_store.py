"""A command that only reads never creates a progress store: on a data dir without one it prints
one line naming the file and how to start, exits 1 and leaves nothing behind. Only studying,
`progress import` and a change of settings create the store."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from studykit.cli import app
from studykit.study.clock import utc_now
from studykit.study.progress_io import export_progress
from studykit.study.store import ProgressStore

runner = CliRunner()

READ_ONLY = [
    ["stats"],
    ["stats", "--json"],
    ["browse"],
    ["browse", "--json"],
    ["progress", "export", "-"],
    ["settings"],
    ["settings", "--json"],
    ["progress", "reset", "--yes"],  # nothing to forget: no reason to make a file
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_read_only_command_on_a_missing_store_is_one_line_and_creates_nothing(tmp_path, args):
    data_dir = tmp_path / "typo" / "zz"
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: {data_dir / 'progress.sqlite3'}: no progress here yet")
    assert "studykit study" in line  # how to start
    assert not (tmp_path / "typo").exists()


def test_the_issue_s_own_example_creates_no_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["stats", "--data-dir", "nonexistent/zz"])
    assert result.exit_code == 1
    assert list(tmp_path.iterdir()) == []


def test_the_environment_variable_is_treated_like_the_option(tmp_path):
    data_dir = tmp_path / "env-typo"
    result = runner.invoke(app, ["stats"], env={"STUDYKIT_DATA_DIR": str(data_dir)})
    assert result.exit_code == 1 and "no progress here yet" in result.output
    assert not data_dir.exists()


def test_import_creates_the_store(tmp_path):
    source = tmp_path / "source"
    with ProgressStore.open(source) as store:
        backup = export_progress(store, exported_at=utc_now())
    (tmp_path / "backup.json").write_text(json.dumps(backup))
    target = tmp_path / "fresh"
    result = runner.invoke(
        app, ["progress", "import", str(tmp_path / "backup.json"), "--data-dir", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert (target / "progress.sqlite3").is_file()


def test_an_existing_store_still_opens_for_every_read_only_command(tmp_path):
    ProgressStore.open(tmp_path).close()
    for args in READ_ONLY:
        result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, (args, result.output)
