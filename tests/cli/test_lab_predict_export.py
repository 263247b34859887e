"""`deck export --run-labs`: each linked lab runs once per parameter set (a stub here), and the
predict card is exported keyed by what it measured, saying on which seed; without the flag the
card is left out with a note."""

from __future__ import annotations

from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.results import LabResult, Observation

DECK = """\
id: ex
title: Export
description: Predict cards exported.
topics: [{id: ex-t, title: T}]
cards:
  - id: ex-1
    kind: predict
    topic: ex-t
    lab: stub-lab
    question: What does the loss do at the largest rate?
    observe: loss_at_largest_lr
    choices:
      - {text: It falls, value: falls}
      - {text: It rises, value: rises}
      - {text: It blows up, value: non-finite}
    explanation: Because.
  - id: ex-2
    kind: predict
    topic: ex-t
    lab: stub-lab
    question: Which rate ends lowest?
    observe: lowest_sgd_rate
    choices:
      - {text: The smallest, value: smallest}
      - {text: A middle one, value: middle}
      - {text: The largest, value: largest}
    explanation: Because.
  - id: ex-3
    kind: flashcard
    topic: ex-t
    front: F
    back: B
"""

SPEC = """\
name: stub-lab
title: A stub lab
summary: Measures what the loss does.
observables:
  loss_at_largest_lr: {type: choice, help: the loss, values: [falls, rises, non-finite]}
  lowest_sgd_rate: {type: choice, help: the rate, values: [smallest, middle, largest]}
"""

runner = CliRunner()


def test_run_labs_keys_the_card_by_one_run_per_parameter_set(tmp_path, monkeypatch):
    import studykit.lab.catalog
    import studykit.lab.runner

    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "stub-lab.yaml").write_text(SPEC)
    monkeypatch.setattr(studykit.lab.catalog, "bundled_labs_dir", lambda: labs)
    runs = []

    def stub_run_lab(name, params=None, on_progress=None, should_stop=None):
        runs.append((name, params))
        result = LabResult(name, seed=5, model="stub", params=dict(params or {}))
        result.observables = {"loss_at_largest_lr": Observation("falls", detail="9.1 → 2.3")}
        return result

    monkeypatch.setattr(studykit.lab.runner, "run_lab", stub_run_lab)
    deck = tmp_path / "ex.yaml"
    deck.write_text(DECK)
    out = runner.invoke(app, ["deck", "export", str(deck), "-o", "-", "--to", "markdown"])
    assert out.exit_code == 0, out.output
    assert "What does the loss do" not in out.stdout and "ex-1:" in out.stderr
    assert runs == []
    out = runner.invoke(
        app, ["deck", "export", str(deck), "-o", "-", "--to", "markdown", "--run-labs"]
    )
    assert out.exit_code == 0, out.output
    assert runs == [("stub-lab", {})]  # both cards share one run
    assert "What does the loss do" in out.stdout and "measured on seed 5" in out.stdout
    assert "9.1 → 2.3" in out.stdout
    # the other card's observable was not measured: left out, saying so
    assert "ex-2: the run stopped before measuring lowest_sgd_rate" in out.stderr
    assert "Which rate ends lowest" not in out.stdout
