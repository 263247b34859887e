"""`studykit settings`: show or change daily limits, desired retention and which siblings wait
(kept per data dir); show fsrs's learning and relearning steps; `--optimize` fits the FSRS
parameters to the learner's own reviews (study/optimize.py; torch loads only then)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from studykit.cli.progress import DataDirOption, fail, open_store

if TYPE_CHECKING:
    from studykit.study.optimize import Fit
    from studykit.study.preferences import StudyPreferences
    from studykit.study.store import ProgressStore


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
    optimize: bool = typer.Option(
        False,
        "--optimize",
        help="Fit the FSRS parameters to your own reviews (Anki's Optimize): needs 512 reviews "
        "made a day or more after the card's previous one, and torch and pandas; kept only if "
        "they predict your reviews better.",
    ),
    default_parameters: bool = typer.Option(
        False, "--default-parameters", help="Go back to fsrs's default FSRS parameters."
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

    if optimize and default_parameters:
        raise fail("error: --optimize and --default-parameters contradict; choose one")

    changes = {
        "new_per_day": new_per_day,
        "reviews_per_day": reviews_per_day,
        "desired_retention": retention,
        "bury_siblings": bury_siblings,
    }
    changing = any(value is not None for value in changes.values())
    changing = changing or optimize or default_parameters
    try:  # bounds first: a bad value must not open (or create) anything
        StudyPreferences().updated(**changes)
    except PreferenceError as exc:
        raise fail(f"error: {exc}") from None
    # Showing only reads, so it never creates a store; a change is a deliberate write, and the
    # line printed below names the file it went to.
    # An optimization reads the review log, so it needs a store that has one.
    create = changing and not optimize
    with open_store(data_dir, read_only=not changing, create=create) as store:
        current = load_preferences(store)
        chosen = current.updated(**changes)
        if default_parameters:
            chosen = replace(chosen, parameters=None)
        fitted = _fit(store, chosen) if optimize else None
        if fitted is not None and fitted.improved:
            chosen = replace(chosen, parameters=fitted.parameters)
        if chosen != current:
            save_preferences(store, chosen)
        path = store.path
    scheduler = chosen.scheduler_settings()
    if as_json:
        steps = {
            "learning_steps_seconds": [s.total_seconds() for s in scheduler.learning_steps],
            "relearning_steps_seconds": [s.total_seconds() for s in scheduler.relearning_steps],
        }
        extra = {} if fitted is None else {"optimize": {**asdict(fitted), "kept": fitted.improved}}
        data = {"database": str(path), **asdict(chosen), **steps, **extra}
        typer.echo(json.dumps(data, indent=1))
        return
    if fitted is not None:
        typer.echo(_fit_line(fitted))
    typer.echo(
        f"New cards per day   {chosen.new_per_day}\n"
        f"Reviews per day     {chosen.reviews_per_day}\n"
        f"Desired retention   {chosen.desired_retention:g}\n"
        f"Bury siblings       {chosen.bury_siblings}  ({BURY_MEANINGS[chosen.bury_siblings]})\n"
        f"Learning steps      {_steps(scheduler.learning_steps)}  (a new card comes back after "
        "each, until it graduates)\n"
        f"Relearning steps    {_steps(scheduler.relearning_steps)}  (a forgotten card, likewise)\n"
        f"FSRS parameters     {_parameters_line(chosen.parameters)}\n"
        f"({'saved to' if chosen != current else 'kept in'} {path})"
    )


def _fit(store: ProgressStore, preferences: StudyPreferences) -> Fit:
    """Fit the FSRS parameters to the store's review log (seconds of CPU: torch loads here)."""
    from studykit.study.optimize import (
        MIN_REVIEWS,
        OptimizeError,
        counted_reviews,
        fit,
        review_logs,
        too_few_message,
    )

    logs = review_logs(store)
    counted = counted_reviews(logs)
    if counted < MIN_REVIEWS:
        raise fail(f"error: {too_few_message(counted)}")
    typer.echo(f"Fitting the FSRS parameters to {counted} reviews...", err=True)
    try:
        return fit(logs, preferences.parameters)
    except OptimizeError as exc:
        raise fail(f"error: {exc}") from None


def _parameters_line(parameters: tuple[float, ...] | None) -> str:
    if parameters is None:
        return "fsrs defaults  (--optimize fits them to your reviews)"
    return "fitted to your reviews  (--default-parameters goes back to fsrs's)"


def _fit_line(fitted: Fit) -> str:
    said = (
        f"Fitted the FSRS parameters to {fitted.reviews_used} reviews (of {fitted.ratings} "
        f"ratings): log loss {fitted.loss_before:.4f} before, {fitted.loss_after:.4f} after"
    )
    if fitted.improved:
        return said + " (lower is better); saved, they apply from the next session.\n"
    return said + "; no better than the parameters in use, which are kept.\n"


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
