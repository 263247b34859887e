"""What the labs measure inside a model, shared by every lab that needs it.

- gradient flow: `activation_gradients(prompt, batch)` runs one forward and backward pass and
  records ‖∂L/∂x‖ at every layer on the way back; `flow_rows` makes those a table;
- call counting: `CallCounter(lm)` counts the forward calls a language model serves (and whether
  autograd was on) and the backward passes that come through it;
- bytes: what autograd keeps for the backward pass (`saved_activation_bytes`), what storing some
  tensors as a file takes (`serialized_bytes`), what a model's weights take (`weight_bytes`);
- `weight_norm`: ‖θ‖ over a model's trainable parameters.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn

from studykit.lab.engine.data import Batch
from studykit.lab.engine.evaluate import answer_loss

if TYPE_CHECKING:
    from transformers import PreTrainedModel

    from studykit.lab.engine.soft_prompt import SoftPrompt


# -- gradient flow ------------------------------------------------------------------------------


def transformer_blocks(model: PreTrainedModel) -> nn.ModuleList:
    """The model's stack of layers: the first ModuleList as long as `num_hidden_layers`
    (GPT-2's `transformer.h`, Llama's `model.layers`, ...)."""
    layers = model.config.num_hidden_layers
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) == layers:
            return module
    raise ValueError(f"no list of {layers} layers found in {type(model).__name__}")


@dataclass
class Activation:
    """One tensor on the path from the prompt to the loss, with the gradient that reached it."""

    name: str
    shape: tuple[int, ...]
    grad_norm: float  # ‖∂L/∂activation‖ over the whole tensor
    prompt_grad_norm: float | None  # the same over the k prompt positions (None: no such rows)


@dataclass
class GradientFlow:
    loss: float
    activations: list[Activation]  # from the loss back to the prompt: logits first, prompt last
    joined_shape: tuple[int, ...]  # (B, k+T, d): the prompt joined to the word embeddings
    with_grad: list[str]  # names of the parameters whose .grad is set after backward
    frozen_without_grad: int  # frozen weight tensors whose .grad stayed None
    frozen_total: int
    prompt_is_sum_of_joined: bool  # prompt.grad == Σ over the batch of ∂L/∂joined[:, :k]


def activation_gradients(prompt: SoftPrompt, batch: Batch) -> GradientFlow:
    """One forward and backward pass of `prompt` on `batch`, recording the gradient at each layer.

    Forward hooks call `retain_grad()` on: the joined input (B, k+T, d) the model receives as
    `inputs_embeds`, each layer's input and output (B, k+T, d), and the logits (B, T, V).
    """
    k = prompt.virtual_tokens
    model = prompt.base
    blocks = transformer_blocks(model)
    kept: list[tuple[str, torch.Tensor]] = []  # in forward order

    def keep(name: str, tensor: torch.Tensor) -> None:
        tensor.retain_grad()  # a non-leaf tensor keeps its .grad only when asked
        kept.append((name, tensor))

    def on_model_input(_module, _args, kwargs):
        keep("joined input (prompt + word embeddings)", kwargs["inputs_embeds"])

    def on_first_block_input(_module, args):
        keep("layer 1 input (+ position embeddings)", args[0])

    def on_block_output(index: int) -> Callable:
        def hook(_module, _args, output):
            keep(f"layer {index + 1} output", output[0] if isinstance(output, tuple) else output)

        return hook

    handles = [
        model.register_forward_pre_hook(on_model_input, with_kwargs=True),
        blocks[0].register_forward_pre_hook(on_first_block_input),
    ]
    handles += [block.register_forward_hook(on_block_output(i)) for i, block in enumerate(blocks)]
    try:
        prompt.zero_grad(set_to_none=True)
        logits = prompt(batch.input_ids)  # (B, T, V)
        logits.retain_grad()
        loss = answer_loss(logits, batch.labels)
        loss.backward()
    finally:
        for handle in handles:
            handle.remove()

    joined = kept[0][1]
    rows = [Activation("logits", tuple(logits.shape), grad_of(logits).norm().item(), None)]
    for name, tensor in reversed(kept):
        rows.append(
            Activation(
                name,
                tuple(tensor.shape),
                grad_of(tensor).norm().item(),
                grad_of(tensor)[:, :k].norm().item(),
            )
        )
    rows.append(
        Activation(
            "prompt (the parameter)",
            tuple(prompt.prompt.shape),
            grad_of(prompt.prompt).norm().item(),
            grad_of(prompt.prompt).norm().item(),
        )
    )
    frozen = [p for p in model.parameters() if not p.requires_grad]
    return GradientFlow(
        loss=loss.item(),
        activations=rows,
        joined_shape=tuple(joined.shape),
        with_grad=[name for name, p in prompt.named_parameters() if p.grad is not None],
        frozen_without_grad=sum(p.grad is None for p in frozen),
        frozen_total=len(frozen),
        prompt_is_sum_of_joined=torch.allclose(
            grad_of(prompt.prompt),
            grad_of(joined)[:, :k].to(prompt.prompt.dtype).sum(0),  # joined: the model's dtype
            rtol=1e-5,
            atol=1e-8,
        ),
    )


def grad_of(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor.grad`, which the backward pass just filled (a non-leaf tensor asked for it)."""
    assert tensor.grad is not None, "backward() has not reached this tensor"
    return tensor.grad


