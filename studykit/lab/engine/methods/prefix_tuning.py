"""Prefix tuning (Li & Liang, 2021): k trainable keys and values in every layer, directly
("prefix-tuning") or computed by an MLP from k embeddings ("prefix-tuning-mlp").

The module itself is `studykit.lab.engine.prefix.Prefix`. Its size comes from the model's real
key/value geometry: with grouped-query attention a layer keeps H_kv·d_head numbers per key,
fewer than d, and the formula says so.
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
from studykit.lab.engine.prefix import Prefix


@dataclass(frozen=True)
class PrefixConfig(MethodConfig):
    method = "prefix-tuning"
    virtual_tokens: int = 4  # k
    # "random": standard normal, as peft's nn.Embedding; "vocab": the keys and values the model
    # itself makes for k random words
    init: str = "random"

    def check(self) -> None:
        whole_number(self, "virtual_tokens")
        one_of(self, "init", ("random", "vocab"))


@dataclass(frozen=True)
class PrefixMLPConfig(PrefixConfig):
    method = "prefix-tuning-mlp"
    mlp_hidden: int | None = None  # the MLP's width h; None: the model's width d

    def check(self) -> None:
        super().check()
        if self.mlp_hidden is not None:
            whole_number(self, "mlp_hidden")


def _build(base, config: PrefixConfig, generator: torch.Generator) -> nn.Module:
    return Prefix(base.model, config.virtual_tokens, init=config.init, generator=generator)


def _build_mlp(base, config: PrefixMLPConfig, generator: torch.Generator) -> nn.Module:
    hidden = config.mlp_hidden or base.config.hidden_size
    return Prefix(
        base.model, config.virtual_tokens, mlp_hidden=hidden, init=config.init, generator=generator
    )


def _per_task(model: nn.Module) -> dict[str, torch.Tensor]:
    """The prefix itself, as peft saves it: the MLP is only a way to train it, so its output is
    computed once and kept."""
    with torch.no_grad():
        return {"prefix": cast(Prefix, model).key_values().detach()}


def _key_value_formula(prefix: Prefix) -> tuple[int, str, str]:
    """Numbers per virtual token, 2·L·H_kv·d_head, in symbols and in this model's values."""
    L, H, hd = prefix.layers, prefix.kv_heads, prefix.head_dim
    if H * hd == prefix.base.config.hidden_size:  # keys as wide as the model: 2·L·d
        return 2 * L * H * hd, "2·L·d", f"2·{L}·{H * hd}"
    return 2 * L * H * hd, "2·L·H_kv·d_head", f"2·{L}·{H}·{hd}"


def _expected(model: nn.Module) -> Count:
    prefix = cast(Prefix, model)
    k = prefix.virtual_tokens
    width, symbols, values = _key_value_formula(prefix)
    if prefix.mlp is None:
        return Count(f"k·{symbols}", f"{k}·{values}", k * width)
    d, h = prefix.embedding.shape[1], cast(nn.Linear, prefix.mlp[0]).out_features
    numbers = k * d + (d * h + h) + (h * width + width)
    return Count(
        f"k·d + (d·h + h) + (h·W + W) (W = {symbols} = {values})",
        f"{k}·{d} + ({d}·{h} + {h}) + ({h}·{width} + {width})",
        numbers,
    )


def _spec(name: str, title: str, trains: str, config: type[PrefixConfig], build) -> MethodSpec:
    return MethodSpec(
        name=name,
        title=title,
        learns="by gradient",
        trains=trains,
        at_inference="k more keys and values to attend to in every layer",
        config=config,
        build=build,
        per_task=_per_task,
        expected_trainable=_expected,
    )


register(
    _spec("prefix-tuning", "prefix tuning", "k keys and values per layer", PrefixConfig, _build)
)
register(
    _spec(
        "prefix-tuning-mlp",
        "prefix tuning (MLP)",
        "k embeddings and an MLP that turns them into keys and values per layer",
        PrefixMLPConfig,
        _build_mlp,
    )
)
