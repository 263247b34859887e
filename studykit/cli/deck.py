"""`studykit deck ...` commands."""

import typer

from studykit.cli import deck_io

app = typer.Typer(help="Validate, lint, scaffold, list, show, export and import decks.",
                  no_args_is_help=True)
deck_io.register(app)
