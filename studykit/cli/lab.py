"""`studykit lab ...`: list the labs, run one by name, or run a lab through its own command.

    studykit lab list
    studykit lab prompt-vs-prefix --task sort --steps 100 --seed 1
    studykit lab run prompt-vs-prefix -p steps=100 --json
    studykit lab prompt-vs-prefix --plot curves.png
    studykit lab prompt-vs-prefix --predict     # predict first, then the run grades you

Every lab spec in `studykit/lab/experiments/*.yaml` gets its own command, with one option per
declared parameter. The commands are built lazily (`LabGroup`): reading the catalogue costs
PyYAML and pydantic, so only `studykit lab ...` reads it, never `studykit --help` or the other
commands. Thin: the catalogue is torch-free; the engine (`studykit.lab.runner`) is imported only
when a lab runs.
Ctrl-C stops the training after the current step and still prints what was measured.
`--predict` asks the decks' predict cards on the lab before it runs (`lab_predict.py`).
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from studykit.lab.errors import LabError, LabParamError, LabSpecError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from typer import _click as click  # the click that typer bundles and its groups subclass

    from studykit.lab.catalog import LabSpec


class LabGroup(TyperGroup):
    """`studykit lab`'s subcommands: `list` and `run`, then one per lab, each built the first time
    it is asked for (to run it, for its --help, or for the list in `studykit lab --help`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        labs = _lab_specs()
        fixed = [name for name in super().list_commands(ctx) if name not in labs]
        return [*fixed, *labs]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _lab_specs():
            self.commands[cmd_name] = _build_lab_command(_lab_specs()[cmd_name])
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # typer's "Did you mean ...?" for a mistyped name looks only at the commands built so far.
        if args and self.get_command(ctx, args[0]) is None:
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=LabGroup, help="Run live experiments on a tiny frozen GPT-2.", no_args_is_help=True
)

_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"studykit: {message}", err=True)
    raise typer.Exit(code)


# Ctrl-C, `kill` and a closed terminal all stop a run the same way: after the current step, so
# the live display is taken down (cursor shown again) and what was measured is still printed.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class StopOnCtrlC:
    """A `should_stop` for the engine: the first Ctrl-C (or SIGTERM, SIGHUP) asks the run to
    stop after this step; a second one interrupts at once. `exit_code` is then 128 + the
    signal's number (130 for Ctrl-C, 143 for SIGTERM), as a shell reports a signal."""

    def __init__(self) -> None:
        self.requested = False
        self.signum: int | None = None

    def __call__(self) -> bool:
        return self.requested

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def __enter__(self) -> StopOnCtrlC:
        self._previous = {signum: signal.signal(signum, self._handle) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested, self.signum = True, signum


class AnnounceOnce:
    """An `on_progress` that prints `text` at the run's first step, then passes events on.
    The lab checks its own options (such as gradient-descent's --lrs) before it trains, so
    a bad one is the only line shown, never after "Running lab ..."."""

    def __init__(self, console: Any, text: str, then: Any = None) -> None:
        self.console, self.text, self.then = console, text, then
        self.said = False

    def __call__(self, event: Any) -> None:
        if not self.said:
            self.said = True
            self.console.print(self.text)
        if self.then is not None:
            self.then(event)


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
    from studykit.files import check_replaceable

    try:  # the figure is written beside it and renamed over it: try both now
        check_replaceable(plot)
        with tempfile.NamedTemporaryFile(dir=Path(os.path.realpath(plot)).parent):
            pass
    except OSError as error:
        _fail(f"--plot {plot}: cannot write there ({error.strerror or error})")


def run_and_show(
    name: str, params: dict[str, Any], as_json: bool = False, plot: Path | None = None
) -> None:
    """Validate, run with live progress, then print the result (or its JSON) and save the plot."""
    from rich.console import Console

    from studykit.lab.catalog import UnknownLab, check_params, get_lab
    from studykit.lab.engine.base import check_model_dir
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
                with LiveProgress(err, stopped=stop) as live:
                    result = run_lab(name, params, on_progress=live, should_stop=stop)
            else:  # no live display: say once that it runs and how to stop it
                said = f"Running lab {name} (Ctrl-C stops it and shows what was measured)"
                result = run_lab(
                    name, params, on_progress=AnnounceOnce(err, said), should_stop=stop
                )
        except LabError as error:
            _fail(str(error))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, allow_nan=False, default=str))
    else:
        render(result, out, spec.title, spec)
    if plot is not None:
        try:
            err.print(f"Curves written to {save_plot(result, plot)}")
        except OSError as error:  # the results are printed above; only the figure is lost
            _fail(f"--plot {plot}: cannot write ({error.strerror or error})", code=1)
    if result.interrupted:
        raise typer.Exit(stop.exit_code)


def _lab_json(spec: LabSpec) -> dict[str, Any]:
    """One lab as `lab list --json` prints it: what the table shows, plus each parameter's
    declaration (type, default, choices, min, max, help) as the lab's own command takes it."""
    return {
        "name": spec.name,
        "title": spec.title,
        "summary": spec.summary,
        "params": {key: declared.model_dump() for key, declared in spec.params.items()},
        "observables": {
            key: declared.model_dump(exclude_none=True)
            for key, declared in spec.observables.items()
        },
    }


