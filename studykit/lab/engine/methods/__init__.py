"""The adaptation methods a lab can compare, built by name from one frozen base model.

    model = build("prompt-tuning", base, virtual_tokens=4, seed=0)
    logits = model(input_ids)           # (B, T, V) for every method
    spec = REGISTRY["prefix-tuning"]    # what it trains, stores per task, adds at inference

One module per method in this package registers itself (see `registry.py`); importing the
package imports all of them, so a new method is one new file and nothing here names it. To see
them all: `for spec in REGISTRY.values(): print(spec.name, "-", spec.trains)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from torch import nn

from studykit.lab.engine.base import Base
from studykit.lab.engine.measure import generator
from studykit.lab.engine.methods.registry import (
    REGISTRY,
    SHARED_OPTIONS,
    Count,
    MethodConfig,
    MethodError,
    MethodSpec,
    get,
    register,
)


def _import_every_method_module() -> None:
    """Import each module of this package once; each registers its own methods."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_every_method_module()

from studykit.lab.engine.methods.frozen import Frozen  # noqa: E402  (kept importable from here)

TRAINED = [name for name, spec in REGISTRY.items() if spec.learns == "by gradient"]
UNTRAINED = [name for name, spec in REGISTRY.items() if spec.learns == "nothing"]


def build(name: str, base: Base, *, seed: int = 0, **options: Any) -> nn.Module:
    """A fresh instance of method `name` over `base`; its starting values depend only on seed.

    `options` are the method's config fields (e.g. virtual_tokens=4, r=8); None means the
    default, and a shared knob the method lacks is ignored (see `SHARED_OPTIONS`)."""
    spec = get(name)
    return spec.build(base, spec.configure(**options), generator(seed, name))


__all__ = [
    "REGISTRY",
    "SHARED_OPTIONS",
    "TRAINED",
    "UNTRAINED",
    "Count",
    "Frozen",
    "MethodConfig",
    "MethodError",
    "MethodSpec",
    "build",
    "get",
    "register",
]
