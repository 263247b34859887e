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
The number of layers, key/value heads and head width come from probing the model's own cache
(`geometry.read_geometry`), not from its config, whose names differ between families (Falcon's
multi-query attention caches one key/value head); a model that keeps no such cache is refused in
one line naming its type (`UnsupportedModel`).
The trainable numbers stay float32 on the model's device whatever the model's dtype; the cache
handed to the model is cast to the model's dtype.
With `mlp_hidden`, the prefix is computed by a small MLP from k embeddings (Li & Liang's
reparameterisation, which they found steadier to train); without it, the numbers train directly.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import torch
from torch import nn

from studykit.lab.engine.geometry import cache_argument, device_of, dtype_of, read_geometry
from studykit.lab.errors import LabError

if TYPE_CHECKING:
    from transformers import DynamicCache, PreTrainedModel


class Prefix(nn.Module):
    """A frozen causal LM with k trainable key/value pairs per layer.

    With w = 2·L·H_kv·d_head numbers per virtual token (2·L·d when H_kv·d_head = d, as in GPT-2),
    trainable numbers: k·w directly, or k·d + (d·h + h) + (h·w + w) with the MLP.
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
        shape = read_geometry(base)  # raises UnsupportedModel for a model without such a cache
        self.virtual_tokens = k = virtual_tokens
        self.layers, self.kv_heads, self.head_dim = shape.layers, shape.kv_heads, shape.head_dim
        width = 2 * self.layers * self.kv_heads * self.head_dim  # numbers per virtual token
        d = shape.embedding_width  # the MLP reads vectors shaped like word embeddings
        if init == "vocab":  # the keys and values the model itself makes for k random words
            start = self._word_key_values(k, generator)  # (k, width)
        elif init == "random":  # standard normal, like peft's nn.Embedding
            start = torch.randn(k, width if not mlp_hidden else d, generator=generator)
        else:
            raise ValueError(f'init must be "vocab" or "random", got {init!r}')
        if mlp_hidden:
            if init == "vocab":  # the MLP input starts from word embeddings instead
                table = cast(nn.Embedding, base.get_input_embeddings()).weight
                ids = torch.randint(table.shape[0], (k,), generator=generator)
                start = table[ids.to(table.device)].float().clone()
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
        self.to(device_of(base))  # made on the CPU from `generator`: same numbers on any device

    def key_values(self) -> torch.Tensor:
        """The prefix as one matrix (k, 2·L·H·head_dim)."""
        return self.mlp(self.embedding) if self.mlp is not None else self.prefix

    def cache(self, batch_size: int) -> DynamicCache:
        """A fresh attention cache with the prefix in every layer: keys, values (B, H, k, hd)."""
        from transformers import DynamicCache

        k, L, H, hd = self.virtual_tokens, self.layers, self.kv_heads, self.head_dim
        kv = self.key_values().to(dtype_of(self.base))  # float32 master numbers, model's dtype
        kv = kv.view(k, 2 * L, H, hd).permute(1, 2, 0, 3)  # (2L, H, k, hd)
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
        ids = ids.to(device_of(self.base))
        cache = getattr(self.base(input_ids=ids, use_cache=True), self.cache_argument)
        per_layer = []
        for layer in cache.layers:  # keys, values: (1, H, k, hd)
            per_layer += [layer.keys[0], layer.values[0]]
        kv = torch.stack(per_layer)  # (2L, H, k, hd)
        return kv.permute(2, 0, 1, 3).reshape(k, -1).float()  # (k, 2L·H·hd)
