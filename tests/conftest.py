"""Hooks for the whole suite."""

from __future__ import annotations

import gc
import os
import tempfile

import pytest
from hypothesis import settings

# Hypothesis in CI: derandomized, so a run tries the same examples every time and CI never goes
# red on a push that did not cause it, because the search happened to find an old bug that day;
# the examples that found real bugs are pinned with @example. Without a database: a fresh clone
# has none, and CI must not depend on what an earlier run left. On a developer's machine
# (the default profile) the search stays random and its database replays what it found, so
# new bugs are still looked for at every local run. Each property sets its own max_examples.
# No deadline in either: it is wall time, which a loaded 2-core machine stretches at random;
# inputs that must stay fast have their own CPU-time bounds (test_markup, test_safe_yaml, ...).
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _temp_files_in_memory() -> None:
    """Put the tests' temporary files on tmpfs (/dev/shm) where the machine has one.

    The progress store is SQLite with synchronous=FULL: opening one cost 52-64 ms of syncs on
    this machine's disk (1 ms on tmpfs), every write syncs too, and together they were a fifth
    of the suite's wall time (114 s against 94 s with -n 2). The crash tests kill processes,
    which tmpfs survives as a disk does; none of them is about power loss. A TMPDIR the user
    set wins. Here, at import, so that xdist's controller and workers all take it: the
    controller hands each worker a base temp directory under its own.
    """
    shm = "/dev/shm"
    if "TMPDIR" in os.environ or not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return
    os.environ["TMPDIR"] = shm
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again


_temp_files_in_memory()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Collect the garbage now, once, and freeze what is left, so that the session ends quickly.

    As it shuts down, pytest collects garbage 5 times (to report what finalizers raise); with a
    heap holding torch, transformers and Textual each pass takes about a second. An xdist worker
    still busy 5 s after the controller ends the run sends itself SIGINT (execnet's
    `_terminate_execution`), and the KeyboardInterrupt lands in the first Python code to run,
    hypothesis's gc callback: "Exception ignored in: gc_callback … KeyboardInterrupt". Here,
    before the worker reports that it finished, the collection has all the time it needs, and
    pytest still reports anything a finalizer raises; its own passes then see only new objects.
    """
    gc.collect()
    gc.freeze()
