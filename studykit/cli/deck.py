"""`studykit deck ...`: check, scaffold, list and show decks (export/import live in deck_io).

    studykit deck validate decks/            exit 0 when clean, 1 on any error
    studykit deck validate decks/ --json     {"files", "decks", "cards", "errors", "warnings"}
    studykit deck lint decks/                warnings that are not errors (exit 1 if any)
    studykit deck new decks/my-topic.yaml    a starter deck with one card of every kind
    studykit deck list                       the bundled decks (or: studykit deck list PATH)
    studykit deck show pt-07                 one card, with its answer and explanation
    studykit deck topics my-decks/           topic ids for learn_before (bundled and given)
    studykit deck schema > deck.schema.json  JSON Schema for editors

Problems print one per line as `file:line:column: card ID: what is wrong; how to fix it`.
Deck code is imported inside each command so `studykit --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from studykit.cli import deck_io

if TYPE_CHECKING:
    from studykit.deck.loader import LoadResult, Problem

app = typer.Typer(
    help="Validate, lint, scaffold, list, show, export and import decks.", no_args_is_help=True
)
deck_io.register(app)

PATHS_HELP = "Deck files, or folders searched for *.yaml and *.yml."
NO_BUNDLED_HELP = "Resolve learn_before against the decks given only, not the bundled ones too."


def _load(paths: list[Path], known_topics: set[str] | None = None) -> LoadResult:
    from studykit.deck.loader import DeckError, load_decks
    from studykit.lab.catalog import Catalog

    try:
        return load_decks(paths, lab_catalog=Catalog(), known_topics=known_topics or ())
    except DeckError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None


def _bundled_decks() -> LoadResult | None:
    """The bundled decks, quietly (their problems are `deck validate`'s business)."""
    from studykit.deck.loader import DeckError, load_decks

    try:
        return load_decks(_bundled())
    except DeckError:
        return None


def _bundled_topics(paths: list[Path] | None, no_bundled: bool) -> set[str] | None:
    """Topic ids of the bundled decks, which the decks given may name in learn_before."""
    if no_bundled or not paths:  # without paths, the bundled decks are the ones checked
        return None
    bundled = _bundled_decks()
    return {t.id for d in bundled.decks for t in d.topics} if bundled else None


def _bundled() -> list[Path]:
    from studykit.paths import bundled_decks_dir

    return [_shortest(bundled_decks_dir())]


def _shortest(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it (shorter problem lines)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _summary(result: LoadResult, warnings: int) -> str:
    files = f"{result.files} file{'s' * (result.files != 1)}"
    cards = f"{result.cards} card{'s' * (result.cards != 1)}"
    loaded = f"{len(result.decks)} deck{'s' * (len(result.decks) != 1)}, {cards}"
    errors = len(result.errors)
    verdict = f"{errors} error{'s' * (errors != 1)}" if errors else "no errors"
    noted = f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
    return f"checked {files}: {loaded}; {verdict}{noted}"


def _as_json(result: LoadResult, warnings: list[Problem]) -> str:
    return json.dumps(
        {
            "files": result.files,
            "decks": len(result.decks),
            "cards": result.cards,
            "errors": [p.to_json() for p in result.errors],
            "warnings": [p.to_json() for p in warnings],
        },
        indent=2,
        ensure_ascii=False,
    )


@app.command("validate")
def validate_command(
    paths: list[Path] | None = typer.Argument(None, help=PATHS_HELP + " Default: bundled decks."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    no_bundled: bool = typer.Option(False, "--no-bundled", help=NO_BUNDLED_HELP),
) -> None:
    """Check decks against the format; print one line per error; exit 1 if there is any."""
    result = _load(paths or _bundled(), _bundled_topics(paths, no_bundled))
    if as_json:
        typer.echo(_as_json(result, result.warnings))
    else:
        for problem in result.errors:
            typer.echo(str(problem))
        summary = _summary(result, len(result.warnings))
        if result.warnings:
            summary += " (see them with `studykit deck lint`)"
        typer.echo(summary)
    raise typer.Exit(1 if result.errors else 0)


# Kept out of the docstring: typer prints a docstring's later paragraphs with their line breaks.
LINT_CHECKS = (
    "Checks: missing explanations and feedback, unknown labs, prerequisite cycles, unused topics, "
    "near-duplicate questions, lab observables no predict card predicts, answer-position "
    "patterns, mcq answers that are usually the longest choice, multi cards that all have the "
    "same number of correct answers, code blocks never closed, cloze numbers that skip one, "
    "short answers with two different numbers."
)


@app.command("lint", epilog=LINT_CHECKS)
def lint_command(
    paths: list[Path] | None = typer.Argument(None, help=PATHS_HELP + " Default: bundled decks."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    no_bundled: bool = typer.Option(False, "--no-bundled", help=NO_BUNDLED_HELP),
) -> None:
    """Warn about what loads but teaches less well; exit 1 if there is any error or warning."""
    from studykit.deck.lint import lint
    from studykit.lab.catalog import Catalog

    result = _load(paths or _bundled(), _bundled_topics(paths, no_bundled))
    found = lint(result, lab_catalog=Catalog())
    warnings = sorted(result.warnings + found, key=lambda p: p.sort_key)
    if as_json:
        typer.echo(_as_json(result, warnings))
    else:
        for problem in sorted(result.errors + warnings, key=lambda p: p.sort_key):
            typer.echo(str(problem))
        typer.echo(_summary(result, len(warnings)))
    raise typer.Exit(1 if result.errors or warnings else 0)


@app.command("new")
def new_command(
    path: Path = typer.Argument(..., help="The deck file to create, e.g. decks/my-topic.yaml."),
    deck_id: str | None = typer.Option(None, "--id", help="Deck id (default: from the name)."),
    title: str | None = typer.Option(None, "--title", help="Deck title."),
) -> None:
    """Create a starter deck with one card of every kind (never overwrites a file)."""
    from studykit.deck.errors import DeckError
    from studykit.deck.model import CARD_KINDS
    from studykit.deck.scaffold import write_scaffold
    from studykit.lab.catalog import Catalog

    if path.suffix not in (".yaml", ".yml"):
        typer.echo(f"{path}: a deck file name ends in .yaml or .yml", err=True)
        raise typer.Exit(1)
    try:
        deck_id = write_scaffold(path, deck_id, title, lab_catalog=Catalog())
    except DeckError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    predict = "predict-1" in _read_back(path)
    kinds = len(CARD_KINDS) if predict else len(CARD_KINDS) - 1
    commented = "" if predict else "; a predict card commented out, as no lab has observables"
    typer.echo(
        f"wrote {path} (deck {deck_id}: one card of each of the {kinds} kinds,"
        f" and one showing a code block{commented})"
    )
    typer.echo(f"next: edit it, then run `studykit deck validate {path}`")


def _read_back(path: Path) -> str:
    """The scaffold as written, minus its comments (to say whether its predict card is live)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


@app.command("list")
def list_command(
    paths: list[Path] | None = typer.Argument(None, help=PATHS_HELP + " Default: bundled decks."),
) -> None:
    """List decks: id, title, file, and how many topics and cards of each kind."""
    from rich.console import Console

    from studykit.deck.render import deck_listing

    result = _load(paths or _bundled())
    console = Console()
    if result.decks:
        console.print(deck_listing(result))
    for problem in result.errors:
        typer.echo(str(problem))
    typer.echo(_summary(result, len(result.warnings)))
    raise typer.Exit(1 if result.errors else 0)


@app.command("show")
def show_command(
    card_id: str = typer.Argument(..., help="The id of the card to show."),
    paths: list[Path] | None = typer.Argument(None, help=PATHS_HELP + " Default: bundled decks."),
    decks: list[Path] | None = typer.Option(
        None, "--decks", "-d", help="Where to look (repeatable). Default: the bundled decks."
    ),
) -> None:
    """Show one card: question, answer key, feedback, explanation, references and lab link."""
    import difflib

    from rich.console import Console

    from studykit.deck.render import card_view
    from studykit.paths import bundled_decks_dir

    decks = [*(paths or []), *(decks or [])] or None
    result = _load(decks or _bundled())
    for deck in result.decks:
        for index, card in enumerate(deck.cards):
            if card.id == card_id:
                Console().print(card_view(card, deck, result.sources.get(deck.id), index))
                return
    known = [card.id for deck in result.decks for card in deck.cards]
    close = difflib.get_close_matches(card_id, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    where = ", ".join(str(p) for p in (decks or [bundled_decks_dir()]))
    typer.echo(f'no card "{card_id}" in {where}{hint}', err=True)
    if result.errors:
        typer.echo(
            f"({len(result.errors)} error{'s' * (len(result.errors) != 1)} kept some decks from "
            "loading; run "
            "`studykit deck validate`)",
            err=True,
        )
    raise typer.Exit(1)


@app.command("topics")
def topics_command(
    paths: list[Path] | None = typer.Argument(None, help=PATHS_HELP + " Default: bundled decks."),
    no_bundled: bool = typer.Option(False, "--no-bundled", help="List the decks given only."),
    as_json: bool = typer.Option(False, "--json", help="Print the topics as JSON."),
) -> None:
    """List topic ids, which learn_before names: the bundled decks' and the decks given."""
    given = _load(paths) if paths else None
    bundled = None if no_bundled and paths else _bundled_decks()
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for result, is_bundled in ((given, False), (bundled, True)):
        for deck in result.decks if result else []:
            source = result.sources.get(deck.id) if result else None
            for topic in deck.topics:
                if topic.id in seen:  # a copy of a bundled deck: listed once, as given
                    continue
                seen.add(topic.id)
                rows.append(
                    {
                        "id": topic.id,
                        "deck": deck.id,
                        "title": topic.title,
                        "learn_before": list(topic.learn_before),
                        "bundled": is_bundled,
                        "file": source.file if source else "",
                    }
                )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        width = max((len(str(row["id"])) for row in rows), default=0)
        deck_width = max((len(str(row["deck"])) for row in rows), default=0)
        for row in rows:
            typer.echo(f"{row['id']:<{width}}  {row['deck']:<{deck_width}}  {row['title']}")
    errors = given.errors if given else []
    for problem in errors:
        typer.echo(str(problem), err=True)
    if errors:
        typer.echo(
            f"({len(errors)} error{'s' * (len(errors) != 1)}: the topics of decks that did not "
            "load are not listed; run `studykit deck validate`)",
            err=True,
        )
    raise typer.Exit(1 if errors else 0)


@app.command("schema")
def schema_command(
    out: Path | None = typer.Option(None, "-o", "--output", help="Write to a file, not stdout."),
) -> None:
    """Print the JSON Schema of a deck file, for editors' YAML language servers."""
    from studykit.deck.model import deck_json_schema

    text = json.dumps(deck_json_schema(), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        typer.echo(f"{out}: cannot write: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {out}")
