"""Find cards and read one card's history: what `studykit browse` and the TUI's browse screen show.

A search is words plus filters. Every word must appear in the card's text (any field: question,
choices, answers, explanation, tags, id; case does not matter), and every filter that is set must
match: deck id, topic id, tag (the card's or its deck's), kind, and state. The same search can be
typed as one line, as in Anki's browser (`parse_search`):

    lora "low rank" deck:fine-tuning kind:mcq is:due tag:lab

States (`STATES`): new (never reviewed), learning (in its learning or relearning steps), due (to
review before the study day ends), review (graduated), buried, suspended, leech (suspended for
lapsing too often; it stays a leech after an unsuspend, as in Anki). A card shows one of new,
learning, due, review, buried or suspended, plus "leech" when it is one.

Both front ends draw the cells made here (`CardRow.cells`, `CardPage.review_rows`, ...), so the
CLI and the TUI show the same figures; nothing here knows about either.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import fsrs

from studykit.deck.cloze import ClozeDeletion, StudyCard
from studykit.deck.errors import one_line
from studykit.deck.markup import to_plain
from studykit.deck.model import CARD_KINDS, Deck
from studykit.study.clock import Clock, as_clock, format_ts, next_day_start
from studykit.study.lab_history import run_figures
from studykit.study.records import CardProgress, LabRun, PredictionRecord, Review
from studykit.study.store import ProgressStore

# What `is:STATE` (or --state) selects, in the words the help and errors use.
STATES = {
    "new": "never reviewed",
    "learning": "in its learning or relearning steps",
    "due": "to review before the study day ends",
    "review": "graduated to spaced reviews",
    "buried": "hidden until tomorrow",
    "suspended": "taken out of study until unsuspended",
    "leech": "lapsed so often it was suspended",
}
# The one-line search's filters and the Search field each sets (`state:` is `is:` spelled out).
PREFIXES = {
    "deck": "deck",
    "topic": "topic",
    "tag": "tag",
    "kind": "kind",
    "is": "state",
    "state": "state",
}
COLUMNS = ("card", "kind", "state", "due", "reviews", "lapses", "topic", "text")
REVIEW_COLUMNS = ("when", "as", "rating", "answer", "time", "next due")
LAB_COLUMNS = ("when", "lab", "seed", "result")
TEXT_WIDTH = 60  # the text column's width in a listing; the card page shows it whole
LEARNING_STATES = (fsrs.State.Learning, fsrs.State.Relearning)


class BrowseError(ValueError):
    """A search naming a deck, topic, tag, kind or state that does not exist; one line."""


@dataclass(frozen=True)
class Search:
    words: tuple[str, ...] = ()
    deck: str | None = None
    topic: str | None = None
    tag: str | None = None
    kind: str | None = None
    state: str | None = None

    def updated(self, **filters: str | None) -> Search:
        """A copy with the filters that are given (not None) set: command-line options over
        the one-line search."""
        given: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        return replace(self, **given)

    def check(self, decks: Sequence[Deck]) -> None:
        """BrowseError if a filter names something no loaded deck has (with the closest)."""
        cards = [(deck, card) for deck in decks for card in deck.study_cards()]
        known = {
            "deck": [d.id for d in decks],
            "topic": [t.id for d in decks for t in d.topics],
            "tag": sorted({t for d, c in cards for t in (*c.tags, *d.tags)}),
            "kind": list(CARD_KINDS),
            "state": list(STATES),
        }
        for name, options in known.items():
            value = getattr(self, name)
            if value is not None and value not in options:
                raise BrowseError(f"no {name} '{one_line(value, 40)}'; {_closest(value, options)}")


def _closest(value: str, options: list[str]) -> str:
    if not options:
        return "the loaded decks have none"
    near = difflib.get_close_matches(value, options, n=1)
    if near:
        return f"did you mean '{near[0]}'?"
    shown = ", ".join(options[:8]) + (", ..." if len(options) > 8 else "")
    return f"one of: {shown}"


def parse_search(text: str) -> Search:
    """`lora "low rank" deck:ft is:due` as a Search; BrowseError for an unclosed quote.

    A word with a known prefix (`PREFIXES`) sets that filter; any other word (a colon in it or
    not) is searched for as text, so `W_q:` finds cards that mention it."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        raise BrowseError('a quote is not closed; end the phrase with "') from None
    words: list[str] = []
    filters: dict[str, str] = {}
    for token in tokens:
        prefix, colon, value = token.partition(":")
        if colon and value and prefix.lower() in PREFIXES:
            filters[PREFIXES[prefix.lower()]] = value
        else:
            words.append(token)
    return Search(words=tuple(words), **filters)


