"""The catalogue of labs: the declarative specs `studykit/lab/experiments/*.yaml`, read without
importing torch.

A spec says what a lab trains, what it compares, which claims it checks, what the learner should
notice, and which parameters it accepts (with types, defaults and bounds). Deck cards pass
parameters to labs (`lab: {name: ..., params: {...}}`); `check_params` validates them here, so
`studykit deck validate` and `studykit lab run` reject the same bad values with the same message.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from studykit.paths import bundled_labs_dir

# libyaml's loader parses the catalogue ~10x faster than the pure-Python one, and every CLI start
# reads it (each lab becomes a command); fall back where PyYAML was built without libyaml.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LabParam(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["int", "float", "str", "bool"]
    default: Any
    help: str = ""
    choices: list[Any] | None = None
    min: float | None = None
    max: float | None = None


class LabSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    summary: str = Field(description="One line: what the lab shows.")
    concepts: list[str] = Field(default_factory=list)
    compares: list[str] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list, description="What the run checks, ✓ or ✗.")
    notice: str = Field(default="", description="What the learner should look for.")
    params: dict[str, LabParam] = Field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        return {key: p.default for key, p in self.params.items()}


# Parameters every lab takes without declaring them: where torch runs and in which precision.
# A spec may still declare one of these itself (its declaration wins).
DEVICES = ["auto", "cpu", "cuda", "mps"]
DTYPES = ["auto", "float32", "bfloat16", "float16"]
COMMON_PARAMS: dict[str, LabParam] = {
    "device": LabParam(
        type="str",
        default="auto",
        choices=DEVICES,
        help="Where torch runs: auto picks a GPU (CUDA, else Apple's MPS) when torch sees one, "
        "else the CPU.",
    ),
    "dtype": LabParam(
        type="str",
        default="auto",
        choices=DTYPES,
        help="The base model's precision: auto is float32 (what the claims are checked in); "
        "bfloat16 or float16 halve a big model's memory on a GPU.",
    ),
}


class UnknownLab(LookupError):
    def __init__(self, name: str, known: list[str]):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        super().__init__(f'unknown lab "{name}"{hint} (known: {", ".join(known)})')
        self.name = name


@cache
def _load_catalog(labs_dir: Path) -> dict[str, LabSpec]:
    specs: dict[str, LabSpec] = {}
    for path in sorted(labs_dir.glob("*.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
        spec = LabSpec.model_validate(raw)
        spec.params = spec.params | {k: p for k, p in COMMON_PARAMS.items() if k not in spec.params}
        specs[spec.name] = spec
    return specs


def all_labs(labs_dir: Path | None = None) -> dict[str, LabSpec]:
    return _load_catalog(labs_dir or bundled_labs_dir())


def lab_names(labs_dir: Path | None = None) -> list[str]:
    return sorted(all_labs(labs_dir))


def get_lab(name: str, labs_dir: Path | None = None) -> LabSpec:
    labs = all_labs(labs_dir)
    if name not in labs:
        raise UnknownLab(name, sorted(labs))
    return labs[name]


# Values typed Any: an isinstance against a class chosen at run time would narrow `value` to
# `object` for the checker, and the min/max comparisons below apply to numbers.
_PY_TYPES: dict[str, Any] = {"int": int, "float": (int, float), "str": str, "bool": bool}


def check_params(spec: LabSpec, params: dict[str, Any]) -> list[str]:
    """Problems with `params` for this lab, one readable sentence each (empty when fine)."""
    problems: list[str] = []
    for key, value in params.items():
        declared = spec.params.get(key)
        if declared is None:
            close = difflib.get_close_matches(key, list(spec.params), n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            problems.append(f'lab {spec.name} has no parameter "{key}"{hint}')
            continue
        expected = _PY_TYPES[declared.type]
        if isinstance(value, bool) and declared.type != "bool" or not isinstance(value, expected):
            problems.append(f"lab {spec.name}: {key} must be {declared.type}, got {value!r}")
            continue
        if isinstance(value, float) and not math.isfinite(value):  # nan slips past < and >
            problems.append(f"lab {spec.name}: {key} must be a finite number, got {value!r}")
            continue
        if declared.choices is not None and value not in declared.choices:
            options = ", ".join(map(str, declared.choices))
            problems.append(f"lab {spec.name}: {key} must be one of {options}, got {value!r}")
        if declared.min is not None and value < declared.min:
            problems.append(f"lab {spec.name}: {key} must be ≥ {declared.min:g}, got {value!r}")
        if declared.max is not None and value > declared.max:
            problems.append(f"lab {spec.name}: {key} must be ≤ {declared.max:g}, got {value!r}")
    return problems


@dataclass(frozen=True)
class Catalog:
    """The lab specs in `labs_dir` (default: the bundled `studykit/lab/experiments/`), read on first
    use. Deck loading checks cards' lab links against one
    (`load_decks(paths, lab_catalog=Catalog())`); the deck layer only knows the shape it needs
    (`studykit.deck.loader.LabCatalog`), not this module."""

    labs_dir: Path | None = None

    @property
    def where(self) -> str:
        return str(self.labs_dir or bundled_labs_dir())

    def names(self) -> list[str]:
        return lab_names(self.labs_dir)

    def check_params(self, name: str, params: dict[str, Any]) -> list[str]:
        return check_params(get_lab(name, self.labs_dir), params)
