"""`studykit study`: open the study TUI."""

import typer


def study_command() -> None:
    """Open the study TUI."""
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    app.command("study")(study_command)
