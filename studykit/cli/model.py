"""`studykit model ...`: rebuild the bundled base model, or describe a model directory.

    studykit model pretrain --out /tmp/base --seed 0     # reproduces studykit/lab/base_model/
    studykit model info                                  # size, parameters, per-task exact match

Thin: torch and transformers are imported inside the commands.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Rebuild or inspect the base model the labs use.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"studykit: {message}", err=True)
    raise typer.Exit(2)


@app.command("pretrain")
def pretrain_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the model to.")],
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed (0 built the bundled model).", min=0)
    ] = 0,
    steps: Annotated[int, typer.Option("--steps", help="Training steps.", min=1)] = 5000,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace what --out holds. The old model stays until the new one is trained.",
        ),
    ] = False,
) -> None:
    """Pretrain the tiny GPT-2 on the synthetic multi-task corpus (about 2 minutes on 2 cores).

    The model is trained in a temporary folder next to --out and moved there only when
    training finished; a stopped run (Ctrl-C, SIGTERM) writes nothing and exits non-zero.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    staging = _staging_folder(out, force)  # now, not after minutes of training
    from studykit.cli.lab import StopOnCtrlC
    from studykit.lab.engine import pretrain as pretraining
    from studykit.lab.tasks import PRETRAINING

    console = Console(stderr=True)
    config = pretraining.PretrainConfig(seed=seed, steps=steps)
    bar = Progress(
        TextColumn("pretraining"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}  loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        console=console,
    )
    job = bar.add_task("pretrain", total=config.steps, loss=float("nan"))
    done = [0]

    def on_progress(event) -> None:
        done[0] = event.step
        bar.update(job, completed=event.step, loss=event.loss)
        if event.metrics:  # a line per evaluation, printed above the bar
            scores = "  ".join(f"{name} {100 * event.metrics[name]:3.0f}%" for name in PRETRAINING)
            bar.console.print(f"step {event.step:5d}  {scores}")

    try:
        try:
            with StopOnCtrlC() as stop, bar:
                scores = pretraining.pretrain(
                    staging, config, on_progress=on_progress, should_stop=stop
                )
            if scores is not None:
                _move_into_place(staging, out)
        except OSError as error:  # said after the bar's last line, so it is the last thing shown
            _fail(f"{out}: cannot save the model ({error.strerror or error})")
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once moved into place
    if scores is None:
        typer.echo(
            f"studykit: stopped after step {done[0]} of {config.steps}; nothing was written "
            f"to {out}",
            err=True,
        )
        raise typer.Exit(stop.exit_code)
    table = Table(title=f"Saved to {out}", title_justify="left", header_style="bold")
    table.add_column("task")
    table.add_column("exact match", justify="right")
    for name, score in scores.items():
        table.add_row(name, f"{100 * score.exact_match:.1f}%")
    Console().print(table)


def _staging_folder(out: Path, force: bool) -> Path:
    """Check --out and make the temporary folder the model is trained in, beside it (so the
    final rename stays on one filesystem). One line and exit 2 when --out will not do."""
    if out.exists() and not out.is_dir():
        _fail(f"{out} is a file; --out needs a folder")
    try:
        held = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
        if held and not force:
            shown = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
            _fail(
                f"{out} is not empty ({shown}); pass --force to replace what it holds, "
                "or choose an empty --out"
            )
        target = Path(os.path.realpath(out))  # a link to a folder: replace the folder
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.pretrain-", dir=target.parent))
    except OSError as error:
        _fail(f"{out}: cannot create the folder ({error.strerror or error}); choose another --out")
    raise AssertionError("unreachable")


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename the finished model folder to `out`. An old `out` is moved aside first and
    removed only once the new one is in place, so a failure leaves it as it was."""
    target = Path(os.path.realpath(out))
    old = staging.with_name(staging.name + ".old") if target.exists() else None
    if old is not None:
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@app.command("info")
def info_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A model folder (default: the bundled base model).", show_default=False
        ),
    ] = None,
) -> None:
    """Size on disk, parameter count, shape, and exact match on every pretraining task."""
    from rich.console import Console
    from rich.table import Table

    from studykit.lab.engine.base import check_model_dir
    from studykit.lab.errors import ModelDirError

    try:
        folder = check_model_dir(path)
    except ModelDirError as error:
        _fail(str(error))
    from studykit.lab.engine.base import load_base
    from studykit.lab.engine.pretrain import task_scores

    try:
        base = load_base(folder)
    except ModelDirError as error:
        _fail(str(error))
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    layers, width, heads, _ = base.shape
    console = Console()
    console.print(f"[bold]{folder}[/bold]")
    console.print(
        f"  {type(base.model).__name__}: {layers} layers, width {width}, {heads} heads,"
        f" vocabulary {base.config.vocab_size}"
    )
    console.print(f"  {base.num_params:,} parameters, {size / 1e3:.0f} KB on disk")
    table = Table(
        title="Exact match, instruction word given, 256 held-out each",
        title_justify="left",
        header_style="bold",
    )
    for column in ("task", "exact match", "token accuracy"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for name, score in task_scores(base.model, base.tokenizer).items():
        table.add_row(name, f"{100 * score.exact_match:.1f}%", f"{100 * score.token_accuracy:.1f}%")
    console.print(table)
