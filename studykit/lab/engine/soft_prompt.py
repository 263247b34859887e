"""Prompt tuning (Lester et al., 2021): k trainable vectors in front of the input embeddings.

The base model is frozen; only the k×d matrix `prompt` learns. The vectors live where word
embeddings live, so they can steer the model only through its first layer's input.

    prompt = SoftPrompt(base.model, virtual_tokens=4)
    logits = prompt(input_ids)          # (B, T, V): one row per real token, as without a prompt

Same computation as peft's `PromptTuningConfig` for CAUSAL_LM: `cat((prompt, embeds), dim=1)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch
from torch import nn

if TYPE_CHECKING:
    from transformers import PreTrainedModel


class SoftPrompt(nn.Module):
    """A frozen causal LM behind k trainable input vectors. Trainable numbers: k·d."""

    def __init__(
        self,
        base: PreTrainedModel,
        virtual_tokens: int,
        init: str = "vocab",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.virtual_tokens = k = virtual_tokens
        table = cast(nn.Embedding, base.get_input_embeddings()).weight  # (V, d)
        # Drawn on the CPU from `generator` (the same numbers on any device), kept in float32
        # on the model's device whatever the model's dtype; forward casts to the model's dtype.
        if init == "vocab":  # start from the embeddings of k random words of the vocabulary
            ids = torch.randint(table.shape[0], (k,), generator=generator)
            start = table[ids.to(table.device)].detach().float().clone()
        elif init == "random":  # start from noise at the scale of the word embeddings
            start = torch.randn(k, table.shape[1], generator=generator) * table.float().std().item()
        else:
            raise ValueError(f'init must be "vocab" or "random", got {init!r}')
        self.prompt = nn.Parameter(start.to(table.device))  # (k, d)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V) for the real tokens."""
        B = input_ids.shape[0]
        embeds = self.base.get_input_embeddings()(input_ids)  # (B, T, d)
        prompt = self.prompt.to(embeds.dtype).unsqueeze(0).expand(B, -1, -1)  # (B, k, d)
        inputs = torch.cat((prompt, embeds), dim=1)  # (B, k+T, d)
        logits = self.base(inputs_embeds=inputs, use_cache=False).logits  # (B, k+T, V)
        return logits[:, self.virtual_tokens :]  # (B, T, V)
