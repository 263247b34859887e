"""What an adaptation method is, and the one table of them that the engine reads.

A method is one module in this package. It describes itself with a `MethodSpec` (its options as
a self-checking `MethodConfig`, its builder, what it trains, what serving one more task stores)
and calls `register(spec)` when it is imported. `studykit.lab.engine.methods` imports every
module of the package, so adding a method is one new file: nothing here or in the labs names it.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from studykit.lab.engine.geometry import Count as Count  # what expected_trainable answers
from studykit.lab.errors import LabError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from studykit.lab.engine.base import Base


class MethodError(LabError, ValueError):
    """A method that cannot be built as asked; `str(error)` names the method and the fix."""


@dataclass(frozen=True)
class MethodConfig:
    """A method's options. Subclasses are frozen dataclasses that check themselves when made."""

    method: ClassVar[str] = "method"  # the name error messages start with

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise `MethodError` for a value the method cannot use (override to add checks)."""

    @classmethod
    def options(cls) -> list[str]:
        return [field.name for field in dataclasses.fields(cls)]


def whole_number(config: MethodConfig, name: str, least: int = 1) -> None:
    value = getattr(config, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise MethodError(
            f"{config.method}: {name} must be a whole number ≥ {least}, got {value!r}"
        )


def positive_number(config: MethodConfig, name: str) -> None:
    value = getattr(config, name)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise MethodError(f"{config.method}: {name} must be a number > 0, got {value!r}")


def one_of(config: MethodConfig, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(config, name)
    if value not in choices:
        raise MethodError(
            f"{config.method}: {name} must be one of {', '.join(map(repr, choices))}, got {value!r}"
        )


def shares_the_base(model: nn.Module) -> nn.Module | None:
    """The default answer to `MethodSpec.own_weights`: the method keeps the frozen base."""
    return None


@dataclass(frozen=True)
class MethodSpec:
    """One adaptation method: how to build it and what it costs, in its own words."""

    name: str  # the key labs use, e.g. "lora"
    title: str  # for people, e.g. "LoRA"
    learns: Literal["nothing", "by gradient", "by search"]
    trains: str  # what learns, in a phrase
    at_inference: str  # what serving a task adds to the frozen model's work
    config: type[MethodConfig]
    build: Callable[[Base, Any, torch.Generator], nn.Module]  # (base, config, generator)
    per_task: Callable[[nn.Module], dict[str, torch.Tensor]]  # what one more task stores
    expected_trainable: Callable[[nn.Module], Count]  # the count its formula predicts
    # The weights it answers with when they are not the shared frozen base (full fine-tuning's
    # copy); None for a method that keeps the base and adds something beside it.
    own_weights: Callable[[nn.Module], nn.Module | None] = shares_the_base
    # A plain model with the method folded into its weights (LoRA's W + (α/r)·B·A), when it can
    # be: nothing extra to run at inference, but then a whole model per task.
    merge: Callable[[nn.Module], nn.Module] | None = None

    def configure(self, **options: Any) -> MethodConfig:
        """The method's config from keyword options. Options set to None take their default;
        a shared knob (`SHARED_OPTIONS`) the method does not have is ignored, any other unknown
        option is an error naming the ones it has."""
        known = self.config.options()
        unknown = [key for key in options if key not in known and key not in SHARED_OPTIONS]
        if unknown:
            raise MethodError(
                f'{self.name}: unknown option "{unknown[0]}" '
                f"(options: {', '.join(known) if known else 'none'})"
            )
        given = {key: value for key, value in options.items() if key in known and value is not None}
        return self.config(**given)


# Knobs a lab passes to every method it compares in one loop (the prompt length, the starting
# values, the prefix MLP's width); a method without such a knob ignores it.
SHARED_OPTIONS = frozenset({"virtual_tokens", "init", "mlp_hidden"})

REGISTRY: dict[str, MethodSpec] = {}


def register(spec: MethodSpec) -> MethodSpec:
    """Add a method to `REGISTRY`; called by each method module when it is imported."""
    if spec.name in REGISTRY:
        raise MethodError(f'two methods are named "{spec.name}"; rename one of them')
    REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> MethodSpec:
    """The method registered as `name`, or `MethodError` with the closest name."""
    if name in REGISTRY:
        return REGISTRY[name]
    close = difflib.get_close_matches(name, list(REGISTRY), n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    raise MethodError(f'unknown method "{name}" (known: {", ".join(REGISTRY)}){hint}')