@dataclass(frozen=True)
class CardRow:
    """One card in a listing: what it is, where it is in its schedule, and its text."""

    card_id: str
    deck_id: str
    topic_id: str
    topic_title: str
    kind: str
    state: str  # new, learning, due, review, buried, suspended (or "unreadable")
    leech: bool
    due: datetime | None
    due_text: str  # relative to the search's `now`: "now", "in 10 min", "overdue 3 d", ""
    reviews: int
    lapses: int
    text: str  # the card's prompt as plain text, on one line

    @property
    def shown_state(self) -> str:
        return f"{self.state}, leech" if self.leech else self.state

    def cells(self) -> tuple[str, ...]:
        """The listing's cells, in COLUMNS order."""
        return (
            self.card_id,
            self.kind,
            self.shown_state,
            self.due_text,
            str(self.reviews),
            str(self.lapses),
            self.topic_title,
            one_line(self.text, TEXT_WIDTH),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "deck_id": self.deck_id,
            "topic_id": self.topic_id,
            "kind": self.kind,
            "state": self.state,
            "leech": self.leech,
            "due": None if self.due is None else format_ts(self.due),
            "reviews": self.reviews,
            "lapses": self.lapses,
            "text": self.text,
        }


def browse(
    store: ProgressStore,
    decks: Sequence[Deck],
    search: Search = Search(),
    now: datetime | Clock | None = None,
) -> list[CardRow]:
    """The cards of `decks` that match `search`, in deck and file order. BrowseError if a
    filter names something the decks do not have."""
    search.check(decks)
    moment = as_clock(now)()
    unreadable: dict[str, str] = {}
    progress = store.all_progress(unreadable)
    words = [w.casefold() for w in search.words]
    rows = []
    for deck, card in _cards(decks):
        if search.deck is not None and deck.id != search.deck:
            continue
        if search.topic is not None and card.topic != search.topic:
            continue
        if search.kind is not None and card.kind != search.kind:
            continue
        if search.tag is not None and search.tag not in (*card.tags, *deck.tags):
            continue
        if words and not all(w in _searchable(deck, card) for w in words):
            continue
        row = _row(deck, card, progress.get(card.id), card.id in unreadable, moment)
        if search.state is not None and not _in_state(row, search.state, moment):
            continue
        rows.append(row)
    return rows


def _cards(decks: Sequence[Deck]) -> Iterator[tuple[Deck, StudyCard]]:
    for deck in decks:
        for card in deck.study_cards():
            yield deck, card


def _searchable(deck: Deck, card: StudyCard) -> str:
    """Every text of the card, case-folded, as one string to look words up in."""
    source = card.card if isinstance(card, ClozeDeletion) else card
    topic = deck.topic(card.topic)
    texts = [card.id, topic.title if topic else "", *_strings(source.model_dump())]
    return "\n".join(texts).casefold()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _state(progress: CardProgress | None, now: datetime) -> str:
    if progress is not None and progress.suspended:
        return "suspended"
    if progress is not None and progress.is_buried(now):
        return "buried"
    if progress is None or progress.fsrs_card is None:
        return "new"
    if progress.fsrs_card.state in LEARNING_STATES:
        return "learning"
    return "due" if progress.fsrs_card.due < next_day_start(now) else "review"


