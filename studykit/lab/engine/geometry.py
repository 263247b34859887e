"""The shape of a causal LM as the adaptation methods see it, read from the model itself.

Configs name the same numbers differently (Falcon says `num_kv_heads` where Llama says
`num_key_value_heads`, and a multi-query Falcon caches one key/value head whatever the config
says), so the key/value geometry comes from one probe instead: a single token through the model
with `use_cache=True`. Every layer's cached keys are (batch, H_kv, tokens, d_head), which is
exactly what a prefix must hand back.

    shape = read_geometry(base.model)      # Geometry(model_type="llama (LlamaForCausalLM)", ...)
    str(prefix_count(shape, k=4))          # "k·2·L·H_kv·d_head = 4·2·2·2·16 = 512"
    str(soft_prompt_count(base.model, 4))  # "k·d = 4·64 = 256" (no probe needed)

The counts say which formula they are: `k·2·L·d` when H_kv·d_head equals the width d (GPT-2,
GPT-NeoX, OPT), `k·2·L·H_kv·d_head` when keys and values are narrower than the width
(grouped-query and multi-query attention: Llama, Qwen2, Mistral, Phi-3, Gemma, Falcon).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from studykit.lab.errors import UnsupportedModel

if TYPE_CHECKING:
    import torch
    from torch import nn
    from transformers import PreTrainedModel


def cache_argument(model: nn.Module) -> str:
    """The name under which `model`'s forward pass takes, and its output returns, an attention
    cache: "cache" from transformers 5.24 on, "past_key_values" before."""
    parameters = inspect.signature(model.forward).parameters  # follows decorators' __wrapped__
    return "cache" if "cache" in parameters else "past_key_values"


def model_type(model: nn.Module) -> str:
    """What the model is, for messages: "falcon (FalconForCausalLM)"."""
    kind = getattr(getattr(model, "config", None), "model_type", "") or "unknown"
    return f"{kind} ({type(model).__name__})"


def device_of(model: nn.Module) -> torch.device:
    """Where the model's weights are (and so where its inputs must go)."""
    return next(model.parameters()).device


def dtype_of(model: PreTrainedModel) -> torch.dtype:
    """The dtype the model computes in: that of its input embeddings."""
    return _embeddings(model).weight.dtype


def _embeddings(model: PreTrainedModel) -> nn.Embedding:
    return cast("nn.Embedding", model.get_input_embeddings())


@dataclass(frozen=True)
class Geometry:
    """The numbers the methods' parameter counts are made of."""

    model_type: str  # e.g. "llama (LlamaForCausalLM)"
    layers: int  # L: the layers that keep keys and values
    width: int  # d: the model's hidden size
    embedding_width: int  # what one input embedding (one soft-prompt vector) holds
    kv_heads: int  # H_kv: key/value heads as the model caches them
    head_dim: int  # d_head

    @property
    def kv_width(self) -> int:
        """Numbers in one token's key (or value) at one layer: H_kv·d_head."""
        return self.kv_heads * self.head_dim


@dataclass(frozen=True)
class Count:
    """A parameter count with the formula it comes from, read from the model's real geometry
    (its layers, key/value heads, head width), never from a textbook shape: str() is
    `k·d = 4·64 = 256`, or `every weight = 103,296` for a formula with no numbers in it."""

    formula: str  # in symbols, e.g. "k·2·L·d"
    numbers: str  # the same with the model's numbers, e.g. "4·2·2·64"; "" when there are none
    value: int

    def __str__(self) -> str:
        if not self.numbers:
            return f"{self.formula} = {self.value:,}"
        return f"{self.formula} = {self.numbers} = {self.value:,}"


def widths(model: PreTrainedModel) -> tuple[int, int]:
    """(d, the width of one input embedding): equal but in a few models (OPT may embed
    narrower than its hidden size). Read without a forward pass."""
    embedding = int(_embeddings(model).weight.shape[1])
    return int(getattr(model.config, "hidden_size", None) or embedding), embedding


def soft_prompt_count(model: PreTrainedModel, k: int) -> Count:
    """A soft prompt trains k vectors as wide as an input embedding."""
    width, embedding = widths(model)
    return Count("k·d" if embedding == width else "k·d_embed", f"{k}·{embedding}", k * embedding)


def prefix_count(shape: Geometry, k: int) -> Count:
    """A prefix (without the MLP) trains a key and a value per virtual token and layer."""
    L = shape.layers
    if shape.kv_width == shape.width:
        return Count("k·2·L·d", f"{k}·2·{L}·{shape.width}", k * 2 * L * shape.width)
    numbers = f"{k}·2·{L}·{shape.kv_heads}·{shape.head_dim}"
    return Count("k·2·L·H_kv·d_head", numbers, k * 2 * L * shape.kv_width)


def read_geometry(model: PreTrainedModel) -> Geometry:
    """Probe `model` with one token and read its cache; `UnsupportedModel` (one line naming the
    model type) when the model keeps no per-layer key/value tensors a prefix could stand in."""
    import torch

    name = model_type(model)
    ids = torch.zeros((1, 1), dtype=torch.long, device=device_of(model))
    try:
        with torch.no_grad():
            output = model(input_ids=ids, use_cache=True)
    except Exception as error:  # any failure here means "this model does not run this way"
        reason = f"its forward pass with use_cache=True failed ({error})"
        raise UnsupportedModel(name, reason) from None
    cache = getattr(output, cache_argument(model), None)
    layers = getattr(cache, "layers", None)
    if not layers:
        raise UnsupportedModel(name, "it returned no per-layer key/value cache")
    shapes = set()
    for layer in layers:
        keys, values = getattr(layer, "keys", None), getattr(layer, "values", None)
        if not isinstance(keys, torch.Tensor) or not isinstance(values, torch.Tensor):
            raise UnsupportedModel(name, "a layer of its cache holds no key/value tensors")
        if keys.dim() != 4 or keys.shape != values.shape or keys.shape[2] != 1:
            raise UnsupportedModel(name, f"its cached keys have shape {tuple(keys.shape)}")
        shapes.add(tuple(keys.shape))
    if len(shapes) != 1:
        raise UnsupportedModel(name, "its layers cache keys of different shapes")
    _, kv_heads, _, head_dim = shapes.pop()
    width, embedding = widths(model)
    return Geometry(
        model_type=name,
        layers=len(layers),
        width=width,
        embedding_width=embedding,
        kv_heads=int(kv_heads),
        head_dim=int(head_dim),
    )
