"""The base model as it is: no prompt, or a prompt written by hand. Nothing trains.

Both are the same module; they differ in the data. "hand-written" is scored on examples that
open with a word chosen by a person (`TaskData(words=...)`), "no-prompt" on examples without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from studykit.lab.engine.methods.registry import Count, MethodConfig, MethodSpec, register


class Frozen(nn.Module):
    """The base model as it is: nothing trains."""

    def __init__(self, base: nn.Module):
        super().__init__()
        self.base = base

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V)."""
        return self.base(input_ids=input_ids, use_cache=False).logits


@dataclass(frozen=True)
class FrozenConfig(MethodConfig):
    """No options: the frozen model has nothing to set."""

    method = "no-prompt"


@dataclass(frozen=True)
class HandWrittenConfig(MethodConfig):
    method = "hand-written"


def _nothing(model: nn.Module) -> dict[str, torch.Tensor]:
    return {}  # a hand-written prompt is text in the data, not a tensor


def _zero(model: nn.Module) -> Count:
    return Count("nothing trains", "", 0)


def _build(base, config: MethodConfig, generator: torch.Generator) -> nn.Module:
    return Frozen(base.model)


register(
    MethodSpec(
        name="no-prompt",
        title="no prompt",
        learns="nothing",
        trains="nothing (the instruction word is removed)",
        at_inference="nothing",
        config=FrozenConfig,
        build=_build,
        per_task=_nothing,
        expected_trainable=_zero,
    )
)
register(
    MethodSpec(
        name="hand-written",
        title="hand-written prompt",
        learns="nothing",
        trains="nothing (a word written by hand opens each prompt)",
        at_inference="the prompt's words, read before the input",
        config=HandWrittenConfig,
        build=_build,
        per_task=_nothing,
        expected_trainable=_zero,
    )
)
