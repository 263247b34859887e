"""`studykit progress ...` commands."""

import typer

app = typer.Typer(help="progress commands", no_args_is_help=True)
