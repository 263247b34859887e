"""`studykit stats [DECK...] [--json]`: reviews, retention, what is due, mastery per topic, and
how often predictions (predict cards) were right, per lab and per topic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from studykit.cli.progress import DataDirOption, fail, open_store

if TYPE_CHECKING:
    from studykit.deck.model import Deck
    from studykit.study.stats import Stats

FORECAST_DAYS = 30  # the --json due forecast and review history cover this many days


def load_decks_or_exit(paths: list[Path]) -> list[Deck]:
    """The decks at `paths` (default: the bundled ones); broken decks are reported, not fatal."""
    from studykit.deck.loader import DeckError, load_decks
    from studykit.lab.catalog import Catalog
    from studykit.paths import bundled_decks_dir

    paths = paths or [bundled_decks_dir()]
    for path in paths:
        if not path.exists():
            raise fail(f"error: {path}: no such deck file or folder")
    try:
        result = load_decks(paths, lab_catalog=Catalog())
    except DeckError as exc:
        raise fail(f"error: {exc}") from None
    errors = [p for p in result.problems if getattr(p, "severity", "error") == "error"]
    if errors:
        typer.echo(
            f"warning: {len(errors)} deck problem(s), first: {errors[0]}; "
            "run `studykit deck validate` for all",
            err=True,
        )
    return result.decks


def stats_command(
    decks: list[Path] = typer.Argument(
        None, help="Deck files or folders (default: the bundled decks).", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a summary."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Show reviews, retention, cards due today and this week, mastery per topic, and how often
    predictions were right."""
    from studykit.study.preferences import load_preferences
    from studykit.study.stats import compute_stats, due_forecast, reviews_per_day

    loaded = load_decks_or_exit(decks or [])
    with open_store(data_dir, read_only=True) as store:
        settings = load_preferences(store).scheduler_settings()
        stats = compute_stats(store, loaded, settings=settings)
        forecast = due_forecast(store, loaded, days=FORECAST_DAYS, now=stats.now)
        history = reviews_per_day(store, days=FORECAST_DAYS, now=stats.now)
        path = store.path
    if as_json:
        data = stats.to_json()
        data["database"] = str(path)
        data["due_forecast"] = [{"day": d.day.isoformat(), "due": d.count} for d in forecast]
        data["reviews_per_day"] = [{"day": d.day.isoformat(), "reviews": d.count} for d in history]
        typer.echo(json.dumps(data, indent=1))
        return
    cards = sum(len(d.study_cards()) for d in loaded)  # a cloze card counts once per deletion
    typer.echo(render(stats, [d.count for d in forecast[:7]], cards))


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def render(stats: Stats, week: list[int], total_cards: int) -> str:
    """The plain-text summary (pure, so tests can read it without a terminal)."""
    from studykit.study.scheduler import LEECH_MEANING, MASTERY_MEANING
    from studykit.study.stats import review_counts_note

    lines = [
        f"Reviews          {stats.reviews}  {review_counts_note(stats)}",
        f"Cards seen       {stats.cards_seen} of {total_cards}",
        f"Due today        {stats.due_today}",
        f"Due in 7 days    {stats.due_next_7_days}  (by day: {' '.join(map(str, week))})",
        f"Retention        {_percent(stats.retention)} of ratings not Again; "
        f"{_percent(stats.true_retention)} on cards due for review",
    ]
    if stats.leeches or stats.suspended:
        lines.append(
            f"Suspended        {stats.suspended}  ({stats.leeches} leeches; a leech is "
            f"{LEECH_MEANING})"
        )
    if stats.topics:
        lines.append(f"Mastery per topic (a card is mastered when {MASTERY_MEANING})")
        width = max(len(t.title) for t in stats.topics)
        for topic in stats.topics:
            bar = "█" * round(topic.share * 10) + "░" * (10 - round(topic.share * 10))
            lines.append(
                f"  {topic.title:<{width}}  {bar}  {topic.mastered}/{topic.total}"
                f"  {topic.share:4.0%}"
            )
    if stats.predictions:
        lines += prediction_lines(stats)
    return "\n".join(lines)


def prediction_lines(stats: Stats) -> list[str]:
    """Predictions right per lab and per topic, beside the recall rate of the same cards."""
    from studykit.study.stats import PREDICTIONS_HEADING, PREDICTIONS_NOTE, prediction_figures

    lines = [f"{PREDICTIONS_HEADING} {PREDICTIONS_NOTE}"]
    width = max(len(p.title) for p in stats.predictions) + 6
    for group in ("lab", "topic"):
        for p in (p for p in stats.predictions if p.group == group):
            label = f"{group} {p.title}"
            count, rate, recall = prediction_figures(p)
            lines.append(f"  {label:<{width}}  {count}  {rate:>4}   {recall}")
    return lines


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_command)
