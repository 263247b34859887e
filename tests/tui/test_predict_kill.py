"""Killing the TUI (SIGKILL: no handler runs) while a predict card's lab runs loses no earlier
review: the card predicted and rated before it stays in the store, with its prediction, and
the store opens afterwards (read-only too, as `studykit stats` opens it).

The app runs in its own process on an 80x24 pseudo-terminal, over the predict test deck, with
conftest's fake lab measuring the first run and hanging on the second until the kill.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from studykit.study.store import ProgressStore

pytestmark = pytest.mark.slow  # a subprocess (about 1.5 s of CPU)

HERE = Path(__file__).parent

CHILD = """\
import sys, time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, sys.argv[1])  # tests/tui: conftest's FakeLab, the predict deck
from conftest import FROZEN_NOW, FakeLab
from predict_helpers import LABS, WINNER_PREFIX, MeasuringLab, predict_load

from studykit.study.preferences import load_preferences, save_preferences
from studykit.study.store import ProgressStore
from studykit.tui.app import StudykitApp

data, marks = Path(sys.argv[2]), Path(sys.argv[3])
lab = MeasuringLab(FakeLab(), [WINNER_PREFIX])  # measures one run

def runner(name, params, on_progress, should_stop):
    if not lab.measures:  # the second run: hangs until the test kills the app
        (marks / "second-run").touch()
        while not should_stop():
            time.sleep(0.05)
    result = lab(name, params, on_progress, should_stop)
    (marks / "run-done").touch()
    return result

with ProgressStore.open(data) as store:
    # the deck's cards share one lab (siblings): burying off, so p-fastest comes after p-winner
    save_preferences(store, replace(load_preferences(store), bury_siblings="none"))
    app = StudykitApp(predict_load(), store, now=FROZEN_NOW, seed=7, lab_runner=runner,
                      labs_dir=LABS)
    app.run()
"""


class Terminal:
    """The child on a pseudo-terminal; `pump` reads what it wrote (so it never blocks)."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", HF_HUB_OFFLINE="1", TZ="UTC")
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.output = b""

    def pump(self, seconds: float = 0.05) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):
                self.output += os.read(self.master, 65536)

    def wait_for(self, what: str, done, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not done() and self.process.poll() is None and time.monotonic() < deadline:
            self.pump()
        assert done(), f"waited for {what}: {self.output[-600:]!r}"

    def press(self, keys: bytes, until: bytes) -> None:
        """Send `keys`, then read until the app has drawn `until`."""
        start = len(self.output)
        self.send(keys)
        self.wait_for(until.decode(), lambda: until in self.output[start:], 10)

    def send(self, keys: bytes) -> None:
        """Send `keys` only; what follows waits for their effect (a file, a review stored)."""
        os.write(self.master, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        with contextlib.suppress(OSError):
            os.close(self.master)


def reviews_in(data: Path) -> list[str]:
    path = data / "progress.sqlite3"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as raw:
        return [row[0] for row in raw.execute("SELECT card_id FROM review")]


def test_sigkill_during_a_predict_run_keeps_the_card_rated_before(tmp_path):
    data, marks = tmp_path / "data", tmp_path / "marks"
    marks.mkdir()
    term = Terminal(str(HERE), str(data), str(marks))
    try:
        term.wait_for("the home screen", lambda: b"Predict, then run" in term.output)
        term.press(b"\r", until=b"After 4 steps")  # study the deck: p-winner comes first
        # the first choice shown (right or wrong: a review either way); locked, the why box opens
        term.press(b"a", until=b"Because")
        ran = len(term.output)
        term.send(b"\r")  # no why: the lab runs
        term.wait_for("the first run", (marks / "run-done").exists)
        term.wait_for("the rating bar", lambda: b"Rate:" in term.output[ran:])  # and the verdict
        term.send(b"3")  # Good: the review and the prediction are committed
        term.wait_for("the first review", lambda: reviews_in(data) == ["p-winner"])
        term.press(b"\r", until=b"Because")  # p-fastest: the ordering as shown, locked
        term.send(b"\r")  # no why: its run starts, and hangs
        term.wait_for("the second run", (marks / "second-run").exists)
        term.process.send_signal(signal.SIGKILL)
        assert term.process.wait(10) == -signal.SIGKILL
    finally:
        term.close()

    with ProgressStore.open(data, read_only=True) as store:
        assert [r.card_id for r in store.reviews()] == ["p-winner"]
        (prediction,) = store.predictions()
        assert prediction.card_id == "p-winner" and prediction.value == "prefix-tuning"
    with contextlib.closing(sqlite3.connect(data / "progress.sqlite3")) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
