"""Prompt tuning (Lester et al., 2021): k trainable vectors in front of the input embeddings.

The module itself is `studykit.lab.engine.soft_prompt.SoftPrompt`; this file says how to build it
and what it costs. One more task stores the k×d prompt and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from studykit.lab.engine.methods.registry import (
    Count,
    MethodConfig,
    MethodSpec,
    one_of,
    register,
    whole_number,
)
from studykit.lab.engine.soft_prompt import SoftPrompt


@dataclass(frozen=True)
class PromptTuningConfig(MethodConfig):
    method = "prompt-tuning"
    virtual_tokens: int = 4  # k
    # "vocab": the embeddings of k random words (Lester et al.'s sampled-vocabulary init; it
    # stalled less often than noise in our runs); "random": noise at the embeddings' scale
    init: str = "vocab"

    def check(self) -> None:
        whole_number(self, "virtual_tokens")
        one_of(self, "init", ("vocab", "random"))


def _build(base, config: PromptTuningConfig, generator: torch.Generator) -> nn.Module:
    return SoftPrompt(base.model, config.virtual_tokens, init=config.init, generator=generator)


def _per_task(model: nn.Module) -> dict[str, torch.Tensor]:
    return {"prompt": cast(SoftPrompt, model).prompt.detach()}


def _expected(model: nn.Module) -> Count:
    k, d = cast(SoftPrompt, model).prompt.shape
    return Count("k·d", f"{k}·{d}", k * d)


register(
    MethodSpec(
        name="prompt-tuning",
        title="prompt tuning",
        learns="by gradient",
        trains="k vectors in front of the input embeddings",
        at_inference="k more positions in every sequence",
        config=PromptTuningConfig,
        build=_build,
        per_task=_per_task,
        expected_trainable=_expected,
    )
)
