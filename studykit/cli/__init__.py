"""The `studykit` command: one typer group per area, each a thin layer over library functions.

Bare `studykit` opens the study TUI. Nothing imported here loads torch or transformers; the lab
commands import the engine only when a lab actually runs.
"""

from __future__ import annotations

import typer

from studykit.cli import deck, lab, model, progress, settings, stats, study

app = typer.Typer(
    name="studykit",
    help="Learn how language models are adapted: flashcards, quizzes and live experiments.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(deck.app, name="deck")
app.add_typer(lab.app, name="lab")
app.add_typer(model.app, name="model")
app.add_typer(progress.app, name="progress")
study.register(app)
stats.register(app)
settings.register(app)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    """With no command, open the study TUI over the bundled decks."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(study.study_command)


def main() -> None:
    try:
        app()
    except Exception as error:
        # A progress database that fails mid-command (locked, full disk, damaged) is one line.
        from studykit.study.store import StoreError

        if not isinstance(error, StoreError):
            raise
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
