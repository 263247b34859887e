"""Full fine-tuning: a trainable copy of every weight (`studykit.lab.engine.finetune.FullFineTune`).

The only method here that answers with weights of its own: one more task stores a whole
state_dict, and the shared base stays untouched for the other methods of a lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from studykit.lab.engine.finetune import FullFineTune
from studykit.lab.engine.methods.registry import Count, MethodConfig, MethodSpec, register


@dataclass(frozen=True)
class FullFineTuneConfig(MethodConfig):
    """No options: every weight trains."""

    method = "full-finetune"


def _build(base, config: FullFineTuneConfig, generator: torch.Generator) -> nn.Module:
    return FullFineTune(base.model)


def _copy(model: nn.Module) -> nn.Module:
    return cast(FullFineTune, model).model


def _per_task(model: nn.Module) -> dict[str, torch.Tensor]:
    return _copy(model).state_dict()


def _expected(model: nn.Module) -> Count:
    every = sum(p.numel() for p in _copy(model).parameters())  # tied weights once
    return Count("every weight", "", every)


register(
    MethodSpec(
        name="full-finetune",
        title="full fine-tuning",
        learns="by gradient",
        trains="a copy of every weight",
        at_inference="nothing, but a whole model per task",
        config=FullFineTuneConfig,
        build=_build,
        per_task=_per_task,
        expected_trainable=_expected,
        own_weights=_copy,
    )
)
