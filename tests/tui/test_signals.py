"""`kill` and a closed terminal end `studykit study` and a CLI lab like a quit: the terminal is
restored (main screen, mouse reporting off, cursor shown), every committed rating is kept, and
the exit status is non-zero (128 + the signal). Each test runs the real command in a
pseudo-terminal and acts as soon as the screen shows the state it needs (never after a fixed
wait); the CLI lab's run is a stub that trains nothing (tests/cli/stub_lab.py), so it starts
without torch.
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
from tui_paths import TINY_DECK

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
STUB_LAB = ROOT / "tests" / "cli" / "stub_lab.py"  # the real CLI over a lab that trains nothing
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")


class Terminal:
    """A command running in an 80x24 pseudo-terminal; `output` is every byte it wrote.
    `program`: the script to run instead of `python -m studykit`."""

    def __init__(self, *args: str, program: Path | None = None) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", HF_HUB_OFFLINE="1")
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen(
            [sys.executable, *(["-m", "studykit"] if program is None else [str(program)]), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self.output = b""

    def read(self, seconds: float, until: bytes | None = None, quiet: float | None = None) -> None:
        """Collect output for up to `seconds`, or until `until` appears, or until nothing
        came for `quiet` seconds."""
        end = last = time.monotonic()
        end += seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the other end closed: the process is gone
                    return
                if not chunk:
                    return
                self.output += chunk
                last = time.monotonic()
                if until is not None and until in self.output:
                    return
            elif quiet is not None and time.monotonic() - last >= quiet:
                return

    def press(self, keys: bytes, until: bytes) -> None:
        """Send `keys`, then read until the app has drawn `until`."""
        start = len(self.output)
        os.write(self.master, keys)
        deadline = time.monotonic() + 10
        while until not in self.output[start:] and time.monotonic() < deadline:
            self.read(0.05, until=until)
        assert until in self.output[start:], (until, self.output[-500:])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        with contextlib.suppress(OSError):  # closed already by a test
            os.close(self.master)


@pytest.fixture
def terminal():
    opened: list[Terminal] = []

    def start(*args: str, program: Path | None = None) -> Terminal:
        opened.append(Terminal(*args, program=program))
        return opened[-1]

    yield start
    for term in opened:
        term.close()


def reviews_in(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "progress.sqlite3") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return raw.execute("SELECT COUNT(*) FROM review").fetchone()[0]


def rate_the_first_card(term: Terminal, data_dir: Path) -> None:
    term.read(30, until=b"Tiny test deck")
    assert b"Tiny test deck" in term.output, term.output[-500:]
    term.press(b"\r", until=b"soft prompt train")  # open the deck: its flashcard comes first
    term.press(b" ", until=b"embedding vectors")  # flip it: its back is shown
    os.write(term.master, b"3")  # Good
    deadline = time.monotonic() + 10
    while reviews_in(data_dir) < 1 and time.monotonic() < deadline:
        term.read(0.05)  # keep reading, so the app never waits to write
    assert reviews_in(data_dir) == 1


def test_sigterm_quits_the_study_tui_restoring_the_terminal(terminal, tmp_path):
    data_dir = tmp_path / "data"
    term = terminal("study", str(TINY_DECK), "--data-dir", str(data_dir))
    rate_the_first_card(term, data_dir)
    before = len(term.output)
    term.process.send_signal(signal.SIGTERM)
    term.read(15)
    assert term.process.wait(15) == 128 + signal.SIGTERM
    after = term.output[before:]
    for sequence in (LEAVE_ALTERNATE_SCREEN, SHOW_CURSOR, *MOUSE_OFF):
        assert sequence in after, (sequence, after[-400:])
    assert b"stopped by SIGTERM; every rating made was saved" in after
    assert reviews_in(data_dir) == 1


def test_a_closed_terminal_ends_the_tui_and_keeps_the_rating(terminal, tmp_path):
    data_dir = tmp_path / "data"
    term = terminal("study", str(TINY_DECK), "--data-dir", str(data_dir))
    rate_the_first_card(term, data_dir)
    os.close(term.master)  # the terminal window is closed ...
    term.master = -1
    term.process.send_signal(signal.SIGHUP)  # ... and the shell passes on its hangup
    assert term.process.wait(20) == 128 + signal.SIGHUP  # handled, not killed by it
    assert reviews_in(data_dir) == 1


def test_sigterm_stops_a_cli_lab_and_shows_the_cursor_again(terminal):
    term = terminal("lab", "prompt-vs-prefix", "--steps", "5000", program=STUB_LAB)
    term.read(30, until=b"prompt tuning")  # the live progress display is up: it is training
    assert b"prompt tuning" in term.output, term.output[-500:]
    before = len(term.output)
    term.process.send_signal(signal.SIGTERM)
    term.read(60)
    assert term.process.wait(60) == 128 + signal.SIGTERM
    after = term.output[before:]
    assert SHOW_CURSOR in after
    assert b"Methods" in after  # what was measured is still printed
