"""What every lab run shares: the frozen base model, the seed, the callbacks, and the result.

The runner builds a `LabRun` (it loads the base model and checksums it), hands it to the lab
module's `run(lab, params)`, and finishes it (checksum after, wall time, interrupted). A lab
(`studykit/lab/experiments/<name>.py`) reads top to bottom: its constants, then `run`, then its
tables and claims:

    def run(lab: LabRun, params: dict[str, Any]) -> None:
        data = lab.data("reverse")                                    # instruction word removed
        lab.measure("no-prompt", data)                                # untrained: one evaluation
        lab.train("prompt-tuning", data, TrainConfig(steps=100, lr=0.1), virtual_tokens=4)
        lab.claim("the prompt helped", lab.em("prompt-tuning") > lab.em("no-prompt"))

A lab records through the run's verbs only — `measure`, `train`, `record(key, result)`,
`table(name, columns, rows, note=)`, `curves(*metrics)`, `claim(text, holds)` (a finding),
`invariant(text, holds)` (true by construction), `observe(name, value, detail=)` — and reads back
`methods`, `em(key)` and `base_checksum`; it never writes the `LabResult` itself
(tests/lab/test_lab_modules.py checks it).
Method keys may carry a part, as in "skill/prompt-tuning": the part before the slash groups rows
in tables and curves; the part after it names the method built by `methods.build`.
When `should_stop()` turns true, `train` returns early and `stopped` is true: the lab should skip
what is left and return; the runner's `finish()` marks the result interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from torch import nn

from studykit.lab.catalog import check_observation, get_lab
from studykit.lab.engine.base import Base, load_base, use_one_thread
from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.device import dtype_name, resolve_device, resolve_dtype
from studykit.lab.engine.measure import checksum, seed_everything
from studykit.lab.engine.methods import build
from studykit.lab.engine.train import TrainConfig, measure_only, train
from studykit.lab.results import (
    Claim,
    LabResult,
    MethodResult,
    Observation,
    ProgressCallback,
    StopCheck,
)
from studykit.lab.tasks import Task, get_task


class LabRun:
    def __init__(
        self,
        lab: str,
        params: dict[str, Any],
        on_progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
    ):
        self.started = time.perf_counter()
        self.spec = get_lab(lab)
        self.params = params
        self.seed = int(params.get("seed", 0))
        self.on_progress, self.should_stop = on_progress, should_stop
        device = resolve_device(params.get("device") or "auto")  # DeviceError: one line
        dtype = resolve_dtype(params.get("dtype") or "auto", device)
        if device.type == "cpu":  # the one-thread rule is about CPU threads only
            use_one_thread()
        seed_everything(self.seed)
        self.base: Base = load_base(params.get("model") or None, device=device, dtype=dtype)
        self.encoder = Encoder(self.base.tokenizer, device=device, source=str(self.base.path))
        self._result = LabResult(
            lab=lab,
            seed=self.seed,
            model=str(self.base.path),
            params=dict(params),
            device=str(device),
            dtype=dtype_name(dtype),
        )
        self._result.base_checksum_before = checksum(self.base.model)

    @property
    def stopped(self) -> bool:
        return bool(self.should_stop and self.should_stop())

    def data(
        self,
        task: str | Task,
        words: tuple[str, ...] = (),
        batch_size: int = 64,
        eval_size: int = 256,
    ) -> TaskData:
        """Batches and a held-out set for a task; `words` open each prompt (default: none).
        `VocabularyError` (one line) if the model's tokenizer cannot write them or the task."""
        task = get_task(task) if isinstance(task, str) else task
        self.encoder.require(words)  # a hand-written prompt the lab relies on
        return TaskData(
            task,
            self.encoder,
            words=words,
            seed=self.seed,
            batch_size=batch_size,
            eval_size=eval_size,
        )

    def measure(self, key: str, data: TaskData, method: str | None = None) -> MethodResult:
        """Score an untrained method (default: the frozen base) and record it under `key`."""
        model = build(method or _method_name(key), self.base, seed=self.seed)
        return self.record(key, measure_only(model, data, base_params=self.base.num_params))

    def train(
        self,
        key: str,
        data: TaskData,
        config: TrainConfig,
        method: str | None = None,
        **build_args: Any,
    ) -> tuple[MethodResult, nn.Module]:
        """Build method `key` (or `method`), train it, record the result; returns both."""
        model = build(method or _method_name(key), self.base, seed=self.seed, **build_args)
        result = train(
            key,
            model,
            data,
            config,
            base_params=self.base.num_params,
            on_progress=self.on_progress,
            should_stop=self.should_stop,
        )
        return self.record(key, result), model

    # -- what a lab records -------------------------------------------------------------------

    def record(self, key: str, result: MethodResult) -> MethodResult:
        """Add a method's result (trained by the lab's own hooks) under `key`; returns it."""
        self._result.methods[key] = result
        return result

    def table(self, name: str, columns: list[str], rows: list[list[Any]], note: str = "") -> None:
        """A lab-specific table, rendered by the CLI and the TUI under `name`; `note` says how
        to read it (drawn as its caption)."""
        self._result.tables[name] = {"columns": columns, "rows": rows}
        if note:
            self._result.tables[name]["note"] = note

    def curves(self, *metrics: str) -> None:
        """The curve keys the plots draw, one row of panels each (default: exact_match)."""
        self._result.curve_metrics = list(metrics)

    def claim(self, text: str, holds: bool) -> None:
        """A finding: a statement about this run that could have come out otherwise. Its text
        says only what `holds` checks."""
        self._result.claims.append(Claim(text, bool(holds)))

    def invariant(self, text: str, holds: bool) -> None:
        """A check that is true by construction (a checksum, a count, a shape); shown apart
        from the findings. A ✗ here is a bug in the engine, not a result."""
        self._result.claims.append(Claim(text, bool(holds), kind="invariant"))

    def observe(self, name: str, value: Any, detail: str = "", rows: Sequence[str] = ()) -> None:
        """Record what this run measured for the spec's observable `name` (see `Observable`):
        what a learner's prediction is graded against. `detail` gives the numbers behind it."""
        self._result.observables[name] = Observation(
            check_observation(self.spec, name, value), detail, tuple(rows)
        )

    # -- what a lab reads back ----------------------------------------------------------------

    @property
    def methods(self) -> Mapping[str, MethodResult]:
        """The methods recorded so far, by key (read-only)."""
        return MappingProxyType(self._result.methods)

    def em(self, key: str) -> float:
        """Exact match after training (or as measured) of a recorded method."""
        return self._result.methods[key].exact_match_after

    @property
    def base_checksum(self) -> str:
        """sha256 of the base model's weights when the run started."""
        return self._result.base_checksum_before

    def base_unchanged(self) -> bool:
        """Whether the base model's weights are still bit-for-bit what they were at the start."""
        return checksum(self.base.model) == self._result.base_checksum_before

    def finish(self) -> LabResult:
        """Called by the runner once the lab's `run` returned: checksum after, wall time, and
        every declared observable the run did not reach reported as not measured."""
        for name in self.spec.observables:
            self._result.observables.setdefault(
                name, Observation(None, "not measured: the run stopped before it")
            )
        self._result.base_checksum_after = checksum(self.base.model)
        self._result.interrupted = self.stopped
        self._result.wall_seconds = time.perf_counter() - self.started
        return self._result


def _method_name(key: str) -> str:
    return key.rsplit("/", 1)[-1]