def observables_text(spec: LabSpec) -> str:
    """The lab's observables in one paragraph, for its --help: what a predict card can ask."""
    if not spec.observables:
        return "Observables: none declared yet."
    parts = []
    for key, declared in spec.observables.items():
        values = f": {', '.join(declared.values)}" if declared.values else ""
        parts.append(f"{key} ({declared.type}{values}): {declared.help.rstrip('.')}")
    return (
        "Observables (what predict cards predict; --predict asks them): " + "; ".join(parts) + "."
    )


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the labs as JSON.")] = False,
) -> None:
    """The labs, what each shows, the parameters it takes and what it measures (observables)."""
    from studykit.lab.catalog import all_labs

    try:
        specs = all_labs().values()
    except LabSpecError as error:
        _fail(str(error))
    if as_json:
        labs = [_lab_json(spec) for spec in specs]
        typer.echo(json.dumps({"labs": labs}, indent=2, ensure_ascii=False, allow_nan=False))
        return
    from rich.console import Console

    console = Console(highlight=False)
    if console.width >= WIDE_LIST:
        console.print(_labs_table(specs))
    else:
        console.print(_labs_listed(specs))


WIDE_LIST = 140  # narrower, the table's four columns wrap each cell to a few words a line


def _labs_table(specs: Iterable[LabSpec]) -> Any:
    """The labs as a table, for a wide terminal: names and observables whole, one a line."""
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("lab", no_wrap=True)  # the name a learner types: never cut
    table.add_column("what it shows", ratio=3)
    table.add_column("parameters", ratio=1)
    table.add_column("observables", no_wrap=True)
    for spec in specs:
        measured = "\n".join(spec.observables) or "–"
        table.add_row(spec.name, spec.summary, ", ".join(spec.params), measured)
    return table


def _labs_listed(specs: Iterable[LabSpec]) -> Any:
    """The labs one after another, for a terminal of any width: the name on its own line,
    then what it shows, its parameters and its observables, wrapped between words."""
    from rich.padding import Padding
    from rich.text import Text

    parts: list[Any] = []
    for spec in specs:
        parts.append(Text(spec.name, style="bold"))
        body = Text(spec.summary + "\n")
        body.append("parameters: ", style="dim")
        body.append(", ".join(spec.params) + "\n")
        body.append("observables: ", style="dim")
        body.append(", ".join(spec.observables) or "–")
        parts.append(Padding(body, (0, 0, 1, 2), expand=False))
    parts.append(Text("studykit lab NAME --help: its options and what each observable means"))
    from rich.console import Group

    return Group(*parts)


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
    from studykit.lab.catalog import UnknownLab, get_lab

    try:
        spec = get_lab(name)
    except (UnknownLab, LabSpecError) as error:
        _fail(str(error))
    params = dict(_parse_assignment(spec, item) for item in [*(assignments or []), *(param or [])])
    run_and_show(name, params, as_json, plot)


def _lab_command(spec: LabSpec):
    """A typer command for one lab: an option per declared parameter, plus --json and --plot."""

    def command(**options: Any) -> None:
        as_json, plot = options.pop("as_json"), options.pop("plot")
        predict, decks, data_dir = (options.pop(k) for k in ("predict", "decks", "data_dir"))
        params = {key: value for key, value in options.items() if value is not None}
        if isinstance(params.get("model"), Path):
            params["model"] = str(params["model"])
        if predict:
            if plot is not None:
                _fail("--plot is for a plain run; drop it with --predict")
            from studykit.cli.lab_predict import predict_and_run

            predict_and_run(spec, params, decks=decks, data_dir=data_dir, as_json=as_json)
            return
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
    annotations["predict"], annotations["decks"], annotations["data_dir"] = (
        bool,
        list[Path] | None,
        Path | None,
    )
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
        inspect.Parameter(
            "predict",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=bool,
            default=typer.Option(
                False,
                "--predict",
                help="First ask the predict cards that link to this lab (from the decks), then "
                "run it and grade each with what it measured; ratings go to your progress.",
            ),
        ),
        inspect.Parameter(
            "decks",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=list[Path] | None,
            default=typer.Option(
                None,
                "--decks",
                "-d",
                help="With --predict: deck files or folders (repeatable). Default: the bundled "
                "decks.",
                show_default=False,
            ),
        ),
        inspect.Parameter(
            "data_dir",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Path | None,
            default=typer.Option(
                None,
                "--data-dir",
                envvar="STUDYKIT_DATA_DIR",
                help="With --predict: the folder of the progress database (default: your "
                "user data dir).",
                file_okay=False,
                show_default=False,
            ),
        ),
    ]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = annotations
    command.__doc__ = f"{spec.title}: {spec.summary}"
    return command


@cache
def _lab_specs() -> dict[str, LabSpec]:
    """The bundled labs by name, read once, when a `studykit lab` subcommand first needs them
    (`lab list`, `lab --help`, a lab's own command). A broken spec is one line and exit 2."""
    from studykit.lab.catalog import all_labs

    try:
        specs = all_labs()
    except LabSpecError as error:
        _fail(str(error))
    return {name: spec for name, spec in specs.items() if name not in {"list", "run"}}


def _build_lab_command(spec: LabSpec) -> click.Command:
    """The click command for one lab, converted by typer as `@app.command` would have done."""
    one_lab = typer.Typer(add_completion=False)
    one_lab.command(spec.name, epilog=observables_text(spec))(_lab_command(spec))
    return typer.main.get_command(one_lab)
