"""`studykit lab NAME --predict`: ask the predict cards that link to the lab, run it, grade them.

    studykit lab gradient-descent --predict                  # the bundled decks' cards
    studykit lab gradient-descent --predict --decks my.yaml --data-dir /tmp/p --json

Every prediction is asked before anything runs (a choice by number, an ordering as numbers best
first, or a number; then an optional one-line why). Then the lab runs once per parameter set:
a card's run takes its own `lab.params`, plus the options given on the command line for what the
card leaves open; a card whose params contradict an option given is skipped, with a note, so a
prediction is never graded by a run it was not written for. After each run every card on it is
graded by what the run measured ("you predicted X — this run measured Y (detail)"), the learner
accepts the suggested rating (Good if right, Again if wrong) or gives another, and the review
and the prediction are stored in the progress store the TUI uses (`study.predictions`). A run
stopped before it measured a card's observable records nothing for that card, and says so.

Thin: questions and grades come from `studykit.study.predictions`; this module only prompts and
prints. Without a terminal on stdin it refuses at once, in one line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

if TYPE_CHECKING:
    from rich.console import Console

    from studykit.deck.model import Deck, Predict
    from studykit.lab.catalog import LabSpec
    from studykit.lab.results import LabResult
    from studykit.study.predictions import PredictionGrade

RATINGS = {"1": "Again", "2": "Hard", "3": "Good", "4": "Easy"}


def stdin_is_terminal() -> bool:
    """Whether someone can answer prompts (tests replace this)."""
    return sys.stdin.isatty()


@dataclass
class Asked:
    """One predict card, what the learner committed, and (after its run) the grade."""

    deck: Deck
    card: Predict
    kind: str  # "choice" | "order" | "number"
    params: dict[str, Any]  # the run's params for this card
    answer: Any = None
    reason: str = ""
    grade: PredictionGrade | None = None
    rating: str | None = None  # the rating stored (None: nothing stored)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        grade = self.grade
        data: dict[str, Any] = {
            "card": self.card.id,
            "observe": self.card.observe,
            "params": self.params,
            "answer": list(self.answer) if isinstance(self.answer, tuple) else self.answer,
            "reason": self.reason,
        }
        if grade is not None:
            data |= {
                "predicted": grade.predicted,
                "measured_value": grade.value,
                "measured": grade.measured,
                "detail": grade.detail,
                "correct": grade.correct,
                "suggested": grade.rating.name if grade.rating else None,
                "seed": grade.seed,
            }
        data["rating"] = self.rating
        return data


@dataclass
class Run:
    params: dict[str, Any]
    cards: list[Asked] = field(default_factory=list)
    result: LabResult | None = None


def predict_and_run(
    spec: LabSpec,
    options: dict[str, Any],
    *,
    decks: list[Path] | None,
    data_dir: Path | None,
    as_json: bool,
) -> None:
    """The whole `--predict` flow for lab `spec` with the command line's lab `options`."""
    from rich.console import Console

    if not stdin_is_terminal():
        _fail("--predict asks you questions, so it needs a terminal; run it without a pipe")
    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    ui = err if as_json else out  # with --json, stdout holds the JSON alone
    loaded = _load_decks(decks)
    asked, skipped = _cards_for(spec, loaded, options)
    if not asked:
        where = ", ".join(map(str, decks)) if decks else "the bundled decks"
        why = f" ({skipped[0]})" if skipped else ""
        _fail(
            f"no predict card in {where} links to lab {spec.name}{why}; write one "
            f"(kind: predict, lab: {spec.name}; docs/deck-format.md) and pass its deck with "
            "--decks, or run the lab without --predict"
        )
    for note in skipped:
        ui.print(f"[dim]skipped {escape(note)}[/]")
    runs = _runs(asked)
    ui.print(
        f"[bold]{len(asked)} prediction{'s' * (len(asked) != 1)}[/] before lab {spec.name} runs"
        + (f" ({len(runs)} runs, one per parameter set)" if len(runs) > 1 else "")
    )
    from studykit.cli.progress import open_store

    with open_store(data_dir, create=True) as store:
        from studykit.study.session import StudySession

        session = StudySession(store, loaded)
        for n, item in enumerate(asked, start=1):
            _ask(ui, item, n, len(asked))
        stopped_code = 0
        for run in runs:
            run.result, stopped_code = _run(spec, run.params, err)
            if not as_json:
                from studykit.lab.render import render

                render(run.result, out, spec.title, spec)
            for item in run.cards:
                _grade_and_rate(ui, session, item, run.result)
            _record_runs(store, run)
            if stopped_code:
                break  # a stop request ends the whole flow, as it ends one run
        ui.print(_summary_text(asked, store.path.parent))
    if as_json:
        payload = {
            "lab": spec.name,
            "runs": [
                {
                    "params": run.params,
                    "result": run.result.to_json() if run.result else None,
                    "predictions": [item.to_json() for item in run.cards],
                }
                for run in runs
            ],
        }
        typer.echo(json.dumps(payload, indent=2, allow_nan=False, default=str))
    if stopped_code:
        raise typer.Exit(stopped_code)


