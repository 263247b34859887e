"""`studykit study [DECK...]`: open the study TUI (also what bare `studykit` runs).

Thin: load the decks, open the progress store, start the app. Textual, the loader and the store
are imported inside the command so `studykit --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def study_command(
    decks: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Deck files or folders (default: the bundled decks).", show_default=False
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where progress is kept (default: $STUDYKIT_DATA_DIR, "
            "else your user data folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Study the decks in the terminal: spaced repetition, instant feedback, live labs."""
    from studykit.tui.launch import LaunchError, build_app

    try:
        app = build_app(decks or None, data_dir)
    except LaunchError as error:
        typer.echo(f"studykit: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        app.run()
    finally:
        app.store.close()
    if app.return_code:  # the app ended on an error it has already shown in one line
        raise typer.Exit(app.return_code)


def register(app: typer.Typer) -> None:
    app.command("study")(study_command)
