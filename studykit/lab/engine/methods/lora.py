"""LoRA (Hu et al., 2021, arXiv 2106.09685): a trainable low-rank change beside frozen matrices.

An adapted weight matrix W (d_out × d_in) keeps its values; beside it learn A (r × d_in) and
B (d_out × r), and the layer computes

    h = W·x + (α/r)·B·A·x

B starts at zero, so training starts exactly at the base model; A starts random, as torch's
nn.Linear does (kaiming-uniform, a = √5), like the paper's code (loralib) and peft (the paper's
text says Gaussian). Each adapted matrix trains r·(d_in + d_out) numbers, not d_in·d_out.

Which matrices: peft's defaults for causal LMs. The paper adapts the attention's query and
value projections W_q and W_v; where a model keeps them apart (Llama, Qwen2, Mistral: q_proj,
v_proj) those are adapted. GPT-2 computes query, key and value with one fused matrix (c_attn,
a Conv1D d → 3d), so there, as in peft, one A and one B adapt all three. `targets=` names
others. Options match peft's `LoraConfig` defaults: r = 8, α = 8, no dropout, no bias.

The frozen base is shared with the other methods of a lab and never changed: the low-rank path
joins the frozen layers through forward hooks that exist only during LoRA's own forward pass.
`merged()` returns a plain copy of the model with W + (α/r)·B·A written into its weights: the
same logits, and nothing extra to compute at inference.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from studykit.lab.engine.methods.registry import (
    Count,
    MethodConfig,
    MethodError,
    MethodSpec,
    positive_number,
    register,
    whole_number,
)

# The attention projections to adapt when `targets` is not given, first match wins: separate
# query and value projections (the paper's W_q, W_v), else the fused query-key-value matrix
# (GPT-2's c_attn; GPT-NeoX, BLOOM, Falcon's query_key_value; Phi-3's qkv_proj), as in peft.
DEFAULT_TARGETS = (("q_proj", "v_proj"), ("c_attn",), ("query_key_value",), ("qkv_proj",))


@dataclass(frozen=True)
class LoraConfig(MethodConfig):
    method = "lora"
    r: int = 8  # the rank of B·A
    alpha: float = 8.0  # the update is scaled by alpha / r
    targets: tuple[str, ...] = ()  # names of the layers to adapt; () = DEFAULT_TARGETS

    def check(self) -> None:
        whole_number(self, "r")
        positive_number(self, "alpha")
        targets = self.targets
        if not isinstance(targets, tuple) or not all(isinstance(t, str) and t for t in targets):
            raise MethodError(
                f"lora: targets must be a tuple of layer names such as ('q_proj', 'v_proj'), "
                f"got {targets!r}"
            )


def _is_conv1d(layer: nn.Module) -> bool:
    """GPT-2's Conv1D: a linear layer whose weight is stored transposed, (d_in, d_out)."""
    from transformers.pytorch_utils import Conv1D

    return isinstance(layer, Conv1D)


def in_out(layer: nn.Module) -> tuple[int, int]:
    """(d_in, d_out) of a linear layer, or `MethodError` for a layer LoRA cannot adapt here."""
    if isinstance(layer, nn.Linear):
        return layer.in_features, layer.out_features
    if _is_conv1d(layer):
        d_in, d_out = cast(torch.Tensor, layer.weight).shape
        return d_in, d_out
    raise MethodError(
        f"lora: cannot adapt a {type(layer).__name__}; LoRA here adapts nn.Linear and GPT-2's "
        "Conv1D layers (pick others with targets=)"
    )


