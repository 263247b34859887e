"""The real `studykit` command with a stand-in for the lab engine, for the tests that run a lab
in a real process to send it a signal (tests/cli/test_lab_cli.py, tests/tui/test_signals.py):

    python tests/cli/stub_lab.py lab prompt-vs-prefix --steps 5000 --json

is `python -m studykit lab ...` (its options checked against the real spec, its live display,
its signal handling, its output), with `run_lab` replaced by a loop that trains nothing. The
process then starts without torch, in a fraction of the seconds the real engine takes to load.
That the real lab stops when asked and returns what it measured is tested in process
(tests/lab/test_runner.py::test_should_stop_returns_what_was_measured).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import studykit.lab.runner
from studykit.lab.results import LabResult, MethodResult, Progress

STEP_SECONDS = 0.01  # about a real step of the bundled model; 5000 steps last 50 s


def run_lab(
    name: str, params: dict[str, Any] | None = None, on_progress=None, should_stop=None
) -> LabResult:
    """Like the real prompt-vs-prefix's part one: two methods measured untrained, then one
    trained step by step, checking `should_stop` after each step (the step under way when the
    stop came finishes)."""
    full = studykit.lab.runner.resolve_params(name, params)  # the real validation and defaults
    result = LabResult(lab=name, seed=full["seed"], model="stub", params=full)
    for key in ("skill/no-prompt", "skill/hand-written"):
        result.methods[key] = MethodResult(0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 1.0)
    curve = []
    for step in range(1, full["steps"] + 1):
        time.sleep(STEP_SECONDS)
        curve.append({"step": step, "loss": 2.0 / step})
        if on_progress is not None:
            on_progress(Progress("skill/prompt-tuning", step, full["steps"], 2.0 / step))
        if should_stop is not None and should_stop():
            result.interrupted = True
            break
    result.methods["skill/prompt-tuning"] = MethodResult(
        256, 0.25, 0.0, 0.0, len(curve), STEP_SECONDS * len(curve), 1000 * STEP_SECONDS, 1.0,
        curve=curve,
    )  # fmt: skip
    return result


if __name__ == "__main__":
    studykit.lab.runner.run_lab = run_lab  # the CLI imports it from there when a lab runs
    from studykit.cli import main

    sys.argv = ["studykit", *sys.argv[1:]]
    main()
