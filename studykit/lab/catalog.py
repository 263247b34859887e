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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from studykit.lab.errors import LabSpecError
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


class Observable(BaseModel):
    """A named result of a run that a learner can predict (a `predict` card's `observe:`).

    `choice`: one of `values`; `order`: `values` ordered best first; `int`, `float`; `percent`:
    a number in 0-100. The lab computes it from the run (`lab.observe(name, value)`)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["choice", "order", "int", "float", "percent"]
    help: str = Field(description="One line: what is measured, and how.")
    values: list[str] | None = None

    @model_validator(mode="after")
    def _values_fit_the_type(self) -> Observable:
        if self.type in ("choice", "order") and not (self.values and len(self.values) >= 2):
            raise ValueError(f"a {self.type} observable lists at least two values")
        if self.type not in ("choice", "order") and self.values is not None:
            raise ValueError(f"a {self.type} observable takes no values (remove them)")
        return self


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
    observables: dict[str, Observable] = Field(default_factory=dict)

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
    files: dict[str, Path] = {}
    for path in sorted(labs_dir.glob("*.yaml")):
        spec = load_spec(path)
        if spec.name in files:
            raise LabSpecError(
                str(path),
                f'name "{spec.name}" is taken by {files[spec.name].name}; give each lab its own',
            )
        spec.params = spec.params | {k: p for k, p in COMMON_PARAMS.items() if k not in spec.params}
        specs[spec.name], files[spec.name] = spec, path
    return specs


def load_spec(path: Path) -> LabSpec:
    """One spec file; anything wrong with it is one `LabSpecError` line naming the file, the
    line where it can say, and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise LabSpecError(str(path), f"cannot read it ({reason}); save it as UTF-8 text") from None
    try:
        raw = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise LabSpecError(where, f"not valid YAML ({problem}); fix the YAML there") from None
    if not isinstance(raw, dict):
        got = "nothing" if raw is None else f"a {type(raw).__name__}"
        raise LabSpecError(
            str(path),
            f"a spec is a mapping of fields (name, title, summary, params, ...), got {got}; "
            "start from another spec in the same folder",
        )
    try:
        return LabSpec.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise LabSpecError(*_spec_problem(path, text, first, error.error_count())) from None


def _spec_problem(path: Path, text: str, error: Any, count: int) -> tuple[str, str]:
    """(`file:line`, `field: what is wrong; the fix`) for pydantic's first error."""
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc) or "the spec"
    kind = error["type"]
    if kind == "missing":
        fix = f"add {loc[-1]}"
    elif kind == "extra_forbidden":
        nested: dict[str, type[BaseModel]] = {"params": LabParam, "observables": Observable}
        model: type[BaseModel] = nested.get(loc[0], LabSpec) if len(loc) > 1 else LabSpec
        fix = f"remove it, or use one of: {', '.join(model.model_fields)}"
    else:
        fix = "correct the value"
    more = f" ({count - 1} more problem{'s' if count > 2 else ''} after it)" if count > 1 else ""
    line = _line_of(text, loc, missing=kind == "missing")
    where = f"{path}:{line}" if line else str(path)
    message = str(error["msg"]).splitlines()[0]
    return where, f"{field}: {message}; {fix}{more}"


def _line_of(text: str, loc: list[str], *, missing: bool) -> int | None:
    """The 1-based line of the key at `loc` (of the mapping that lacks it, for a missing key:
    the line of its parent's key, or 1 at the top)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = 1
    for part in loc[:-1] if missing else loc:
        if not isinstance(node, yaml.MappingNode):
            break
        pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
        if pair is None:
            break
        line, node = pair[0].start_mark.line + 1, pair[1]
    return line


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


def check_observation(spec: LabSpec, name: str, value: Any) -> Any:
    """`value` as the observable `name` of `spec` declares it; a lab that observes something
    undeclared or of the wrong type is a bug in the lab, so this raises `ValueError`."""
    declared = spec.observables.get(name)
    if declared is None:
        raise ValueError(f"lab {spec.name} declares no observable {name!r} (add it to its spec)")
    values = declared.values or []
    if declared.type == "choice" and value in values:
        return value
    if declared.type == "order" and sorted(map(str, value)) == sorted(values):
        return [str(item) for item in value]
    if declared.type == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if declared.type == "float" and number and math.isfinite(value):
        return float(value)
    if declared.type == "percent" and number and 0 <= value <= 100:
        return float(value)
    raise ValueError(f"lab {spec.name}: observable {name} is a {declared.type}, got {value!r}")


def observable_type(lab: str, observe: str, labs_dir: Path | None = None) -> str | None:
    """The declared type of lab `lab`'s observable `observe`, e.g. "percent" (None if the lab or
    its spec cannot say: the deck loader has reported that already)."""
    try:
        declared = get_lab(lab, labs_dir).observables.get(observe)
    except (UnknownLab, LabSpecError):
        return None
    return declared.type if declared is not None else None


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

    def observables(self, name: str) -> dict[str, Observable]:
        return get_lab(name, self.labs_dir).observables
