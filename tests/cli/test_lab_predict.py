"""`studykit lab NAME --predict`: prompts driven through the runner's input, a stub lab whose
measurement differs between two runs (so the same prediction is right, then wrong), the
predictions and reviews in the progress store, --json, and the refusal without a terminal."""

from __future__ import annotations

import json

import pytest
from fsrs import Rating
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.results import LabResult, Observation
from studykit.study.store import ProgressStore

SPEC = """\
name: stub-lab
title: A stub lab
summary: Measures a winner and a count.
params:
  steps: {type: int, default: 10, min: 1, max: 100}
observables:
  winner: {type: choice, help: which wins, values: [prompt, prefix, tie]}
  count: {type: int, help: numbers trained}
  fastest: {type: order, help: fastest first, values: [a, b]}
"""

DECK = """\
id: pd
title: Predictions
description: Predict, then run.
topics: [{id: pd-t, title: Predicting}]
cards:
  - id: pd-1
    kind: predict
    topic: pd-t
    lab: stub-lab
    question: Which wins?
    observe: winner
    choices:
      - {text: Prompt tuning, value: prompt}
      - {text: Prefix tuning, value: prefix}
    explanation: The prefix reaches every layer.
  - id: pd-2
    kind: predict
    topic: pd-t
    lab: {name: stub-lab, params: {steps: 50}}
    question: How many numbers train?
    observe: count
    tolerance: 0
    explanation: Counted by requires_grad.
  - id: pd-3
    kind: predict
    topic: pd-t
    lab: stub-lab
    question: Which is fastest?
    observe: fastest
    choices:
      - {text: A, value: a}
      - {text: B, value: b}
    explanation: B has more to train.
"""

runner = CliRunner()


@pytest.fixture
def lab(monkeypatch, tmp_path):
    """The stub lab as the only lab; each run measures the next of `measured`."""
    import studykit.cli.lab
    import studykit.cli.lab_predict
    import studykit.lab.catalog
    import studykit.lab.runner

    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "stub-lab.yaml").write_text(SPEC)
    monkeypatch.setattr(studykit.lab.catalog, "bundled_labs_dir", lambda: labs)
    monkeypatch.setattr(studykit.cli.lab_predict, "stdin_is_terminal", lambda: True)
    studykit.cli.lab._lab_specs.cache_clear()
    runs: list[dict] = []
    measured: list[dict[str, Observation]] = []

    def stub_run_lab(name, params=None, on_progress=None, should_stop=None):
        runs.append(dict(params or {}))
        result = LabResult(name, seed=len(runs), model="stub", params=dict(params or {}))
        result.observables = measured.pop(0)
        return result

    monkeypatch.setattr(studykit.lab.runner, "run_lab", stub_run_lab)
    yield runs, measured
    studykit.cli.lab._lab_specs.cache_clear()


def invoke(tmp_path, *args, answers=""):
    deck = tmp_path / "deck.yaml"
    deck.write_text(DECK)
    data = tmp_path / "data"
    argv = ["lab", "stub-lab", "--predict", "--decks", str(deck), "--data-dir", str(data), *args]
    return runner.invoke(app, argv, input=answers), data


MEASURED = {
    "winner": Observation("prefix", detail="prefix 0.9 vs prompt 0.4"),
    "fastest": Observation(["b", "a"]),
}


def test_predictions_are_asked_run_graded_rated_and_stored(lab, tmp_path):
    runs, measured = lab
    measured += [MEASURED, {"count": Observation(1024)}]
    # pd-1: "x" is re-asked, then 2 (prefix) with a why; pd-2: 1,000; pd-3: 2 1.
    # Then ratings: pd-1 and pd-3 accept the suggestion (Enter); pd-2 overrides with Hard.
    answers = "x\n2\ndeeper wins\n1,000\n\n2 1\n\n\n\n2\n"
    out, data = invoke(tmp_path, answers=answers)
    assert out.exit_code == 0, out.output
    # one run per parameter set: pd-1 and pd-3 on the defaults, pd-2 on steps=50
    assert runs == [{}, {"steps": 50}]
    assert "type one number, 1 to 2" in out.output  # the "x" was re-asked
    assert "you predicted Prefix tuning — this run measured Prefix tuning" in out.output
    assert (
        "prefix 0.9 vs prompt 0.4" in out.output and "The prefix reaches every layer" in out.output
    )
    assert "you predicted 1,000 — this run measured 1,024" in out.output
    with ProgressStore.open(data) as store:
        kept = {p.card_id: p for p in store.predictions()}
        reviews = {r.card_id: r for r in store.reviews()}
    assert kept["pd-1"].correct and kept["pd-1"].reason == "deeper wins" and kept["pd-1"].seed == 1
    assert kept["pd-2"].correct is False and kept["pd-2"].params == {"steps": 50}
    assert kept["pd-3"].answer == ["b", "a"] and kept["pd-3"].correct
    assert reviews["pd-1"].rating == Rating.Good and reviews["pd-2"].rating == Rating.Hard
    # each graded card keeps its run in its history, as the TUI's lab screen does
    with ProgressStore.open(data) as store:
        seeds = {card: [run.summary["seed"] for run in store.lab_runs(card)] for card in kept}
    assert seeds == {"pd-1": [1], "pd-2": [2], "pd-3": [1]}
    assert "3 predictions graded: 2 right; saved to" in out.output


