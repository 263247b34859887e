"""`studykit browse [WORDS...] [--deck D] [--topic T] [--tag T] [--kind K] [--state S] [--card ID]`:
find cards by text and filters, or show one card's page (its state, reviews and lab runs).

Thin: the search, the states and every cell printed come from `studykit.study.browse`, which the
TUI's browse screen draws too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from studykit.cli.progress import DataDirOption, fail, open_store

if TYPE_CHECKING:
    from studykit.study.browse import CardPage


def browse_command(
    words: list[str] = typer.Argument(
        None,
        help="Words the card's text must all contain; deck:ID, topic:ID, tag:T, kind:K and "
        "is:STATE work here too, as in Anki's browser.",
        show_default=False,
    ),
    deck: str | None = typer.Option(None, "--deck", help="Only cards of this deck (its id)."),
    topic: str | None = typer.Option(None, "--topic", help="Only cards of this topic (its id)."),
    tag: str | None = typer.Option(
        None, "--tag", help="Only cards with this tag (or whose deck has it)."
    ),
    kind: str | None = typer.Option(
        None, "--kind", help="Only cards of this kind (mcq, short, ...)."
    ),
    state: str | None = typer.Option(
        None,
        "--state",
        help="Only cards in this state: new, learning, due, review, buried, suspended or leech.",
    ),
    card: str | None = typer.Option(
        None, "--card", help="Show this card's page: its state, every rating and lab run."
    ),
    paths: list[Path] = typer.Option(
        None,
        "--path",
        help="Deck file or folder to search (repeatable; default: the bundled decks).",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Find cards by text, deck, topic, tag, kind and state; or show one card's history."""
    from studykit.cli.stats import load_decks_or_exit
    from studykit.study.browse import BrowseError, browse, card_page, parse_search

    loaded = load_decks_or_exit(paths or [])
    try:
        search = parse_search(" ".join(words or [])).updated(
            deck=deck, topic=topic, tag=tag, kind=kind, state=state
        )
        search.check(loaded)
        with open_store(data_dir, read_only=True) as store:
            if card is not None:
                page = card_page(store, loaded, card)
            else:
                rows = browse(store, loaded, search)
            path = store.path
    except BrowseError as exc:
        raise fail(f"error: {exc}") from None
    if card is not None:
        if as_json:
            typer.echo(json.dumps({"database": str(path), **page.to_json()}, indent=1))
        else:
            typer.echo(render_page(page))
        return
    total = sum(len(d.study_cards()) for d in loaded)
    if as_json:
        data = {"database": str(path), "total": total, "cards": [r.to_json() for r in rows]}
        typer.echo(json.dumps(data, indent=1))
        return
    from studykit.study.browse import COLUMNS

    if rows:
        typer.echo("\n".join(text_table(COLUMNS, [r.cells() for r in rows])))
    typer.echo(f"{len(rows)} of {total} cards match." if rows else "No card matches.")


def text_table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Columns padded to their widest cell, two spaces apart (the last one is not padded)."""
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *rows, strict=True)]
    lines = []
    for cells in (columns, *rows):
        padded = [f"{cell:<{w}}" for cell, w in zip(cells[:-1], widths, strict=False)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    return lines


def render_page(page: CardPage) -> str:
    """A card's page as plain text: facts, its text, its ratings, its lab runs and (a predict
    card) its predictions with what each run measured."""
    from studykit.study.browse import LAB_COLUMNS, PREDICTION_COLUMNS, REVIEW_COLUMNS

    width = max(len(label) for label, _ in page.facts())
    lines = [f"{label:<{width}}  {value}" for label, value in page.facts()]
    lines += ["", page.row.text, ""]
    reviews, runs = page.review_rows(), page.lab_rows()
    lines += ["Ratings", *text_table(REVIEW_COLUMNS, reviews)] if reviews else ["Ratings: none yet"]
    lines.append("")
    lines += ["Lab runs", *text_table(LAB_COLUMNS, runs)] if runs else ["Lab runs: none yet"]
    if page.row.kind == "predict" or page.predictions:
        predicted = page.prediction_rows()
        lines.append("")
        lines += (
            ["Predictions", *text_table(PREDICTION_COLUMNS, predicted)]
            if predicted
            else ["Predictions: none yet"]
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("browse")(browse_command)
