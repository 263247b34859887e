"""Standard output that cannot be written (a full disk behind `>`, a pipe whose reader left) ends
a command with at most one line on stderr and exit status 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full (Linux)")


def studykit(args: list[str], stdout, tmp_path: Path) -> subprocess.CompletedProcess:
    from studykit.study.store import ProgressStore

    ProgressStore.open(tmp_path / "data").close()  # `progress export` reads an existing store
    env = {**os.environ, "STUDYKIT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "studykit", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ["deck", "schema"],
        ["deck", "export", "decks", "--to", "csv", "-o", "-"],
        ["progress", "export", "-"],
    ],
    ids=["deck schema", "deck export -o -", "progress export -"],
)
def test_a_full_standard_output_is_one_line_and_exit_1(args, tmp_path):
    with FULL.open("w") as full:
        done = studykit(args, full, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "error: cannot write to standard output: No space left on device"
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_pipe_whose_reader_has_gone_ends_quietly_with_exit_1(tmp_path):
    env = {**os.environ, "STUDYKIT_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "studykit", "deck", "export", "decks", "--to", "markdown", "-o-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    process.stdout.close()  # `| head` that has read enough, before the command writes anything
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "Error" not in stderr