def _in_state(row: CardRow, state: str, now: datetime) -> bool:
    if state == "leech":
        return row.leech
    if state == "due":  # learning cards due today are due too, as the home screen counts them
        due_today = row.due is not None and row.due < next_day_start(now)
        return row.state in ("due", "learning") and due_today
    if state == "review":  # every graduated card, due or not
        return row.state in ("due", "review")
    return row.state == state


def _row(
    deck: Deck, card: StudyCard, progress: CardProgress | None, unreadable: bool, now: datetime
) -> CardRow:
    topic = deck.topic(card.topic)
    due = None if progress is None else progress.due
    return CardRow(
        card_id=card.id,
        deck_id=deck.id,
        topic_id=card.topic,
        topic_title=topic.title if topic else card.topic,
        kind=card.kind,
        state="unreadable" if unreadable else _state(progress, now),
        leech=progress is not None and progress.leech,
        due=due,
        due_text="" if due is None else due_in(due, now),
        reviews=0 if progress is None else progress.reps,
        lapses=0 if progress is None else progress.lapses,
        text=one_line(to_plain(card.prompt_text())),
    )


# --- times, as both front ends print them -------------------------------------------------------


def span(delta: timedelta) -> str:
    """A duration rounded to its largest unit: "40 s", "10 min", "5 h", "3 d"."""
    seconds = round(max(0.0, delta.total_seconds()))  # 59.6 s reads "1 min", not "60 s"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{round(seconds / size)} {unit}"
    return f"{round(seconds)} s"


def due_in(due: datetime, now: datetime) -> str:
    """When `due` is, seen from `now`: "in 10 min", "now", "overdue 3 d"."""
    if due > now:
        return f"in {span(due - now)}"
    if now - due < timedelta(days=1):
        return "now"
    return f"overdue {span(now - due)}"


def local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


# --- one card's page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPage:
    """A card with its state, every rating it was given, every lab run started from it and,
    for a predict card, every prediction with what the run measured."""

    row: CardRow
    deck_title: str
    progress: CardProgress | None
    reviews: list[Review] = field(default_factory=list)
    lab_runs: list[LabRun] = field(default_factory=list)
    predictions: list[PredictionRecord] = field(default_factory=list)

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) lines about the card's schedule."""
        row, progress = self.row, self.progress
        facts = [
            ("card", f"{row.card_id} ({row.kind})"),
            ("deck", f"{self.deck_title} ({row.deck_id})"),
            ("topic", row.topic_title),
            ("state", row.shown_state),
        ]
        if row.due is not None:
            facts.append(("due", f"{local_time(row.due)} ({row.due_text})"))
        scheduled = sum(r.kind != "cram" for r in self.reviews)
        cram = len(self.reviews) - scheduled
        facts.append(("reviews", f"{scheduled}" + (f" (and {cram} cram)" if cram else "")))
        facts.append(("lapses", str(row.lapses)))
        card = None if progress is None else progress.fsrs_card
        if card is not None and card.stability is not None and card.difficulty is not None:
            facts.append(
                ("memory", f"stability {card.stability:.1f} d, difficulty {card.difficulty:.1f}")
            )
        return facts

    def review_rows(self) -> list[tuple[str, ...]]:
        """One row per rating, oldest first, in REVIEW_COLUMNS order."""
        return [_review_cells(r) for r in self.reviews]

    def lab_rows(self) -> list[tuple[str, ...]]:
        """One row per lab run, oldest first, in LAB_COLUMNS order."""
        return [_lab_cells(run) for run in self.lab_runs]

    def prediction_rows(self) -> list[tuple[str, ...]]:
        """One row per prediction, oldest first, in PREDICTION_COLUMNS order."""
        return [_prediction_cells(p) for p in self.predictions]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.row.to_json(),
            "deck_title": self.deck_title,
            "topic_title": self.row.topic_title,
            "ratings": [
                {
                    "reviewed_at": format_ts(r.reviewed_at),
                    "kind": r.kind,
                    "rating": r.rating.name,
                    "correct": r.correct,
                    "score": r.score,
                    "duration_ms": r.duration_ms,
                    "due_after": None if r.fsrs_after is None else format_ts(r.fsrs_after.due),
                }
                for r in self.reviews
            ],
            "lab_runs": [
                {"ran_at": format_ts(run.ran_at), "summary": run.summary} for run in self.lab_runs
            ],
            "predictions": [
                {
                    "predicted_at": format_ts(p.predicted_at),
                    "lab": p.lab,
                    "observe": p.observe,
                    "params": p.params,
                    "seed": p.seed,
                    "answer": p.answer,
                    "predicted": p.predicted,
                    "reason": p.reason,
                    "measured_value": p.value,
                    "measured": p.measured,
                    "detail": p.detail,
                    "correct": p.correct,
                }
                for p in self.predictions
            ],
        }


