"""A discrete prompt: real tokens of the vocabulary put in front of every input, nothing trained.

    prompt = DiscretePrompt(base.model, torch.tensor([7]))    # e.g. the token "reverse"
    logits = prompt(input_ids)           # (B, T, V): one row per real token, as without a prompt

The `rl-prompt` lab searches for such a prompt with a policy; this module serves the one found.
"""

from __future__ import annotations

import torch
from torch import nn


class DiscretePrompt(nn.Module):
    """The frozen model behind a fixed sequence of k real tokens. Trainable numbers: 0."""

    def __init__(self, lm: nn.Module, prompt_ids: torch.Tensor):
        super().__init__()
        self.lm, self.prompt_ids = lm, prompt_ids  # (k,)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V) for the real tokens."""
        k = self.prompt_ids.shape[0]
        prompt_ids = self.prompt_ids.to(input_ids.device)  # a no-op unless the model is on a GPU
        ids = torch.cat((prompt_ids.expand(input_ids.shape[0], -1), input_ids), dim=1)
        return self.lm(input_ids=ids, use_cache=False).logits[:, k:]
