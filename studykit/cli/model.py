"""`studykit model ...`: rebuild the bundled base model, or describe a model directory.

    studykit model pretrain --out /tmp/base --seed 0     # reproduces studykit/lab/base_model/
    studykit model info                                  # size, parameters, per-task exact match

Thin: torch and transformers are imported inside the commands.
"""

from __future__ import annotations

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
) -> None:
    """Pretrain the tiny GPT-2 on the synthetic multi-task corpus (about 2 minutes on 2 cores)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    if out.exists() and not out.is_dir():
        _fail(f"{out} is a file; --out needs a folder")
    try:  # now, not after minutes of training
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _fail(f"{out}: cannot create the folder ({error.strerror or error}); choose another --out")
    from studykit.cli.lab import StopOnCtrlC
    from studykit.lab.pretrain import PretrainConfig, pretrain
    from studykit.lab.tasks import PRETRAINING

    console = Console(stderr=True)
    config = PretrainConfig(seed=seed, steps=steps)
    bar = Progress(
        TextColumn("pretraining"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}  loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        console=console,
    )
    job = bar.add_task("pretrain", total=config.steps, loss=float("nan"))

    def on_progress(event) -> None:
        bar.update(job, completed=event.step, loss=event.loss)
        if event.metrics:  # a line per evaluation, printed above the bar
            scores = "  ".join(f"{name} {100 * event.metrics[name]:3.0f}%" for name in PRETRAINING)
            bar.console.print(f"step {event.step:5d}  {scores}")

    try:
        with StopOnCtrlC() as stop, bar:
            scores = pretrain(out, config, on_progress=on_progress, should_stop=stop)
    except OSError as error:  # said after the bar's last line, so it is the last thing shown
        _fail(f"{out}: cannot save the model ({error.strerror or error})")
    table = Table(title=f"Saved to {out}", title_justify="left", header_style="bold")
    table.add_column("task")
    table.add_column("exact match", justify="right")
    for name, score in scores.items():
        table.add_row(name, f"{100 * score.exact_match:.1f}%")
    Console().print(table)


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

    from studykit.lab.base import check_model_dir
    from studykit.lab.errors import ModelDirError

    try:
        folder = check_model_dir(path)
    except ModelDirError as error:
        _fail(str(error))
    from studykit.lab.base import load_base
    from studykit.lab.pretrain import task_scores

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