def test_a_card_not_graded_keeps_no_lab_run(lab, tmp_path):
    runs, measured = lab
    measured += [{"fastest": Observation(["a", "b"])}, {}]  # winner and count never measured
    out, data = invoke(tmp_path, answers="1\n\n5\n\n1 2\n\n\n")
    assert out.exit_code == 0, out.output
    with ProgressStore.open(data) as store:
        assert [len(store.lab_runs(card)) for card in ("pd-1", "pd-2", "pd-3")] == [0, 0, 1]
    assert "1 prediction graded: 1 right" in out.output


def test_the_grade_follows_the_run(lab, tmp_path):
    """The same prediction, two runs measuring differently: right, then wrong."""
    runs, measured = lab
    measured += [
        MEASURED,
        {"count": Observation(1024)},
        {"winner": Observation("prompt"), "fastest": Observation(["b", "a"])},
        {"count": Observation(1024)},
    ]
    answers = "2\n\n1024\n\n2 1\n\n\n\n\n"
    first, data = invoke(tmp_path, "--json", answers=answers)
    second, _ = invoke(tmp_path, "--json", answers=answers)
    grades = []
    for out in (first, second):
        assert out.exit_code == 0, out.output
        payload = json.loads(out.stdout)
        (pd1,) = [p for run in payload["runs"] for p in run["predictions"] if p["card"] == "pd-1"]
        grades.append((pd1["correct"], pd1["measured_value"], pd1["rating"]))
    assert grades == [(True, "prefix", "Good"), (False, "prompt", "Again")]
    with ProgressStore.open(data) as store:
        assert [p.correct for p in store.predictions("pd-1")] == [True, False]


def test_a_run_that_did_not_measure_records_nothing(lab, tmp_path):
    runs, measured = lab
    measured += [{"fastest": Observation(["a", "b"])}, {}]  # winner and count never measured
    out, data = invoke(tmp_path, answers="1\n\n5\n\n1 2\n\n\n")
    assert out.exit_code == 0, out.output
    assert out.output.count("No review recorded") == 2
    with ProgressStore.open(data) as store:
        assert [p.card_id for p in store.predictions()] == ["pd-3"]
        assert [r.card_id for r in store.reviews()] == ["pd-3"]


def test_an_option_that_contradicts_a_card_skips_it(lab, tmp_path):
    runs, measured = lab
    measured += [MEASURED]
    out, _ = invoke(tmp_path, "--steps", "20", answers="1\n\n1 2\n\n\n\n")
    assert out.exit_code == 0, out.output
    assert "skipped pd-2: it is written for steps=50, the run has steps=20" in out.output
    assert runs == [{"steps": 20}]


def test_without_a_terminal_predict_is_refused_in_one_line(lab, tmp_path, monkeypatch):
    import studykit.cli.lab_predict

    monkeypatch.setattr(studykit.cli.lab_predict, "stdin_is_terminal", lambda: False)
    out, data = invoke(tmp_path)
    assert out.exit_code == 2 and len(out.stderr.splitlines()) == 1
    assert "needs a terminal" in out.stderr and not data.exists()


def test_help_and_list_show_the_observables(lab):
    shown = runner.invoke(app, ["lab", "stub-lab", "--help"], env={"COLUMNS": "200"})
    assert "--predict" in shown.output and "winner (choice: prompt, prefix, tie)" in shown.output
    listed = json.loads(runner.invoke(app, ["lab", "list", "--json"]).stdout)
    (stub,) = listed["labs"]
    assert stub["observables"]["count"] == {"type": "int", "help": "numbers trained"}


def test_no_predict_card_on_the_lab_says_what_to_do_in_one_line(lab, tmp_path):
    deck = tmp_path / "other.yaml"
    deck.write_text(DECK.replace("stub-lab", "another-lab"))
    data = tmp_path / "data"
    argv = ["lab", "stub-lab", "--predict", "--decks", str(deck), "--data-dir", str(data)]
    out = runner.invoke(app, argv)
    assert out.exit_code == 2 and "Traceback" not in out.output
    (line,) = out.stderr.splitlines()
    assert f"no predict card in {deck} links to lab stub-lab" in line
    assert "kind: predict, lab: stub-lab" in line and "without --predict" in line
    assert not data.exists()  # nothing asked, nothing stored


def test_predict_on_an_unknown_lab_names_the_lab_near_it(lab, tmp_path):
    out = runner.invoke(app, ["lab", "stub-lap", "--predict", "--data-dir", str(tmp_path / "d")])
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "stub-lap" in out.output and "stub-lab" in out.output  # did you mean
    assert not (tmp_path / "d").exists()
