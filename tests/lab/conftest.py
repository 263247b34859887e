"""Shared fixtures for the engine tests: the bundled base model, loaded once per test process."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def base():
    from studykit.lab.engine.base import load_base, use_one_thread

    use_one_thread()
    return load_base()


@pytest.fixture
def fresh_base():
    """A private copy of the base model, for tests that hand it to another library (peft)."""
    from studykit.lab.engine.base import load_base

    return load_base()