PREDICTION_COLUMNS = ("when", "predicted", "measured", "grade", "seed", "why")


def _prediction_cells(p: PredictionRecord) -> tuple[str, ...]:
    measured = p.measured + (f" ({one_line(p.detail, 60)})" if p.detail else "")
    return (
        local_time(p.predicted_at),
        one_line(p.predicted, 40),
        one_line(measured, 80),
        "right" if p.correct else "wrong",
        "?" if p.seed is None else str(p.seed),
        one_line(p.reason, 60) if p.reason else "—",
    )


def _review_cells(review: Review) -> tuple[str, ...]:
    if review.correct is None:
        answer = "self-rated"
    elif review.score is not None and 0 < review.score < 1:
        answer = f"{'right' if review.correct else 'wrong'} ({review.score:.0%})"
    else:
        answer = "right" if review.correct else "wrong"
    after = review.fsrs_after
    return (
        local_time(review.reviewed_at),
        review.kind,
        review.rating.name,
        answer,
        f"{review.duration_ms / 1000:.1f} s",
        "—" if after is None else f"+{span(after.due - review.reviewed_at)}",
    )


def _lab_cells(run: LabRun) -> tuple[str, ...]:
    """What a run measured, from its stored summary, in the words and figures the card's lab
    screen lists it with (`lab_history.run_figures`; an import may have let in odd values)."""
    summary = run.summary if isinstance(run.summary, dict) else {}
    lab, seed = summary.get("lab"), summary.get("seed")
    return (
        local_time(run.ran_at),
        one_line(lab, 40) if isinstance(lab, str) else "?",
        str(seed) if isinstance(seed, int) and not isinstance(seed, bool) else "?",
        run_figures(summary),
    )


def find_card(decks: Sequence[Deck], card_id: str) -> tuple[Deck, StudyCard]:
    """The deck and study card with id `card_id`; BrowseError (with the closest id) if none."""
    ids = []
    for deck, card in _cards(decks):
        if card.id == card_id:
            return deck, card
        ids.append(card.id)
    raise BrowseError(
        f"no card '{one_line(card_id, 40)}' in the loaded decks; {_closest(card_id, ids)}"
    )


def card_page(
    store: ProgressStore,
    decks: Sequence[Deck],
    card_id: str,
    now: datetime | Clock | None = None,
) -> CardPage:
    deck, card = find_card(decks, card_id)
    unreadable: dict[str, str] = {}
    progress = store.all_progress(unreadable).get(card_id)
    moment = as_clock(now)()
    return CardPage(
        row=_row(deck, card, progress, card_id in unreadable, moment),
        deck_title=deck.title,
        progress=progress,
        reviews=store.reviews(card_id=card_id),
        lab_runs=store.lab_runs(card_id),
        predictions=store.predictions(card_id),
    )


def unsuspend(
    store: ProgressStore, decks: Sequence[Deck], card_id: str, now: datetime | Clock | None = None
) -> bool:
    """Let a suspended card (a leech too) be studied again; False if it was not suspended.
    A leech stays marked as one, as in Anki, so `is:leech` still finds it."""
    find_card(decks, card_id)
    with store.transaction():
        progress = store.progress(card_id)
        if progress is None or not progress.suspended:
            return False
        progress.suspended = False
        progress.updated_at = as_clock(now)()
        store.save_progress(progress)
    return True