def _fail(message: str) -> None:
    typer.echo(f"studykit: {message}", err=True)
    raise typer.Exit(2)


def _load_decks(paths: list[Path] | None) -> list[Deck]:
    from studykit.deck.loader import DeckError, load_decks
    from studykit.lab.catalog import Catalog
    from studykit.paths import bundled_decks_dir

    try:
        result = load_decks(paths or [bundled_decks_dir()], lab_catalog=Catalog())
    except DeckError as error:
        _fail(str(error).splitlines()[0])
    if result.errors:
        _fail(f"{result.errors[0]} (run `studykit deck validate` for every problem)")
    return result.decks


def _cards_for(
    spec: LabSpec, decks: list[Deck], options: dict[str, Any]
) -> tuple[list[Asked], list[str]]:
    """The predict cards on this lab, each with its run's params; notes for those skipped."""
    from studykit.deck.model import Predict
    from studykit.lab.catalog import Catalog
    from studykit.study.predictions import prediction_kind

    catalog = Catalog()
    declared = catalog.observables(spec.name)
    asked: list[Asked] = []
    skipped: list[str] = []
    for deck in decks:
        for card in deck.cards:
            if not isinstance(card, Predict) or card.lab.name != spec.name:
                continue
            clash = [k for k, v in card.lab.params.items() if k in options and options[k] != v]
            if clash:
                key = clash[0]
                skipped.append(
                    f"{card.id}: it is written for {key}={card.lab.params[key]}, the run has "
                    f"{key}={options[key]}"
                )
                continue
            if card.observe not in declared:
                skipped.append(f"{card.id}: lab {spec.name} does not measure {card.observe}")
                continue
            params = options | dict(card.lab.params)
            kind = prediction_kind(card, declared[card.observe].type)
            asked.append(Asked(deck, card, kind, params))
    return asked, skipped


def _runs(asked: list[Asked]) -> list[Run]:
    """One run per distinct parameter set, in the order the cards came."""
    runs: dict[str, Run] = {}
    for item in asked:
        key = json.dumps(item.params, sort_keys=True, default=str)
        runs.setdefault(key, Run(item.params)).cards.append(item)
    return list(runs.values())


# --- asking ---------------------------------------------------------------------------------


def _ask(console: Console, item: Asked, n: int, total: int) -> None:
    """Ask one prediction (re-asking until the answer reads), then an optional why."""
    import time

    from rich.markup import escape
    from rich.prompt import Prompt

    card = item.card
    shown = " ".join(f"{k}={v}" for k, v in card.lab.params.items())
    console.print()
    console.print(
        f"[bold]{n}/{total}[/] [dim]{card.id}" + (f" ({escape(shown)})" if shown else "") + "[/]"
    )
    console.print(f"[bold]{escape(card.question)}[/]")
    choices = card.choices or []
    for i, choice in enumerate(choices, start=1):
        console.print(f"  {i}. {escape(choice.text)}")
    started = time.monotonic()
    if item.kind == "choice":
        how = f"Your prediction (1-{len(choices)})"
    elif item.kind == "order":
        how = (
            f"Order them, best first (e.g. {' '.join(str(i) for i in range(len(choices), 0, -1))})"
        )
    else:
        from studykit.study.predictions import tolerance_text

        within = tolerance_text(card)
        right = "if exactly the measured value" if within == "exactly" else f"{within} of it"
        how = f"Your prediction, a number (right {right})"
    while True:
        text = Prompt.ask(how, console=console)
        answer = _parse(item, text)
        if answer is not None:
            break
        console.print(f"[yellow]{_how_to_answer(item)}[/]")
    item.answer = answer
    item.seconds = time.monotonic() - started
    item.reason = Prompt.ask(
        "Why, in one line (optional, Enter to skip)",
        console=console,
        default="",
        show_default=False,
    )


