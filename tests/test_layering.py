"""The layers import only downwards, checked statically: every module of `studykit/` is parsed with
`ast`, so imports inside functions (lazy ones), under `if TYPE_CHECKING:`, relative imports and
`importlib.import_module("...")` / `__import__("...")` with a literal name all count, whether or
not a test happens to run them.

    deck/   imports nothing of study/, lab/, tui/, cli/
    study/  imports nothing of lab/, tui/, cli/          (it builds on deck/)
    lab/    imports nothing of deck/, study/, tui/, cli/
    paths.py, files.py: shared helpers, import no layer
    tui/, cli/: may import any layer; they wire them together (e.g. they pass the lab catalog
    to the deck loader, which only knows the shape it needs: `deck.loader.LabCatalog`).

Inside lab/, the torch-free contract sits at the top (catalog, results, errors, runner, view,
render) and the torch engine below it:

    torch, transformers, peft  are imported only in lab/engine/ and lab/experiments/; anywhere
                               else only inside a function (a lazy import: the CLI's `model`
                               commands, a lab run), never at module level
    lab/ (top), any layer      import lab/engine/ and lab/experiments/ only inside a function
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import studykit

PACKAGE_DIR = Path(studykit.__file__).parent
LAYERS = ("deck", "study", "lab", "tui", "cli")

# The layers (or shared modules) each one must not import.
FORBIDDEN: dict[str, set[str]] = {
    "deck": {"study", "lab", "tui", "cli"},
    "study": {"lab", "tui", "cli"},
    "lab": {"deck", "study", "tui", "cli"},
    "paths": set(LAYERS),
    "files": set(LAYERS),
}

# Calls to import_module whose name is computed cannot be checked; each one is listed here with
# why it stays inside its own layer. A new one fails the test until it is added.
DYNAMIC_IMPORTS_ALLOWED = {
    "studykit.lab.runner": "imports studykit.lab.experiments.<lab name>, the lab's own module",
    "studykit.lab.engine.methods": "imports each module of its own package: one per method",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. studykit.deck.loader
    line: int
    target: str  # the module, absolute, e.g. studykit.lab.catalog; "?" for a computed name

    def __str__(self) -> str:
        return f"{self.module}:{self.line} → {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """Every import in `source`, wherever it sits, with relative names made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute("." * node.level + (node.module or ""), package)
            if "." in base:  # `from studykit.lab.catalog import x`: the module names the layer
                found.append(Import(module, node.lineno, base))
            else:  # `from studykit import lab, paths`: each name is a layer or shared module
                found += [Import(module, node.lineno, f"{base}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and _is_import_call(node.func):
            name = node.args[0] if node.args else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                anchor = _package_argument(node) or package
                found.append(Import(module, node.lineno, _absolute(name.value, anchor)))
            else:
                found.append(Import(module, node.lineno, "?"))
    return found


def _is_import_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("import_module", "__import__")


def _package_argument(call: ast.Call) -> str | None:
    """The literal `package` of `import_module(name, package)`, used for a relative name."""
    given = call.args[1] if len(call.args) > 1 else None
    given = next((k.value for k in call.keywords if k.arg == "package"), given)
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None


def _absolute(name: str, package: str) -> str:
    level = len(name) - len(name.lstrip("."))
    if level == 0:
        return name
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    rest = name[level:]
    return ".".join(base + ([rest] if rest else []))


def part_of(dotted: str, root: str) -> str | None:
    """Which layer or shared module of `root` a dotted name belongs to, if any."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == root else None


def offending_imports(root: Path) -> list[Import]:
    """The imports under `root` (a package folder) that break FORBIDDEN, plus computed imports
    not in DYNAMIC_IMPORTS_ALLOWED."""
    bad: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        forbidden = FORBIDDEN.get(part_of(module, root.name) or "", set())
        if not forbidden:
            continue
        source = path.read_text(encoding="utf-8")
        for found in imports_of(source, module, path.name == "__init__.py"):
            if found.target == "?":
                if module not in DYNAMIC_IMPORTS_ALLOWED:
                    bad.append(found)
            elif part_of(found.target, root.name) in forbidden:
                bad.append(found)
    return sorted(bad, key=lambda b: (b.module, b.line, b.target))


def test_each_layer_imports_only_what_it_may():
    bad = offending_imports(PACKAGE_DIR)
    assert not bad, (
        "imports across layers (see tests/test_layering.py and docs/architecture.md; pass what "
        "a layer needs in from the caller instead):\n"
        + "\n".join(f"  {b}{_COMPUTED_HINT if b.target == '?' else ''}" for b in bad)
    )


_COMPUTED_HINT = "  (a computed name: list the module in DYNAMIC_IMPORTS_ALLOWED, saying why)"


def test_the_allowed_dynamic_imports_still_exist():
    """An allowance for a call that is gone would silently cover the next one."""
    for module in DYNAMIC_IMPORTS_ALLOWED:
        path = PACKAGE_DIR.parent.joinpath(*module.split("."))
        is_package = path.is_dir()  # a package's code is its __init__.py
        path = path / "__init__.py" if is_package else path.with_suffix(".py")
        found = imports_of(path.read_text(encoding="utf-8"), module, is_package)
        assert any(i.target == "?" for i in found), f"{module} has no computed import any more"


HEAVY = ("torch", "transformers", "peft")
ENGINE = ("studykit.lab.engine", "studykit.lab.experiments")


def module_level_imports(source: str, module: str, is_package: bool) -> list[Import]:
    """The imports that run when the module is imported: not inside a function, and not under
    `if TYPE_CHECKING:` (a string annotation costs nothing at run time)."""
    lazy_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            lazy_lines |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            first, last = node.body[0], node.body[-1]
            lazy_lines |= set(range(first.lineno, (last.end_lineno or last.lineno) + 1))
    found = imports_of(source, module, is_package)
    return [i for i in found if i.line not in lazy_lines]


def _within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(p + ".") for p in prefixes)


def eager_engine_imports(root: Path) -> list[Import]:
    """Module-level imports of torch, transformers, peft or the lab engine from outside
    lab/engine/ and lab/experiments/."""
    engine = tuple(root.name + p.removeprefix("studykit") for p in ENGINE)
    bad: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        if _within(module, engine):
            continue
        source = path.read_text(encoding="utf-8")
        for found in module_level_imports(source, module, path.name == "__init__.py"):
            if _within(found.target, HEAVY) or _within(found.target, engine):
                bad.append(found)
    return sorted(bad, key=lambda b: (b.module, b.line, b.target))


def test_torch_and_the_engine_are_imported_eagerly_only_inside_the_engine():
    bad = eager_engine_imports(PACKAGE_DIR)
    assert not bad, (
        "torch, transformers, peft and studykit.lab.engine/experiments are imported at module "
        "level only in studykit/lab/engine/ and studykit/lab/experiments/ (move the code there, "
        "or import inside the function that needs it):\n" + "\n".join(f"  {b}" for b in bad)
    )


def test_torch_code_lives_in_the_engine_not_at_the_top_of_lab():
    """The top of lab/ is the torch-free contract: not even a lazy torch import belongs there."""
    top = sorted((PACKAGE_DIR / "lab").glob("*.py"))
    assert top, "studykit/lab/ has no modules"
    bad = [
        found
        for path in top
        for found in imports_of(
            path.read_text(encoding="utf-8"),
            module_name(path, PACKAGE_DIR),
            path.name == "__init__.py",
        )
        if _within(found.target, HEAVY)
    ]
    assert not bad, "torch code at the top of studykit/lab/ (move it to lab/engine/):\n" + (
        "\n".join(f"  {b}" for b in bad)
    )


def test_the_eager_import_check_tells_lazy_from_eager(tmp_path):
    root = tmp_path / "studykit"
    (root / "lab" / "engine").mkdir(parents=True)
    for init in (root, root / "lab", root / "lab" / "engine"):
        (init / "__init__.py").write_text("")
    (root / "lab" / "engine" / "train.py").write_text("import torch\n")  # the engine may
    (root / "lab" / "view.py").write_text(
        textwrap.dedent(
            """\
            from typing import TYPE_CHECKING
            import torch.nn
            from studykit.lab.engine import train
            from peft import LoraConfig

            if TYPE_CHECKING:
                import transformers

            def lazy():
                import torch
                from studykit.lab.engine.train import train
            """
        )
    )
    assert [str(b) for b in eager_engine_imports(root)] == [
        "studykit.lab.view:2 → torch.nn",
        "studykit.lab.view:3 → studykit.lab.engine",
        "studykit.lab.view:4 → peft.LoraConfig",
    ]


def test_the_check_finds_every_form_of_import(tmp_path):
    """The scanner itself, on a made-up package whose deck layer breaks the rule every way."""
    root = tmp_path / "studykit"
    (root / "deck" / "inner").mkdir(parents=True)
    for init in (root, root / "deck", root / "deck" / "inner"):
        (init / "__init__.py").write_text("")
    (root / "deck" / "inner" / "bad.py").write_text(
        textwrap.dedent(
            """\
            import importlib
            from typing import TYPE_CHECKING
            from studykit.deck import model
            import studykit.lab.catalog
            from studykit import study, paths
            from ... import tui
            from ...cli.deck import app
            from .. import model as sibling

            if TYPE_CHECKING:
                from studykit.lab.results import LabResult

            def lazy():
                from studykit.lab.catalog import check_params
                importlib.import_module("studykit.tui.app")
                importlib.import_module("..lab", package="studykit.deck")
                __import__("studykit.cli")
                importlib.import_module(computed_name())
            """
        )
    )
    (root / "study.py").write_text("import studykit.deck.model\n")  # study may import deck
    assert [str(b) for b in offending_imports(root)] == [
        "studykit.deck.inner.bad:4 → studykit.lab.catalog",
        "studykit.deck.inner.bad:5 → studykit.study",
        "studykit.deck.inner.bad:6 → studykit.tui",
        "studykit.deck.inner.bad:7 → studykit.cli.deck",
        "studykit.deck.inner.bad:11 → studykit.lab.results",
        "studykit.deck.inner.bad:14 → studykit.lab.catalog",
        "studykit.deck.inner.bad:15 → studykit.tui.app",
        "studykit.deck.inner.bad:16 → studykit.lab",
        "studykit.deck.inner.bad:17 → studykit.cli",
        "studykit.deck.inner.bad:18 → ?",
    ]
