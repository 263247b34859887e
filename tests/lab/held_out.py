"""A lab run whose held-out sets are capped at a few examples, for tests that assert what is
counted (parameters, checksums, devices, steps), never what is scored: a short lab spends most
of its time evaluating 256 examples before and after each method (~0.8 of 1.1 s on a tiny
model). A test that checks a finding or a score must not use this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

FEW = 16


@contextmanager
def few_held_out(size: int = FEW) -> Iterator[None]:
    """Within the block, every `LabRun.data(...)` builds at most `size` held-out examples."""
    from studykit.lab.engine.harness import LabRun

    real = LabRun.data

    def data(self, task, words=(), batch_size=64, eval_size=256):
        return real(self, task, words, batch_size, min(eval_size, size))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LabRun, "data", data)
        yield
