"""The adaptation methods a lab can compare, built by name from one frozen base model.

    model = build("prompt-tuning", base, virtual_tokens=4, seed=0)
    logits = model(input_ids)           # (B, T, V) for every method

| name              | what trains                                | trainable numbers  |
|-------------------|--------------------------------------------|--------------------|
| no-prompt         | nothing (the instruction word is removed)  | 0                  |
| hand-written      | nothing (a word written by hand; the data  | 0                  |
|                   | carries it, see `TaskData(words=...)`)     |                    |
| prompt-tuning     | k input vectors (`SoftPrompt`)             | k·d                |
| prefix-tuning     | k keys and values per layer (`Prefix`)     | k·2·L·d            |
| prefix-tuning-mlp | the same through an MLP (Li & Liang)       | k·d + MLP          |
| full-finetune     | a copy of every weight (`FullFineTune`)    | all of them        |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from studykit.lab.base import Base
from studykit.lab.finetune import FullFineTune
from studykit.lab.measure import generator
from studykit.lab.prefix import Prefix
from studykit.lab.soft_prompt import SoftPrompt

if TYPE_CHECKING:
    from transformers import PreTrainedModel

TRAINED = ["prompt-tuning", "prefix-tuning", "prefix-tuning-mlp", "full-finetune"]
UNTRAINED = ["no-prompt", "hand-written"]


# Where each method's trainable numbers start. Prompt tuning from the embeddings of random words
# (Lester et al.'s sampled-vocabulary init; it stalled less often than noise in our runs); the
# prefix from standard normal noise, as peft's nn.Embedding does.
DEFAULT_INIT = {"prompt-tuning": "vocab", "prefix-tuning": "random", "prefix-tuning-mlp": "random"}


class Frozen(nn.Module):
    """The base model as it is: nothing trains."""

    def __init__(self, base: PreTrainedModel):
        super().__init__()
        self.base = base

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V)."""
        return self.base(input_ids=input_ids, use_cache=False).logits


def build(
    name: str,
    base: Base,
    *,
    virtual_tokens: int = 4,
    seed: int = 0,
    init: str | None = None,
    mlp_hidden: int | None = None,
) -> nn.Module:
    """A fresh instance of method `name` over `base`; its starting values depend only on seed."""
    gen = generator(seed, name)
    init = init or DEFAULT_INIT.get(name, "random")
    if name in UNTRAINED:
        return Frozen(base.model)
    if name == "prompt-tuning":
        return SoftPrompt(base.model, virtual_tokens, init=init, generator=gen)
    if name == "prefix-tuning":
        return Prefix(base.model, virtual_tokens, init=init, generator=gen)
    if name == "prefix-tuning-mlp":
        hidden = mlp_hidden or base.config.hidden_size
        return Prefix(base.model, virtual_tokens, mlp_hidden=hidden, init=init, generator=gen)
    if name == "full-finetune":
        return FullFineTune(base.model)
    raise KeyError(f'unknown method "{name}" (known: {", ".join(UNTRAINED + TRAINED)})')