class LowRank(nn.Module):
    """The trainable pair beside one frozen layer: adds (α/r)·B·A·x to the layer's output."""

    def __init__(
        self,
        target: str,
        d_in: int,
        d_out: int,
        r: int,
        scale: float,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.target, self.scale = target, scale
        self.A = nn.Parameter(torch.empty(r, d_in))  # (r, d_in)
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5), generator=generator)  # as nn.Linear
        self.B = nn.Parameter(torch.zeros(d_out, r))  # (d_out, r): ΔW = 0 at the start

    def add_to_output(
        self, layer: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor:
        """A forward hook: output (…, d_out) + (α/r)·B·A·x for the layer's input x (…, d_in).
        The scale multiplies the r numbers of A·x rather than the d_out of B·A·x: fewer.
        A and B stay float32 whatever the model's dtype (`.to` is a no-op in float32)."""
        x = inputs[0].to(self.A.dtype)
        return output + F.linear(F.linear(x, self.A) * self.scale, self.B).to(output.dtype)

    def delta(self) -> torch.Tensor:
        """ΔW = (α/r)·B·A, shaped like nn.Linear's weight (d_out, d_in)."""
        return self.scale * (self.B @ self.A)


class LoRA(nn.Module):
    """A frozen causal LM with a trainable low-rank update beside each adapted matrix."""

    def __init__(
        self,
        base: nn.Module,
        config: LoraConfig,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.r, self.alpha = config.r, config.alpha
        names = _targets(base, config.targets)
        adapters = []
        for name in names:
            d_in, d_out = in_out(base.get_submodule(name))
            if config.r > min(d_in, d_out):
                raise MethodError(
                    f"lora: r={config.r} is not low rank for {name} ({d_in} → {d_out}); "
                    f"pick r ≤ {min(d_in, d_out)}"
                )
            adapters.append(
                LowRank(name, d_in, d_out, config.r, config.alpha / config.r, generator)
            )
        self.adapters = nn.ModuleList(adapters)
        # made on the CPU from `generator` (the same numbers on any device), then moved
        self.adapters.to(next(base.parameters()).device)

    def low_ranks(self) -> list[LowRank]:
        """The adapters, one per adapted matrix, in model order."""
        return [cast(LowRank, adapter) for adapter in self.adapters]

    def shapes(self) -> list[tuple[int, int]]:
        """(d_in, d_out) of every adapted matrix, in model order."""
        return [(a.A.shape[1], a.B.shape[0]) for a in self.low_ranks()]

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) -> logits (B, T, V), every adapted layer adding its B·A·x."""
        hooks = [
            self.base.get_submodule(a.target).register_forward_hook(a.add_to_output)
            for a in self.low_ranks()
        ]
        try:
            return self.base(input_ids=input_ids, use_cache=False).logits
        finally:  # the shared base goes back to being the plain model
            for hook in hooks:
                hook.remove()

    @torch.no_grad()
    def merged(self) -> nn.Module:
        """A plain copy of the base with W + (α/r)·B·A in its weights: no hooks, no extra
        parameters, the same logits."""
        model = copy.deepcopy(self.base)
        for adapter in self.low_ranks():
            layer = model.get_submodule(adapter.target)
            delta = adapter.delta()  # (d_out, d_in)
            weight = cast(torch.Tensor, layer.weight)
            delta = delta.T if _is_conv1d(layer) else delta  # Conv1D keeps (d_in, d_out)
            weight += delta.to(weight.dtype)
        return model


def _targets(base: nn.Module, wanted: tuple[str, ...]) -> list[str]:
    """Full names of the layers to adapt: those whose last name part is in `wanted`, or in
    the first group of `DEFAULT_TARGETS` that the model has in full."""
    last = {name: name.rsplit(".", 1)[-1] for name, _ in base.named_modules()}
    groups = [wanted] if wanted else list(DEFAULT_TARGETS)
    for group in groups:
        found = [name for name, tail in last.items() if tail in group]
        if found and set(group) <= {last[name] for name in found}:
            return found
    model_type = getattr(getattr(base, "config", None), "model_type", type(base).__name__)
    looked_for = " or ".join("+".join(group) for group in groups)
    raise MethodError(
        f"lora: {model_type} has no layers named {looked_for}; name its attention projections "
        "with targets=(...)"
    )


def _build(base, config: LoraConfig, generator: torch.Generator) -> nn.Module:
    return LoRA(base.model, config, generator)


def _per_task(model: nn.Module) -> dict[str, torch.Tensor]:
    """A and B of every adapted matrix: all one more task needs beside the shared base."""
    tensors = {}
    for adapter in cast(LoRA, model).low_ranks():
        tensors[f"{adapter.target}.lora_A"] = adapter.A.detach()
        tensors[f"{adapter.target}.lora_B"] = adapter.B.detach()
    return tensors


def _merge(model: nn.Module) -> nn.Module:
    return cast(LoRA, model).merged()


def _expected(model: nn.Module) -> Count:
    """r·(d_in + d_out) per adapted matrix, grouped by shape: "8·(64 + 192) × 2"."""
    lora = cast(LoRA, model)
    r = lora.r
    by_shape = Counter(lora.shapes())
    numbers = sum(r * (d_in + d_out) * n for (d_in, d_out), n in by_shape.items())
    terms = " + ".join(
        f"{r}·({d_in} + {d_out}) × {n}" if n > 1 else f"{r}·({d_in} + {d_out})"
        for (d_in, d_out), n in by_shape.items()
    )
    return Count("r·(d_in + d_out) per matrix", terms, numbers)


register(
    MethodSpec(
        name="lora",
        title="LoRA",
        learns="by gradient",
        trains="a rank-r update B·A beside each attention projection",
        at_inference="nothing once merged into W (unmerged: B·A·x beside each adapted layer)",
        config=LoraConfig,
        build=_build,
        per_task=_per_task,
        expected_trainable=_expected,
        merge=_merge,
    )
)
