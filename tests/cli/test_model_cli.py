"""`studykit model pretrain --out DIR`: never writes into a folder it was not given, and never
leaves an unfinished model where a finished one was (the shipped model included).

The training itself is replaced by a fake with `pretrain`'s signature that writes the files a
model folder holds, so these tests take a fraction of a second; tests/lab trains for real.
"""

from __future__ import annotations

import os
import signal

import pytest
from typer.testing import CliRunner

from studykit.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def fake_pretrain(monkeypatch):
    """`pretrain` that trains 10 steps in no time; `signal_at` sends a signal mid-run."""
    import studykit.lab.engine.pretrain

    class Fake:
        def __init__(self):
            self.signal_at: int | None = None
            self.signum = signal.SIGINT
            self.out_dirs: list = []

        def __call__(self, out_dir, config, on_progress=None, should_stop=None):
            self.out_dirs.append(out_dir)
            for step in range(1, 11):
                if step == self.signal_at:
                    os.kill(os.getpid(), self.signum)  # the CLI's handler runs here
                if should_stop and should_stop():
                    return None  # what pretrain does when stopped early: nothing saved
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "model.safetensors").write_text("new weights")
            (out_dir / "config.json").write_text("{}")
            return {}

    fake = Fake()
    monkeypatch.setattr(studykit.lab.engine.pretrain, "pretrain", fake)
    return fake


def test_a_folder_that_holds_files_is_refused_without_force(tmp_path, fake_pretrain):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_text("the shipped weights")
    result = invoke("model", "pretrain", "--out", str(folder))
    assert result.exit_code == 2
    assert "is not empty" in result.stderr and "--force" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert (folder / "model.safetensors").read_text() == "the shipped weights"
    assert fake_pretrain.out_dirs == []  # refused before any training


def test_training_goes_to_a_temporary_folder_and_replaces_the_old_one_at_the_end(
    tmp_path, fake_pretrain
):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_text("old weights")
    (folder / "stale.txt").write_text("from the old model")
    result = invoke("model", "pretrain", "--out", str(folder), "--force")
    assert result.exit_code == 0, result.output
    [trained_in] = fake_pretrain.out_dirs
    assert trained_in != folder and trained_in.parent == folder.parent
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert (folder / "model.safetensors").read_text() == "new weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary folder left


def test_an_empty_or_new_folder_needs_no_force(tmp_path, fake_pretrain):
    (tmp_path / "empty").mkdir()
    for name in ("empty", "new/nested"):
        result = invoke("model", "pretrain", "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name / "model.safetensors").read_text() == "new weights"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_exits_non_zero_and_keeps_the_old_model(
    tmp_path, fake_pretrain, signum, code
):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_text("old weights")
    fake_pretrain.signal_at, fake_pretrain.signum = 4, signum
    result = invoke("model", "pretrain", "--out", str(folder), "--force")
    assert result.exit_code == code, result.output
    assert "nothing was written" in result.stderr.splitlines()[-1]
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors"]
    assert (folder / "model.safetensors").read_text() == "old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_stopped_pretrain_saves_nothing(tmp_path):
    from studykit.lab.engine.pretrain import PretrainConfig, pretrain

    config = PretrainConfig(seed=0, steps=5, eval_every=1000)
    assert pretrain(tmp_path / "out", config, should_stop=lambda: True) is None
    assert not (tmp_path / "out").exists()
