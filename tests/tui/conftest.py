"""Fixtures for the TUI tests: a small fixed deck, a fresh progress store per test, a frozen
clock and answer timer, and a fake lab runner that reports progress and honours should_stop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

# Study days roll over at 04:00 *local* time: pin the zone so dates and snapshots are stable.
os.environ["TZ"] = "UTC"
time.tzset()

import textual._wait  # noqa: E402

# Textual's pilot decides the app is idle by sleeping in 20 ms slices until one passes with
# almost no CPU used; each key press waits three times, so nearly half of a pilot test's time was
# sleep. Slices of 4 ms (the same 1:10 idle ratio) finish the same waits five times sooner.
# A test that needs layout settled waits for it (`settled` below), never for time.
textual._wait.SLEEP_GRANULARITY = 0.004
textual._wait.SLEEP_IDLE = 0.0004

from tui_paths import LABS_DIR, TINY_DECK  # noqa: E402

from studykit.deck.loader import load_decks  # noqa: E402
from studykit.lab.catalog import Catalog  # noqa: E402
from studykit.lab.results import Claim, LabResult, MethodResult, Progress  # noqa: E402
from studykit.study.store import ProgressStore  # noqa: E402
from studykit.tui.app import StudykitApp  # noqa: E402

FROZEN_NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # a Monday, noon
SEED = 7


class FakeTimer:
    """A monotonic clock the test moves by hand, so answer durations are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeLab:
    """Stands in for `run_lab`: same signature, real `Progress` events and a real `LabResult`
    computed from the losses it reported. `gate` makes it wait between steps, so a test can
    press keys while it runs; `should_stop` ends it early with `interrupted=True`.
    """

    def __init__(self, steps: int = 4, methods: tuple[str, ...] = ("soft-prompt",)) -> None:
        self.steps = steps
        self.methods = methods
        self.gate: threading.Event | None = None
        self.free_steps = 0  # steps taken before the gate is consulted
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.started = threading.Event()
        self.tables = True  # the lab's own table of first and last losses

    def __call__(
        self,
        name: str,
        params: dict[str, Any],
        on_progress: Callable[[Progress], None],
        should_stop: Callable[[], bool],
    ) -> LabResult:
        self.calls.append((name, dict(params)))
        self.started.set()
        result = LabResult(lab=name, seed=0, model="fake", params=dict(params))
        interrupted = False
        for method in self.methods:
            curve = []
            for step in range(1, self.steps + 1):
                if self.gate is not None and step > self.free_steps:
                    while not self.gate.wait(0.01):
                        if should_stop():
                            break
                if should_stop():
                    interrupted = True
                    break
                loss = 2.0 / step
                accuracy = step / self.steps
                on_progress(Progress(method, step, self.steps, loss, {"exact_match": accuracy}))
                curve.append({"step": step, "loss": loss})
            done = len(curve)
            result.methods[method] = MethodResult(
                trainable_params=40,
                trainable_pct=0.5,
                exact_match_before=0.0,
                exact_match_after=done / self.steps,
                steps=done,
                seconds=0.1 * done,
                ms_per_step=100.0,
                peak_rss_mb=50.0,
                curve=curve,
            )
            if interrupted:
                break
        final = result.methods[self.methods[0]]
        result.claims = [Claim("the loss went down", len(final.curve) > 1)]
        result.tables = (
            {}
            if not self.tables
            else {
                "losses": {
                    "columns": ["method", "first loss", "last loss", "change"],
                    "rows": [
                        [m, r.curve[0]["loss"], r.curve[-1]["loss"], r.curve[-1]["loss"] - 2.0]
                        for m, r in result.methods.items()
                        if r.curve
                    ],
                }
            }
        )
        result.interrupted = interrupted
        return result


@pytest.fixture
def tiny_load():
    return load_decks([TINY_DECK], lab_catalog=Catalog(LABS_DIR))


@pytest.fixture
def store(tmp_path):
    with ProgressStore.open(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def timer():
    return FakeTimer()


@pytest.fixture
def fake_lab():
    return FakeLab()


@pytest.fixture
def make_app(tiny_load, store, timer, fake_lab):
    """Build the app over the tiny deck (or another LoadResult) with everything frozen."""

    def build(load=None, **options) -> StudykitApp:
        options.setdefault("lab_runner", fake_lab)
        options.setdefault("labs_dir", LABS_DIR)
        return StudykitApp(
            load or tiny_load, store, now=FROZEN_NOW, seed=SEED, timer=timer, **options
        )

    return build
