"""`studykit lab ...`: list the labs, run one by name, or run a lab through its own command.

    studykit lab list
    studykit lab prompt-vs-prefix --task sort --steps 100 --seed 1
    studykit lab run prompt-vs-prefix -p steps=100 --json
    studykit lab prompt-vs-prefix --plot curves.png

Every lab in `labs/*.yaml` gets its own command, with one option per declared parameter. Thin:
the catalogue is torch-free; the engine (`studykit.lab.runner`) is imported only when a lab runs.
Ctrl-C stops the training after the current step and still prints what was measured.
"""

from __future__ import annotations

import inspect
import json
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from studykit.lab.catalog import LabSpec, UnknownLab, all_labs, check_params, get_lab
from studykit.lab.errors import LabError, LabParamError

app = typer.Typer(help="Run live experiments on a tiny frozen GPT-2.", no_args_is_help=True)

_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"studykit: {message}", err=True)
    raise typer.Exit(code)


class StopOnCtrlC:
    """A `should_stop` for the engine: the first Ctrl-C asks the run to stop after this step;
    a second one interrupts at once."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def __enter__(self) -> StopOnCtrlC:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True


PLOT_SUFFIXES = (".png", ".pdf", ".svg")  # what matplotlib writes without extra packages
PLOT_HELP = "Also write the curves to this file (.png, .pdf or .svg)."


def _check_plot_path(plot: Path) -> None:
    """Fail now, not after a run of minutes, on a --plot file that cannot be written."""
    if plot.suffix.lower() not in PLOT_SUFFIXES:
        _fail(f"--plot {plot}: give a file name ending in {', '.join(PLOT_SUFFIXES)}")
    if plot.is_dir():
        _fail(f"--plot {plot} is a folder; give a file name such as {plot / 'curves.png'}")
    try:
        plot.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _fail(f"--plot {plot}: cannot create {plot.parent} ({error.strerror or error})")


def run_and_show(
    name: str, params: dict[str, Any], as_json: bool = False, plot: Path | None = None
) -> None:
    """Validate, run with live progress, then print the result (or its JSON) and save the plot."""
    from rich.console import Console

    from studykit.lab.base import check_model_dir
    from studykit.lab.render import LiveProgress, render, save_plot

    try:
        spec = get_lab(name)
        problems = check_params(spec, params)
        if problems:
            raise LabParamError(problems)
        if "model" in spec.params:
            check_model_dir(params.get("model") or spec.params["model"].default or None)
    except (UnknownLab, LabError) as error:
        _fail(str(error))
    if plot is not None:
        _check_plot_path(plot)
    from studykit.lab.runner import run_lab  # cheap; torch loads inside run_lab

    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    with StopOnCtrlC() as stop:
        try:
            if err.is_terminal:
                with LiveProgress(err) as live:
                    result = run_lab(name, params, on_progress=live, should_stop=stop)
            else:  # no live display: say once that it runs and how to stop it
                err.print(f"Running lab {name} (Ctrl-C stops it and shows what was measured)")
                result = run_lab(name, params, should_stop=stop)
        except LabError as error:
            _fail(str(error))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, allow_nan=False, default=str))
    else:
        render(result, out, spec.title)
    if plot is not None:
        try:
            err.print(f"Curves written to {save_plot(result, plot)}")
        except OSError as error:  # the results are printed above; only the figure is lost
            _fail(f"--plot {plot}: cannot write ({error.strerror or error})", code=1)
    if result.interrupted:
        raise typer.Exit(130)


@app.command("list")
def list_command() -> None:
    """The labs, what each shows, and the parameters it takes."""
    from rich.console import Console
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("lab", "what it shows", "parameters"):
        table.add_column(column)
    for spec in all_labs().values():
        table.add_row(spec.name, spec.summary, ", ".join(spec.params))
    Console().print(table)


def _parse_assignment(spec: LabSpec, text: str) -> tuple[str, Any]:
    key, eq, raw = text.partition("=")
    if not eq:
        _fail(f'a parameter is KEY=VALUE, got "{text}"')
    key = key.strip().replace("-", "_")
    declared = spec.params.get(key)
    if declared is None:  # let check_params say so, with its closest-name hint
        return key, raw
    try:
        if declared.type == "bool":
            if raw.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError
            return key, raw.lower() in {"true", "1", "yes"}
        return key, _TYPES[declared.type](raw)
    except ValueError:
        _fail(f'lab {spec.name}: {key} must be {declared.type}, got "{raw}"')
    raise AssertionError("unreachable")


@app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="The lab to run (see `studykit lab list`).")],
    assignments: Annotated[
        list[str] | None,
        typer.Argument(help="Parameters as KEY=VALUE, e.g. steps=50 seed=1.", show_default=False),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as KEY=VALUE; repeat for more."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help=PLOT_HELP, show_default=False),
    ] = None,
) -> None:
    """Run a lab by name with KEY=VALUE parameters (`lab run soft-prompt steps=50 seed=1`)."""
    try:
        spec = get_lab(name)
    except UnknownLab as error:
        _fail(str(error))
    params = dict(_parse_assignment(spec, item) for item in [*(assignments or []), *(param or [])])
    run_and_show(name, params, as_json, plot)


def _lab_command(spec: LabSpec):
    """A typer command for one lab: an option per declared parameter, plus --json and --plot."""

    def command(**options: Any) -> None:
        as_json, plot = options.pop("as_json"), options.pop("plot")
        params = {key: value for key, value in options.items() if value is not None}
        if isinstance(params.get("model"), Path):
            params["model"] = str(params["model"])
        run_and_show(spec.name, params, as_json, plot)

    parameters, annotations = [], {}
    for key, declared in spec.params.items():
        kind: Any = Path if key == "model" else _TYPES[declared.type]
        default = declared.default if declared.default not in ("", None) else "bundled"
        hint = f" Default: {default}."
        if declared.choices:
            hint = f" One of: {', '.join(map(str, declared.choices))}." + hint
        flag = "--" + key.replace("_", "-")
        names = [f"{flag}/--no-{flag[2:]}"] if declared.type == "bool" else [flag]
        option = typer.Option(None, *names, help=declared.help + hint, show_default=False)
        annotations[key] = kind | None
        parameters.append(
            inspect.Parameter(
                key, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind | None
            )
        )
    annotations["as_json"], annotations["plot"] = bool, Path | None
    parameters += [
        inspect.Parameter(
            "as_json",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=bool,
            default=typer.Option(False, "--json", help="Print the result as JSON."),
        ),
        inspect.Parameter(
            "plot",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Path | None,
            default=typer.Option(None, "--plot", show_default=False, help=PLOT_HELP),
        ),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = annotations
    command.__doc__ = f"{spec.title}: {spec.summary}"
    return command


def _register_lab_commands() -> None:
    try:
        specs = all_labs()
    except Exception as error:  # a broken spec must not take the whole CLI down
        print(f"studykit: could not read the lab specs: {error}", file=sys.stderr)
        return
    for spec in specs.values():
        if spec.name not in {"list", "run"}:
            app.command(spec.name)(_lab_command(spec))


_register_lab_commands()
