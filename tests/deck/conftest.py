"""Fixtures for the deck tests: a small lab catalog the loader can check lab links against."""

from __future__ import annotations

from pathlib import Path

import pytest

LAB_SPEC = """\
name: prompt-vs-prefix
title: Prompt vs prefix tuning
summary: Train a soft prompt and a prefix on the same task.
params:
  task: {type: str, default: sort, choices: [sort, reverse]}
  steps: {type: int, default: 60, min: 1, max: 500}
"""


@pytest.fixture
def labs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lab catalog with one lab, `prompt-vs-prefix` (params: task, steps), kept out of
    `tmp_path` so loading a test's folder never finds it."""
    folder = tmp_path_factory.mktemp("labs")
    (folder / "prompt-vs-prefix.yaml").write_text(LAB_SPEC)
    return folder
