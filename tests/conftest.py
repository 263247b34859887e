"""Hooks for the whole suite."""

from __future__ import annotations

import gc

import pytest


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
