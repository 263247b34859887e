"""Errors a lab run reports to the learner as one line. Torch-free, so callers can catch them
without importing the engine."""

from __future__ import annotations


class LabError(Exception):
    """Any problem that stops a lab before it runs; `str(error)` is the one-line message."""


class LabParamError(LabError, ValueError):
    """Parameters that do not fit the lab's declared parameters (`catalog.check_params`)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class ModelDirError(LabError, ValueError):
    """A `--model DIR` that is missing or holds no causal language model."""
