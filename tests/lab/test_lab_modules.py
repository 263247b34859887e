"""What every lab module (studykit/lab/experiments/*.py) must be, checked statically with `ast`:

- it records through the run context's verbs (`lab.record`, `lab.table`, `lab.curves`,
  `lab.claim`, ...) and never reaches into the `LabResult` itself: no `lab.result`, no
  `._result`, no `getattr(lab, "result")`, whatever the run context is called;
- it imports no other lab (shared tools live in `studykit.lab.engine.instruments` and the engine);
- it defines `run(lab, params)`, which the runner calls between building and finishing the run.

Each rule is also run on a small offending source, so a rule that could never fail would show.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import studykit.lab.experiments

LABS_DIR = Path(studykit.lab.experiments.__file__).parent
LAB_PACKAGE = "studykit.lab.experiments"
LAB_MODULES = sorted(p for p in LABS_DIR.glob("*.py") if p.name != "__init__.py")


def context_names(tree: ast.Module) -> set[str]:
    """Names that hold the run context: `lab`, and any parameter annotated `LabRun`."""
    names = {"lab"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
                annotation = arg.annotation
                if annotation is not None and "LabRun" in ast.unparse(annotation):
                    names.add(arg.arg)
    return names


def result_writes(source: str) -> list[str]:
    """Every place `source` reaches the run context's LabResult, as 'line: code'."""
    tree = ast.parse(source)
    holders = context_names(tree)
    found = []
    for node in ast.walk(tree):
        hit = False
        if isinstance(node, ast.Attribute):
            on_context = isinstance(node.value, ast.Name) and node.value.id in holders
            hit = node.attr == "_result" or (node.attr == "result" and on_context)
        elif _called(node, ("getattr", "setattr", "vars")):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            target, second = node.args[0], node.args[1:2]
            attr = second[0].value if second and isinstance(second[0], ast.Constant) else None
            on_context = isinstance(target, ast.Name) and target.id in holders
            hit = on_context and (node.func.id == "vars" or attr in ("result", "_result"))
        if hit:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _called(node: ast.AST, names: tuple[str, ...]) -> bool:
    """Whether `node` calls one of the builtins `names` with at least one argument."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
        and bool(node.args)
    )


def lab_imports(source: str, module: str) -> list[str]:
    """Every import of another lab module in `source` (absolute, relative, import_module)."""
    targets: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                base = ".".join(module.split(".")[: -node.level])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            targets.append((node.lineno, name))
            targets += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            targets.append((node.lineno, str(node.args[0].value)))
    return [
        f"{line}: {name}"
        for line, name in targets
        if name.startswith(LAB_PACKAGE + ".") and not module.startswith(name)
    ]


def module_name(path: Path) -> str:
    return f"{LAB_PACKAGE}.{path.stem}"


def test_every_lab_module_is_checked():
    assert {p.stem for p in LAB_MODULES} >= {"backprop", "gradient_descent", "soft_prompt"}


@pytest.mark.parametrize("path", LAB_MODULES, ids=lambda p: p.stem)
def test_no_lab_writes_the_result_itself(path: Path):
    assert result_writes(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", LAB_MODULES, ids=lambda p: p.stem)
def test_no_lab_imports_another_lab(path: Path):
    assert lab_imports(path.read_text(encoding="utf-8"), module_name(path)) == []


@pytest.mark.parametrize("path", LAB_MODULES, ids=lambda p: p.stem)
def test_every_lab_is_run_of_lab_and_params(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    runs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run"]
    assert len(runs) == 1, "a lab module defines run(lab, params)"
    assert [a.arg for a in runs[0].args.args] == ["lab", "params"]


def test_the_result_rule_catches_each_way_in():
    offending = {
        "lab.result.methods['x'] = r": 1,
        "lab.result.curve_metrics = ['loss']": 1,
        "lab.result.tables[name]['note'] = 'n'": 1,
        "ctx._result.claims.append(c)": 1,
        "getattr(lab, 'result').tables.clear()": 1,
        "setattr(lab, 'result', None)": 1,
        "def f(run: LabRun):\n    run.result.methods.clear()": 1,
        "def f(run: 'LabRun | None'):\n    return run.result": 1,
    }
    for source, count in offending.items():
        assert len(result_writes(source)) == count, source
    allowed = [
        "lab.record('x', fit.result)",  # a lab's own object may have a .result
        "search.result.extra['k'] = 1",
        "lab.table('t', [], [], note='n')",
        "result = lab.methods['x']",
    ]
    for source in allowed:
        assert result_writes(source) == [], source


def test_the_import_rule_catches_each_way_in():
    me = "studykit.lab.experiments.soft_prompt"
    offending = [
        "from studykit.lab.experiments.backprop import activation_gradients",
        "from studykit.lab.experiments import backprop",
        "import studykit.lab.experiments.backprop",
        "from .backprop import flow_rows",
        "from . import backprop",
        "importlib.import_module('studykit.lab.experiments.backprop')",
    ]
    for source in offending:
        assert lab_imports(source, me), source
    allowed = [
        "from studykit.lab.engine.instruments import activation_gradients",
        "from studykit.lab.engine.harness import LabRun",
        "import torch",
    ]
    for source in allowed:
        assert lab_imports(source, me) == [], source