def only_prompt_has_grad(flow: GradientFlow) -> bool:
    """True when the prompt is the one parameter with a .grad and every frozen weight's is None."""
    return flow.with_grad == ["prompt"] and flow.frozen_without_grad == flow.frozen_total


FLOW_COLUMNS = ["activation", "shape", "‖∂L/∂x‖", "at the prompt positions", "vs. the row above"]


def flow_rows(flow: GradientFlow) -> list[list[str]]:
    """Table rows of a GradientFlow: each activation's gradient norm and its ratio to the row
    above (the local derivative the chain rule multiplied in at that step)."""
    rows, previous = [], None
    for a in flow.activations:
        ratio = "" if previous is None or previous == 0 else f"×{a.grad_norm / previous:.3g}"
        at_prompt = "—" if a.prompt_grad_norm is None else f"{a.prompt_grad_norm:.3e}"
        rows.append([a.name, "×".join(map(str, a.shape)), f"{a.grad_norm:.3e}", at_prompt, ratio])
        previous = a.grad_norm
    return rows


# -- counting what a language model is asked to do ----------------------------------------------


@dataclass
class Calls:
    forward: int = 0
    forward_with_grad: int = 0  # forward calls made while autograd was recording
    sequences: int = 0  # rows of all forward calls
    backward: int = 0  # backward passes that reached the model's output


class CallCounter:
    """Hooks on the language model that count its forward calls (and whether autograd was on)
    and the backward passes that go through it (a gradient arriving at its logits).

        with CallCounter(lm) as calls: ...    # calls.forward, calls.backward, ...
    """

    def __init__(self, lm: nn.Module):
        self.lm, self.calls = lm, Calls()

    def __enter__(self) -> Calls:
        self.handles = [
            self.lm.register_forward_pre_hook(self._before, with_kwargs=True),
            self.lm.register_forward_hook(self._after),
        ]
        return self.calls

    def __exit__(self, *exc: object) -> None:
        for handle in self.handles:
            handle.remove()

    def _before(self, module, args, kwargs) -> None:
        rows = kwargs.get("input_ids")
        rows = rows if rows is not None else kwargs.get("inputs_embeds")
        self.calls.forward += 1
        self.calls.forward_with_grad += torch.is_grad_enabled()
        self.calls.sequences += rows.shape[0] if rows is not None else 0

    def _after(self, module, args, output) -> None:
        if output.logits.requires_grad:  # a backward pass may come through here
            output.logits.register_hook(self._backward)

    def _backward(self, grad: torch.Tensor) -> None:
        self.calls.backward += 1


def snapshot(calls: Calls) -> Calls:
    """The counts as they are now (the counter keeps counting into `calls`)."""
    return Calls(**vars(calls))


# -- bytes and norms ------------------------------------------------------------------------------


def saved_activation_bytes(model: nn.Module, batch: Batch) -> int:
    """Bytes of the tensors autograd keeps from one forward pass for the backward pass.

    The weights themselves are not counted (they are in memory anyway); every other tensor saved
    for backward is, once per storage. Prompt tuning must keep most of them too: its gradient has
    to travel back through every frozen layer to reach the input.
    """
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    kept: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            kept[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = answer_loss(model(batch.input_ids), batch.labels)
    del loss
    return sum(kept.values())


def serialized_bytes(tensors: dict[str, torch.Tensor]) -> int:
    """Size of `torch.save(tensors)`: what storing them as a file takes."""
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    return buffer.tell()


def weight_bytes(model: nn.Module) -> int:
    """Bytes of a model's parameters (tied weights counted once, as `parameters()` yields them)."""
    return sum(p.numel() * p.element_size() for p in model.parameters())


def weight_norm(model: nn.Module) -> float:
    """‖θ‖ over the trainable parameters."""
    return torch.sqrt(
        sum(
            ((p.detach() ** 2).sum() for p in model.parameters() if p.requires_grad),
            torch.tensor(0.0),  # a model with nothing trainable has norm 0, not a TypeError
        )
    ).item()
