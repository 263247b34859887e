"""Killing `studykit lab NAME --predict` mid-run (SIGKILL: no handler, no cleanup) loses no
earlier review: the first run's graded prediction and its rating were committed before the
second run started, so the store still holds them, opens read-only as `studykit stats` opens
it, and nothing of the killed run's card is half-stored.

The command runs in a fresh process with a stub lab (the runner replaced before the CLI
starts): its first run measures at once, its second blocks until the test kills it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from fsrs import Rating

from studykit.study.stats import compute_stats
from studykit.study.store import ProgressStore

pytestmark = pytest.mark.slow  # a subprocess (about 2 s)

SPEC = """\
name: stub-lab
title: A stub lab
summary: Measures a winner and a count.
params:
  steps: {type: int, default: 10, min: 1, max: 100}
observables:
  winner: {type: choice, help: which wins, values: [prompt, prefix]}
  count: {type: int, help: numbers trained}
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
"""

# The child: the stub lab as the only lab, prompts read from the pipe, then the real CLI.
CHILD = """\
import json, sys, time
from pathlib import Path

import studykit.cli.lab
import studykit.cli.lab_predict
import studykit.lab.catalog
import studykit.lab.runner
from studykit.lab.results import LabResult, Observation

labs, started = Path(sys.argv[1]), Path(sys.argv[2])
studykit.lab.catalog.bundled_labs_dir = lambda: labs
studykit.cli.lab_predict.stdin_is_terminal = lambda: True
studykit.cli.lab._lab_specs.cache_clear()

def run_lab(name, params=None, on_progress=None, should_stop=None):
    params = dict(params or {})
    if params.get("steps") == 50:  # pd-2's run: the test kills the process during it
        started.write_text(json.dumps(params))
        time.sleep(60)
    result = LabResult(name, seed=3, model="stub", params=params)
    result.observables = {"winner": Observation("prefix", detail="0.9 vs 0.4")}
    return result

studykit.lab.runner.run_lab = run_lab
from studykit.cli import app
app(sys.argv[3:], prog_name="studykit")
"""


def test_sigkill_during_the_second_run_keeps_the_first_review(tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "stub-lab.yaml").write_text(SPEC)
    deck = tmp_path / "deck.yaml"
    deck.write_text(DECK)
    data, started = tmp_path / "data", tmp_path / "second-run-started"
    argv = ["lab", "stub-lab", "--predict", "--decks", str(deck), "--data-dir", str(data)]
    # pd-1: 2 (prefix), no why; pd-2: 1024, no why; after pd-1's run: Enter takes Good.
    answers = "2\n\n1024\n\n\n"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(labs), str(started), *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # prompts and verdicts, in the order written
        text=True,
    )
    try:
        assert child.stdin is not None
        child.stdin.write(answers)
        child.stdin.close()
        deadline = time.monotonic() + 30  # a loaded machine starts Python slowly
        while not started.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        running = started.exists()
        if running:
            assert json.loads(started.read_text()) == {"steps": 50}  # the second run is running
            child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert child.stdout is not None
        out = child.stdout.read()
        assert running, out
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert "you predicted Prefix tuning — this run measured Prefix tuning" in out

    # Read-only, as `studykit stats` opens it after the crash.
    with ProgressStore.open(data, read_only=True) as store:
        reviews = store.reviews()
        predictions = store.predictions()
        assert [(r.card_id, r.rating) for r in reviews] == [("pd-1", Rating.Good)]
        assert [(p.card_id, p.correct, p.seed) for p in predictions] == [("pd-1", True, 3)]
        assert predictions[0].review_uid == reviews[0].uid  # stored together, in one commit
        (lab,) = [p for p in compute_stats(store, []).predictions if p.group == "lab"]
        assert (lab.name, lab.right, lab.predicted) == ("stub-lab", 1, 1)
