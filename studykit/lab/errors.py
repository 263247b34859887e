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


class LabSpecError(LabError, ValueError):
    """A lab spec (`NAME.yaml`) that cannot be used: `lab spec FILE:LINE: what is wrong; fix`."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"lab spec {where}: {problem}")
        self.where = where


class ModelDirError(LabError, ValueError):
    """A `--model DIR` that is missing or holds no causal language model."""


class UnsupportedModel(LabError):
    """A model the engine cannot adapt (e.g. no per-layer key/value cache for a prefix)."""

    def __init__(self, model_type: str, reason: str):
        reason = (reason.strip().splitlines() or ["unknown reason"])[0]  # one line, always
        super().__init__(
            f"studykit cannot put a prefix on {model_type} models: {reason}; prompt tuning and "
            "full fine-tuning may still work, prefix tuning needs a causal LM that caches one "
            "key/value pair of tensors per layer"
        )
        self.model_type = model_type


class DeviceError(LabError, ValueError):
    """A `--device` or `--dtype` that torch cannot use on this machine."""


class VocabularyError(LabError, ValueError):
    """A model whose tokenizer cannot write the words the synthetic tasks are made of."""
