"""Full fine-tuning: a trainable copy of the whole model. Every weight moves; the original base
model stays untouched, so other methods in the same lab still start from the same frozen weights.

    tuned = FullFineTune(base.model)
    logits = tuned(input_ids)           # (B, T, V)
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from transformers import PreTrainedModel


class FullFineTune(nn.Module):
    """A deep copy of a causal LM with every parameter trainable."""

    def __init__(self, base: PreTrainedModel):
        super().__init__()
        self.model = copy.deepcopy(base).requires_grad_(True)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V)."""
        return self.model(input_ids=input_ids, use_cache=False).logits
