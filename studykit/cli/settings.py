"""`studykit settings`: show or change daily limits, desired retention and which siblings wait
(kept per data dir); show fsrs's learning and relearning steps."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
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
    bury_siblings: str | None = typer.Option(
        None,
        "--bury-siblings",
        help="Which siblings of a card seen today wait for another day: new (default), all "
        "(reviews too) or none.",
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
        "bury_siblings": bury_siblings,
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
    scheduler = chosen.scheduler_settings()
    if as_json:
        steps = {
            "learning_steps_seconds": [s.total_seconds() for s in scheduler.learning_steps],
            "relearning_steps_seconds": [s.total_seconds() for s in scheduler.relearning_steps],
        }
        typer.echo(json.dumps({"database": str(path), **asdict(chosen), **steps}, indent=1))
        return
    typer.echo(
        f"New cards per day   {chosen.new_per_day}\n"
        f"Reviews per day     {chosen.reviews_per_day}\n"
        f"Desired retention   {chosen.desired_retention:g}\n"
        f"Bury siblings       {chosen.bury_siblings}  ({BURY_MEANINGS[chosen.bury_siblings]})\n"
        f"Learning steps      {_steps(scheduler.learning_steps)}  (a new card comes back after "
        "each, until it graduates)\n"
        f"Relearning steps    {_steps(scheduler.relearning_steps)}  (a forgotten card, likewise)\n"
        f"({'saved to' if chosen != current else 'kept in'} {path})"
    )


BURY_MEANINGS = {
    "new": "a new card whose sibling was seen today waits for another day",
    "all": "a card whose sibling was seen today waits for another day",
    "none": "siblings may come the same day",
}


def _steps(steps: tuple[timedelta, ...]) -> str:
    """(1 min, 10 min) as `1 min, 10 min`."""
    return ", ".join(map(_duration, steps)) or "none"


def _duration(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def register(app: typer.Typer) -> None:
    app.command("settings")(settings_command)
