"""`studykit deck export` and `studykit deck import`."""

import typer


def register(app: typer.Typer) -> None:
    del app
