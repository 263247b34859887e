"""`studykit progress export FILE | import FILE | reset [--deck D]`: back up, merge, forget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from studykit.study.progress_io import ImportReport
    from studykit.study.store import ProgressStore

app = typer.Typer(
    help="Back up, merge or reset your study progress (the SQLite file in your data dir).",
    no_args_is_help=True,
)

# An export holds about 800 bytes per review: this is some 300,000 reviews, years of study.
MAX_EXPORT_BYTES = 256 * 1024 * 1024

DataDirOption = typer.Option(
    None,
    "--data-dir",
    envvar="STUDYKIT_DATA_DIR",
    help="Folder of the progress database (default: your platform's user data dir).",
    file_okay=False,
)


def fail(message: str) -> typer.Exit:
    """Print one line to stderr; raise the returned Exit(1)."""
    typer.echo(message, err=True)
    return typer.Exit(1)


def open_store(
    data_dir: Path | None, *, read_only: bool = False, create: bool = False
) -> ProgressStore:
    """The progress store, or one clear line and exit 1 if it cannot be opened. `read_only`:
    a command that only reads still works where it cannot write (a full disk). Only studying
    and `progress import` pass `create`: every other command on a data dir without progress
    says so (exit 1) and leaves no file behind, so a mistyped --data-dir is noticed."""
    from studykit.study.store import ProgressStore, StoreError

    try:
        return ProgressStore.open(data_dir, read_only=read_only, create=create)
    except StoreError as exc:
        raise fail(f"error: {exc}") from None


@app.command("export")
def export_command(
    file: Path = typer.Argument(..., help="JSON file to write ('-' for standard output)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Write all progress (card states, every review, lab runs, predictions) to a JSON file."""
    from studykit.study.clock import utc_now
    from studykit.study.progress_io import export_progress

    if str(file) != "-" and file.exists() and not force:
        raise fail(f"error: {file} exists; pass --force to overwrite it")
    unreadable: dict[str, str] = {}
    with open_store(data_dir, read_only=True) as store:
        data = export_progress(store, exported_at=utc_now(), unreadable=unreadable)
    if unreadable:  # said before the data, so it is not lost below a long JSON on stdout
        first, why = next(iter(unreadable.items()))
        typer.echo(
            f"warning: left out {len(unreadable)} card state(s) that cannot be read (first: "
            f"{first}, {why}); their reviews are exported, and the card starts afresh on import",
            err=True,
        )
    text = json.dumps(data, indent=1) + "\n"
    if str(file) == "-":
        typer.echo(text, nl=False)
        return
    from studykit.files import replace_atomically

    try:  # with --force, a failed write must not cost the previous backup
        replace_atomically(file, lambda temp: temp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise fail(f"error: {file}: cannot write ({exc.strerror})") from None
    predictions = len(data.get("predictions", []))
    also = f" and {predictions} predictions" if predictions else ""
    typer.echo(
        f"Exported {len(data['cards'])} cards, {len(data['reviews'])} reviews and "
        f"{len(data['lab_runs'])} lab runs{also} to {file}"
    )


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A file written by `studykit progress export`."),
    decks: list[Path] = typer.Argument(
        None,
        help="Deck files or folders the progress is for (default: the bundled decks); "
        "entries for cards none of them has are skipped and counted.",
        show_default=False,
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Merge an export into your progress; importing the same file twice adds nothing."""
    from studykit.files import read_bounded
    from studykit.study.progress_io import import_progress
    from studykit.study.store import StoreError

    try:  # bounded by what is read: /dev/zero or a pipe has no size to check first
        data = json.loads(read_bounded(file, MAX_EXPORT_BYTES).decode("utf-8"))
    except OSError as exc:
        raise fail(f"error: {file}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise fail(f"error: {file}: not a text file; expected a progress export (JSON)") from None
    except json.JSONDecodeError as exc:
        raise fail(f"error: {file}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg})") from None
    except RecursionError:  # the JSON parser recurses once per nested [ or {
        raise fail(f"error: {file}: nested too deeply to be a progress export") from None
    from studykit.cli.stats import load_decks_or_exit

    loaded = load_decks_or_exit(decks or [])
    known = {card.id for deck in loaded for card in deck.study_cards()}  # cloze: CARD::c1…
    with open_store(data_dir, create=True) as store:
        try:
            report = import_progress(store, data, source=str(file), known_cards=known)
        except StoreError as exc:
            raise fail(f"error: {exc}") from None
    also = f" and {report.predictions} predictions" if report.predictions else ""
    typer.echo(
        f"Imported {report.cards} cards, {report.reviews} reviews and {report.lab_runs} lab runs"
        f"{also} from {file}."
    )
    for line in skipped_lines(report, file):
        typer.echo(line)


def skipped_lines(report: ImportReport, file: Path) -> list[str]:
    """What the import left out, each kind by name and count (nothing is dropped unsaid)."""
    from studykit.study.progress_io import SKIP_UNKNOWN

    lines = []
    others = [f"{n} {why}" for why, n in report.skipped.items() if why != SKIP_UNKNOWN]
    if others:
        lines.append(f"Skipped {', '.join(others)}.")
    if report.unknown_cards:
        ids = report.unknown_cards
        shown = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
        lines.append(
            f"Skipped {report.skipped[SKIP_UNKNOWN]} {SKIP_UNKNOWN} "
            f"({len(ids)} cards: {shown}); to keep them, name their decks: "
            f"`studykit progress import {file} DECK...`"
        )
    return lines


@app.command("reset")
def reset_command(
    deck: str | None = typer.Option(None, "--deck", help="Forget only this deck's progress."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Forget progress: every card's schedule, review history and lab runs (asks first)."""
    with open_store(data_dir) as store:
        known = store.deck_ids()
        if deck is not None and deck not in known:
            hint = f"decks with progress: {', '.join(known)}" if known else "no progress is stored"
            raise fail(f"error: no progress stored for deck '{deck}' ({hint})")
        what = f"deck '{deck}'" if deck else "all decks"
        if not yes:
            try:
                agreed = typer.confirm(f"Forget all progress for {what} in {store.path}?")
            except typer.Abort:
                agreed = False
            if not agreed:
                raise fail("Nothing was reset.")
        count = store.reset(deck)
    typer.echo(f"Reset {count} cards' progress for {what}.")
