"""Prefix tuning (Li & Liang, 2021): trainable keys and values at every layer.

Every real token attends, in every layer, to k extra key/value pairs as if k tokens had come
before it. Unlike a soft prompt, which only enters at the input, the prefix conditions each layer
directly. The base model is frozen; only the prefix learns.

    prefix = Prefix(base.model, virtual_tokens=4)
    logits = prefix(input_ids)          # (B, T, V)

The prefix is handed to the model as its attention cache, rebuilt for every forward pass because
the model appends the real tokens' keys and values to the cache it is given. transformers 5.24
renamed that argument from `past_key_values` to `cache` (the old name warns, and goes in 5.40);
`cache_argument` picks whichever name the model's forward pass declares, and a forward pass checks
that the model really used the cache, because a name it does not know is swallowed by `**kwargs`
and ignored without a word.

Layout per virtual token, as in peft's `PrefixTuningConfig`: [layer][key|value][head][head_dim].
With `mlp_hidden`, the prefix is computed by a small MLP from k embeddings (Li & Liang's
reparameterisation, which they found steadier to train); without it, the numbers train directly.
"""

from __future__ import annotations

import inspect
import math
from typing import TYPE_CHECKING, cast

import torch
from torch import nn

from studykit.lab.errors import LabError

if TYPE_CHECKING:
    from transformers import DynamicCache, PreTrainedModel


def cache_argument(model: nn.Module) -> str:
    """The name under which `model`'s forward pass takes, and its output returns, an attention
    cache: "cache" from transformers 5.24 on, "past_key_values" before."""
    parameters = inspect.signature(model.forward).parameters  # follows decorators' __wrapped__
    return "cache" if "cache" in parameters else "past_key_values"


class Prefix(nn.Module):
    """A frozen causal LM with k trainable key/value pairs per layer.

    Trainable numbers: k·2·L·d directly, or k·d + (d·h + h) + (h·2·L·d + 2·L·d) with the MLP.
    """

    def __init__(
        self,
        base: PreTrainedModel,
        virtual_tokens: int,
        mlp_hidden: int = 0,
        init: str = "random",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.cache_argument = cache_argument(base)
        c = base.config
        self.virtual_tokens = k = virtual_tokens
        self.layers = c.num_hidden_layers
        self.kv_heads = getattr(c, "num_key_value_heads", None) or c.num_attention_heads
        self.head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
        width = 2 * self.layers * self.kv_heads * self.head_dim  # numbers per virtual token
        d = c.hidden_size
        if init == "vocab":  # the keys and values the model itself makes for k random words
            start = self._word_key_values(k, generator)  # (k, width)
        elif init == "random":  # standard normal, like peft's nn.Embedding
            start = torch.randn(k, width if not mlp_hidden else d, generator=generator)
        else:
            raise ValueError(f'init must be "vocab" or "random", got {init!r}')
        if mlp_hidden:
            if init == "vocab":  # the MLP input starts from word embeddings instead
                table = cast(nn.Embedding, base.get_input_embeddings()).weight
                start = table[torch.randint(table.shape[0], (k,), generator=generator)].clone()
            self.embedding = nn.Parameter(start.detach())  # (k, d)
            first, last = nn.Linear(d, mlp_hidden), nn.Linear(mlp_hidden, width)
            self.mlp: nn.Sequential | None = nn.Sequential(first, nn.Tanh(), last)
            for layer in (first, last):  # torch's default init, from `generator`
                bound = 1 / math.sqrt(layer.in_features)
                nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        else:
            self.prefix = nn.Parameter(start.detach())  # (k, width)
            self.mlp = None

    def key_values(self) -> torch.Tensor:
        """The prefix as one matrix (k, 2·L·H·head_dim)."""
        return self.mlp(self.embedding) if self.mlp is not None else self.prefix

    def cache(self, batch_size: int) -> DynamicCache:
        """A fresh attention cache with the prefix in every layer: keys, values (B, H, k, hd)."""
        from transformers import DynamicCache

        k, L, H, hd = self.virtual_tokens, self.layers, self.kv_heads, self.head_dim
        kv = self.key_values().view(k, 2 * L, H, hd).permute(1, 2, 0, 3)  # (2L, H, k, hd)
        kv = kv.unsqueeze(1).expand(-1, batch_size, -1, -1, -1)  # (2L, B, H, k, hd)
        return DynamicCache(ddp_cache_data=[(kv[2 * i], kv[2 * i + 1]) for i in range(L)])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V). Real tokens take positions k..k+T-1."""
        cache = self.cache(input_ids.shape[0])
        kwargs = {self.cache_argument: cache}
        logits = self.base(input_ids=input_ids, use_cache=True, **kwargs).logits
        if cache.get_seq_length() == self.virtual_tokens:  # nothing appended: the model ignored it
            import transformers

            raise LabError(
                f"transformers {transformers.__version__} ignored the prefix handed to "
                f"{type(self.base).__name__} as `{self.cache_argument}=`; install the transformers "
                "version pinned in the project's lock file"
            )
        return logits

    @torch.no_grad()
    def _word_key_values(self, k: int, generator: torch.Generator | None) -> torch.Tensor:
        """Run k random vocabulary words through the model and keep their keys and values."""
        ids = torch.randint(self.base.config.vocab_size, (1, k), generator=generator)
        cache = getattr(self.base(input_ids=ids, use_cache=True), self.cache_argument)
        per_layer = []
        for layer in cache.layers:  # keys, values: (1, H, k, hd)
            per_layer += [layer.keys[0], layer.values[0]]
        kv = torch.stack(per_layer)  # (2L, H, k, hd)
        return kv.permute(2, 0, 1, 3).reshape(k, -1)  # (k, 2L·H·hd)
