"""`studykit deck export` and `studykit deck import`: thin over studykit.deck.export/importers.

    studykit deck export decks/ --to anki -o studykit.apkg
    studykit deck export decks/soft-prompts.yaml -o soft-prompts.gift     (format from -o)
    studykit deck import week3.gift -o decks/week3.yaml
    studykit deck import quiz.txt --from aiken -o quiz.yaml

Every failure is one line on stderr and exit code 1; an existing output file is only replaced
with --force.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from studykit.files import NotARegularFile, check_replaceable, replace_atomically

# Format -> file extensions that imply it (kept here so `--help` loads no deck code).
EXPORT_FORMATS = {"anki": (".apkg",), "gift": (".gift",), "markdown": (".md",), "csv": (".csv",)}
IMPORT_FORMATS = {"gift": (".gift",), "aiken": (".aiken",)}
STDOUT = Path("-")

if TYPE_CHECKING:
    from studykit.deck.export.predict import Measure
    from studykit.deck.model import Predict


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def _format_from(name: str | None, out: Path | None, choices: dict, flag: str) -> str:
    """The format named by the flag, else the one `out`'s extension implies."""
    if name is not None:
        name = name.strip().lower()
        if name not in choices:
            raise _fail(f'unknown format "{name}" for {flag}; choose one of {", ".join(choices)}')
        return name
    if out is not None:
        for fmt, extensions in choices.items():
            if out.suffix.lower() in extensions:
                return fmt
    raise _fail(f"say which format with {flag} {'|'.join(choices)}")


def _check_writable(out: Path, force: bool) -> None:
    if out == STDOUT:
        return
    if out.is_dir():
        raise _fail(f"{out} is a directory; give a file name with -o")
    if out.exists() and not force:
        raise _fail(f"{out} already exists; pass --force to replace it")
    try:
        check_replaceable(out)
    except NotARegularFile:
        raise _fail(
            f"{out} is not a regular file (a device or a pipe); use -o - for standard output"
        ) from None
    if not out.parent.is_dir():
        raise _fail(f"{out.parent} does not exist; create the folder first")


