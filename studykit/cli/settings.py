"""`studykit settings`: show or change daily limits and desired retention (kept per data dir)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from studykit.cli.progress import DataDirOption, fail, open_store


def settings_command(
    new_per_day: int | None = typer.Option(
        None, "--new-per-day", help="New cards introduced per day (default 20).", show_default=False
    ),
    reviews_per_day: int | None = typer.Option(
        None,
        "--reviews-per-day",
        help="Due reviews shown per day (default 200).",
        show_default=False,
    ),
    retention: float | None = typer.Option(
        None,
        "--retention",
        help="Chance of recall fsrs aims for when a card comes due, 0.70-0.99 (default 0.9); "
        "higher means more reviews.",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the settings as JSON."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Show your study settings; with options, change them (they apply from the next session)."""
    from studykit.study.preferences import (
        PreferenceError,
        StudyPreferences,
        load_preferences,
        save_preferences,
    )

    changes = {
        "new_per_day": new_per_day,
        "reviews_per_day": reviews_per_day,
        "desired_retention": retention,
    }
    changing = any(value is not None for value in changes.values())
    try:  # bounds first: a bad value must not open (or create) anything
        StudyPreferences().updated(**changes)
    except PreferenceError as exc:
        raise fail(f"error: {exc}") from None
    # Showing only reads, so it never creates a store; a change is a deliberate write, and the
    # line printed below names the file it went to.
    with open_store(data_dir, read_only=not changing, create=changing) as store:
        current = load_preferences(store)
        chosen = current.updated(**changes)
        if chosen != current:
            save_preferences(store, chosen)
        path = store.path
    if as_json:
        typer.echo(json.dumps({"database": str(path), **asdict(chosen)}, indent=1))
        return
    typer.echo(
        f"New cards per day   {chosen.new_per_day}\n"
        f"Reviews per day     {chosen.reviews_per_day}\n"
        f"Desired retention   {chosen.desired_retention:g}\n"
        f"({'saved to' if chosen != current else 'kept in'} {path})"
    )


def register(app: typer.Typer) -> None:
    app.command("settings")(settings_command)
