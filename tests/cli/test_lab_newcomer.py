"""What a newcomer met first on `studykit lab`: a bad option is the only line shown (never after
"Running lab ..."), `lab list` readable at 80 columns with every lab name whole, and live
progress rows that fit 80 columns without a figure cut."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.errors import LabParamError
from studykit.lab.results import LabResult, Progress

runner = CliRunner()


@pytest.fixture
def stub_run(monkeypatch):
    """`run_lab` replaced: it raises what `raising` holds, else sends one progress event."""
    import studykit.lab.runner

    raising: list[Exception] = []

    def stub_run_lab(name, params=None, on_progress=None, should_stop=None):
        if raising:
            raise raising[0]
        if on_progress is not None:
            on_progress(Progress(method="sgd", step=1, total_steps=2, loss=1.0))
        return LabResult(name, seed=0, model="stub", params=dict(params or {}))

    monkeypatch.setattr(studykit.lab.runner, "run_lab", stub_run_lab)
    return raising


def test_an_option_the_lab_rejects_is_the_only_line(stub_run):
    stub_run.append(LabParamError(["lab gradient-descent: lrs must be numbers, got '0.1,abc'"]))
    out = runner.invoke(app, ["lab", "gradient-descent", "--lrs", "0.1,abc"])
    assert out.exit_code == 2
    assert out.stderr.splitlines() == [
        "studykit: lab gradient-descent: lrs must be numbers, got '0.1,abc'"
    ]


def test_a_run_that_starts_says_so_once(stub_run):
    out = runner.invoke(app, ["lab", "gradient-descent", "--steps", "2", "--json"])
    assert out.exit_code == 0, out.output
    assert out.stderr.count("Running lab gradient-descent") == 1


@pytest.mark.parametrize("columns", [80, 160])
def test_lab_list_keeps_every_name_and_observable_whole(columns):
    from studykit.lab.catalog import all_labs

    out = runner.invoke(app, ["lab", "list"], env={"COLUMNS": str(columns)})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert "…" not in out.stdout and all(len(line) <= columns for line in lines)
    words = {word.strip(",│ ") for line in lines for word in line.split()}
    for spec in all_labs().values():
        assert spec.name in words  # the name a learner types, on one line
        assert set(spec.observables) <= words
    assert len(lines) < 12 * len(all_labs())  # was 156 lines for 9 labs at 80 columns
