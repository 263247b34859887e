"""Shared fixtures for the engine tests: one torch thread, and the bundled base model, loaded
once per test process."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    """Torch on one thread for every lab test, as run_lab runs it (base.use_one_thread): on a
    busy 2-core machine a second spin-waiting thread made a tiny model's forward pass ~100x
    slower (a test that builds its own model, without `base`, took ~1 s instead of ~0.01 s).
    Set here and not at import, so collecting the suite does not import torch."""
    from studykit.lab.engine.base import use_one_thread

    use_one_thread()


@pytest.fixture(scope="session")
def base():
    from studykit.lab.engine.base import load_base

    return load_base()


@pytest.fixture
def fresh_base():
    """A private copy of the base model, for tests that hand it to another library (peft)."""
    from studykit.lab.engine.base import load_base

    return load_base()


@pytest.fixture(scope="session")
def peft():
    """peft, a test-only dependency, imported by the first test that compares with it: at
    module level it cost every test process ~1.6 s at collection, whatever tests it then ran."""
    return pytest.importorskip("peft")


@pytest.fixture
def small_held_out():
    """Held-out sets capped at 16 examples for the test (see held_out.py: counts, not scores)."""
    from held_out import few_held_out

    with few_held_out():
        yield


@pytest.fixture(scope="session")
def prompt_vs_prefix_short():
    """prompt-vs-prefix with 3 steps a part, and the progress events it sent: run once for the
    files that read it (test_runner, test_lab_prompt_vs_prefix), which must not change it."""
    from studykit.lab.runner import run_lab

    events: list = []
    result = run_lab("prompt-vs-prefix", {"steps": 3, "new_steps": 3}, on_progress=events.append)
    return result, events
