"""A discrete prompt: k real tokens of the vocabulary in front of every input, found by a search
(the `rl-prompt` lab's policy) rather than trained by gradient. The module itself is
`studykit.lab.engine.discrete_prompt.DiscretePrompt`; one more task stores its k token ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import torch
from torch import nn

from studykit.lab.engine.discrete_prompt import DiscretePrompt
from studykit.lab.engine.methods.registry import (
    Count,
    MethodConfig,
    MethodError,
    MethodSpec,
    register,
)


@dataclass(frozen=True)
class DiscretePromptConfig(MethodConfig):
    method = "discrete-prompt"
    tokens: tuple[int, ...] = ()  # the prompt's token ids, in order

    def check(self) -> None:
        tokens = self.tokens
        ids = isinstance(tokens, tuple) and all(
            isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in tokens
        )
        if not ids or not tokens:
            raise MethodError(
                f"discrete-prompt: tokens must be a tuple of one or more token ids (whole numbers "
                f"≥ 0), got {tokens!r}"
            )


def _build(base, config: DiscretePromptConfig, generator: torch.Generator) -> nn.Module:
    vocabulary = base.config.vocab_size
    outside = [t for t in config.tokens if t >= vocabulary]
    if outside:
        raise MethodError(
            f"discrete-prompt: token id {outside[0]} is not in the model's vocabulary "
            f"(ids 0-{vocabulary - 1})"
        )
    return DiscretePrompt(base.model, torch.tensor(config.tokens))


def _per_task(model: nn.Module) -> dict[str, torch.Tensor]:
    return {"prompt_ids": cast(DiscretePrompt, model).prompt_ids}


def _expected(model: nn.Module) -> Count:
    chosen = len(cast(DiscretePrompt, model).prompt_ids)
    return Count(f"nothing trains by gradient ({chosen} tokens chosen)", "", 0)


register(
    MethodSpec(
        name="discrete-prompt",
        title="discrete prompt",
        learns="by search",
        trains="nothing by gradient: k real tokens, chosen by a search",
        at_inference="k more positions in every sequence",
        config=DiscretePromptConfig,
        build=_build,
        per_task=_per_task,
        expected_trainable=_expected,
    )
)