def export_command(
    paths: list[Path] = typer.Argument(..., help="Deck files or folders of decks."),
    to: str | None = typer.Option(
        None, "--to", help="anki, gift, markdown or csv (default: from the -o extension)."
    ),
    out: Path | None = typer.Option(
        None, "-o", "--output", help="File to write; '-' prints text formats. Default: DECK.EXT"
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    bom: bool = typer.Option(
        False, "--bom", help="CSV: start with a UTF-8 byte order mark, so spreadsheets read UTF-8."
    ),
    quiz: bool = typer.Option(
        False, "--quiz", help="Markdown: a printable quiz, questions only, answer key at the end."
    ),
    run_labs: bool = typer.Option(
        False,
        "--run-labs",
        help="Run the lab of each predict card once (per parameter set) and export the card "
        "as a question keyed by what it measured (default: predict cards are left out).",
    ),
) -> None:
    """Export decks to Anki (.apkg), Moodle GIFT, Markdown for printing, or CSV."""
    fmt = _format_from(to, out, EXPORT_FORMATS, "--to")
    if bom and fmt != "csv":
        raise _fail(f"--bom is for CSV; drop it, or export with --to csv (not {fmt})")
    if quiz and fmt != "markdown":
        raise _fail(f"--quiz is for Markdown; drop it, or export with --to markdown (not {fmt})")
    for path in paths:
        if not path.exists():
            raise _fail(f"{path}: no such file or folder")
    if out is None:
        out = Path(paths[0].stem if paths[0].is_file() else paths[0].resolve().name or "decks")
        out = out.with_suffix(EXPORT_FORMATS[fmt][0])
    if out == STDOUT and fmt == "anki":
        raise _fail("an Anki package is binary; write it to a file with -o NAME.apkg")
    _check_writable(out, force)

    from studykit.deck.loader import DeckError, load_decks
    from studykit.lab.catalog import Catalog

    try:
        loaded = load_decks(paths, lab_catalog=Catalog())
    except DeckError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    errors = [p for p in loaded.problems if p.severity == "error"]
    for problem in errors:
        typer.echo(str(problem), err=True)
    if errors:
        raise _fail(f"{len(errors)} problem(s) in the decks; fix them and export again")
    if not loaded.decks:
        raise _fail(f"no decks found in {', '.join(map(str, paths))}")

    from studykit.deck.export import LEFT_OUT, export_decks, render_text

    decks = loaded.decks
    measure = _lab_measure() if run_labs else None
    if out == STDOUT:
        text, report = render_text(decks, fmt, bom=bom, quiz=quiz, measure=measure)
        sys.stdout.write(text)
    else:
        try:
            report = export_decks(decks, fmt, out, bom=bom, quiz=quiz, measure=measure)
        except OSError as error:
            raise _fail(f"cannot write {out}: {error.strerror or error}") from None
    for line in report.skipped:
        _warn(line)
    summary = f"Exported {report.cards} cards from {len(decks)} deck(s) as {fmt}"
    summary += "" if out == STDOUT else f" to {out}"
    if report.changed is not None:  # an Anki package replaced an earlier one
        summary += f"; {report.changed} of them changed since the package it replaced"
    typer.echo(summary, err=out == STDOUT)
    if fmt in LEFT_OUT:
        typer.echo(f"(not in {fmt}: {LEFT_OUT[fmt]})", err=out == STDOUT)


def _lab_measure() -> Measure:
    """`measure` for the exporter: runs each (lab, params) once, with `run_lab` (loaded only
    now: it brings torch), and reads the card's observable from that run."""
    import json

    from studykit.deck.export.predict import Measured

    runs: dict[str, Any] = {}

    def measure(card: Predict) -> Measured | None:
        key = json.dumps([card.lab.name, card.lab.params], sort_keys=True, default=str)
        if key not in runs:
            from studykit.lab.runner import run_lab

            shown = " ".join(f"{k}={v}" for k, v in card.lab.params.items())
            typer.echo(f"running lab {card.lab.name} {shown}".rstrip() + " …", err=True)
            try:
                runs[key] = run_lab(card.lab.name, dict(card.lab.params))
            except Exception as error:  # one line, and the export goes on without the card
                _warn(f"lab {card.lab.name} failed: {' '.join(str(error).split())[:200]}")
                runs[key] = None
        result = runs[key]
        if result is None:
            return None
        observation = result.observables.get(card.observe)
        value = observation.value if observation is not None else None
        detail = observation.detail if observation is not None else ""
        return Measured(value, result.seed, detail)

    return measure


def import_command(
    file: Path = typer.Argument(..., help="The question bank to import."),
    from_: str | None = typer.Option(
        None, "--from", help="gift or aiken (default: from the file's extension)."
    ),
    out: Path | None = typer.Option(
        None, "-o", "--output", help="Deck file to write; '-' prints it. Default: FILE.yaml"
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
    deck_id: str | None = typer.Option(None, "--deck-id", help="Default: from the file name."),
    title: str | None = typer.Option(None, "--title", help="Default: the file name."),
    id_prefix: str | None = typer.Option(
        None,
        "--id-prefix",
        help="Put before every card and topic id, e.g. 'ml101-' (default: the deck id and '-').",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Write nothing if any question is broken (default: skip it)."
    ),
) -> None:
    """Import a Moodle GIFT or Aiken question bank as a studykit deck (YAML).

    A broken question is skipped with a warning (file:line) and the rest are imported; the exit
    code is 1 only when nothing could be imported, or with --strict when anything was skipped.
    """
    import re

    from studykit.deck.model import ID_PATTERN

    fmt = _format_from(from_, file, IMPORT_FORMATS, "--from")
    if out is None:
        out = file.with_suffix(".yaml")
    if out.resolve() == file.resolve():
        raise _fail(f"{out} is the bank being imported; choose another -o")
    _check_writable(out, force)
    for flag, value in (("--deck-id", deck_id), ("--id-prefix", id_prefix)):
        if value and not re.fullmatch(ID_PATTERN, value):
            raise _fail(f'{flag} "{value}" may hold only a-z, 0-9, ".", "-" and "_"')

    from studykit.deck.importers import BankError, import_bank_as_yaml

    header = f"Imported from {file.name} by `studykit deck import`."
    try:
        result = import_bank_as_yaml(
            file, fmt, deck_id=deck_id, title=title, id_prefix=id_prefix, header=header
        )
    except BankError as error:
        for line in error.warnings:
            _warn(line)
        raise _fail(str(error)) from None
    for line in result.warnings:
        _warn(line)
    if strict and result.skipped:
        raise _fail(
            f"{result.skipped} broken question(s) in {file} (see above); --strict writes "
            "nothing: fix them, or import without --strict to skip them"
        )
    if out == STDOUT:
        sys.stdout.writelines(result.chunks)
    else:

        def write(temp: Path) -> None:
            with temp.open("w", encoding="utf-8") as handle:
                handle.writelines(result.chunks)

        try:
            replace_atomically(out, write)
        except OSError as error:
            raise _fail(f"cannot write {out}: {error.strerror or error}") from None
    summary = (
        f"Imported {result.cards} questions from {file} into "
        f"{'stdout' if out == STDOUT else out} (deck {result.deck_id}, {result.topics} topic(s))"
    )
    if result.warned:
        summary += f"; {result.warned} warning(s) above"
    typer.echo(summary, err=out == STDOUT)


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("import")(import_command)