def _parse(item: Asked, text: str) -> Any:
    """The answer `text` spells for this card (a value, an order of values, a number); None
    when it does not read as one."""
    from studykit.deck.numbers import parse_number

    choices = item.card.choices or []
    text = text.strip()
    if item.kind == "number":
        value = parse_number(text)
        return None if value is None else float(value)
    picks = text.replace(",", " ").replace(">", " ").split()
    if not picks or not all(p.isdigit() and 1 <= int(p) <= len(choices) for p in picks):
        return None
    indexes = [int(p) - 1 for p in picks]
    if item.kind == "choice":
        return choices[indexes[0]].value if len(indexes) == 1 else None
    if sorted(indexes) != list(range(len(choices))):
        return None
    return tuple(choices[i].value for i in indexes)


def _how_to_answer(item: Asked) -> str:
    count = len(item.card.choices or [])
    if item.kind == "choice":
        return f"type one number, 1 to {count}"
    if item.kind == "order":
        return f"type every number 1 to {count} once, best first, e.g. 2 1 3"
    return "type a number such as 12, 0.5 or 1e-3"


# --- running, grading, rating ---------------------------------------------------------------


def _run(spec: LabSpec, params: dict[str, Any], console: Console) -> tuple[LabResult, int]:
    """Run the lab with `params` (live progress on a terminal); (result, exit code if stopped)."""
    from studykit.cli.lab import AnnounceOnce, StopOnCtrlC
    from studykit.lab import runner
    from studykit.lab.errors import LabError

    shown = " ".join(f"{k}={v}" for k, v in params.items())
    said = f"\n[bold]Running lab {spec.name}[/] {escape(shown)}".rstrip() + " (Ctrl-C stops it)"
    with StopOnCtrlC() as stop:
        try:
            if console.is_terminal:
                from studykit.lab.render import LiveProgress

                with LiveProgress(console, stopped=stop) as live:
                    announce = AnnounceOnce(console, said, then=live)
                    result = runner.run_lab(
                        spec.name, params, on_progress=announce, should_stop=stop
                    )
            else:
                announce = AnnounceOnce(console, said)
                result = runner.run_lab(spec.name, params, on_progress=announce, should_stop=stop)
        except LabError as error:
            _fail(str(error))
    return result, stop.exit_code if result.interrupted else 0


def _grade_and_rate(console: Console, session: Any, item: Asked, result: LabResult) -> None:
    from rich.markup import escape
    from rich.prompt import Prompt

    from studykit.study.grading import Presented
    from studykit.study.predictions import grade_run, rate_prediction

    item.grade = grade = grade_run(item.card, item.answer, result)
    console.print()
    console.print(escape(_verdict_text(item)))
    if item.reason:
        console.print(f"  [dim]your why: {escape(item.reason)}[/]")
    if grade.correct is not None and item.card.explanation:
        console.print(f"  [dim]{escape(item.card.explanation)}[/]")
    if grade.rating is None:
        console.print("[yellow]No review recorded: the run stopped before it measured this.[/]")
        return
    suggested = str(int(grade.rating))
    menu = ", ".join(f"{k} {v}" for k, v in RATINGS.items())
    picked = Prompt.ask(
        f"Rating ({menu}; Enter = {RATINGS[suggested]})",
        console=console,
        choices=list(RATINGS),
        default=suggested,
        show_choices=False,
        show_default=False,
    )
    rate_prediction(
        session,
        Presented(item.card, ()),
        int(picked),
        int(item.seconds * 1000),
        grade,
        reason=item.reason,
    )
    item.rating = RATINGS[picked]


def _record_runs(store: Any, run: Run) -> None:
    """Keep the run in each graded card's history, as the TUI's lab screen does, so
    `studykit browse --card ID` lists it under "Lab runs"."""
    from studykit.study.lab_history import record_lab_run

    if run.result is None:
        return
    result_json = run.result.to_json()
    for item in run.cards:
        if item.rating is not None:
            record_lab_run(store, item.card.id, result_json)


def _summary_text(asked: list[Asked], data_dir: Path) -> str:
    """The session in one line: "2 predictions graded: 1 right; saved to DIR"."""
    graded = [item for item in asked if item.rating is not None]
    right = sum(item.grade is not None and item.grade.correct is True for item in graded)
    if not graded:
        return "No prediction graded; nothing saved"
    noun = "prediction" if len(graded) == 1 else "predictions"
    return f"{len(graded)} {noun} graded: {right} right; saved to {escape(str(data_dir))}"


def _verdict_text(item: Asked) -> str:
    grade = item.grade
    if grade is None:
        return f"{item.card.id}: not run"
    if grade.correct is None:
        return f"{item.card.id}: {grade.why}"
    mark = "✓" if grade.correct else "✗"
    detail = f" ({grade.detail})" if grade.detail else ""
    return f"{mark} {item.card.id}: {grade.why}{detail}"
