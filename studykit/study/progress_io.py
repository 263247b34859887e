"""Export and import of progress (`studykit progress export | import`), over the store's
public methods, as Anki keeps importing and exporting outside its collection.

The file's format is `progress_file.ExportFile` (TypedDicts, one per entry kind); an import
checks every field first (`progress_file.read_export`) and merges by review log (see
`import_progress`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import fsrs

from studykit.study.clock import format_ts, utc_now
from studykit.study.database import StoreError
from studykit.study.progress_file import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    CardEntry,
    ExportFile,
    PredictionEntry,
    ReviewEntry,
)
from studykit.study.records import CardProgress, PredictionRecord, Review

if TYPE_CHECKING:
    from studykit.study.store import ProgressStore


@dataclass(frozen=True)
class ImportReport:
    cards: int  # card rows added or replaced
    reviews: int  # review rows added
    lab_runs: int  # lab runs added
    predictions: int = 0  # predictions added
    skipped: dict[str, int] = field(default_factory=dict)  # what was left out, by why: count
    unknown_cards: list[str] = field(default_factory=list)  # ids no loaded deck has (skipped)


# The reasons an import leaves an entry out, as ImportReport.skipped names them.
SKIP_UNKNOWN = "entries for cards no loaded deck has"
SKIP_SAME_CARD = "card states already present"
SKIP_UNBACKED = "card states the review log does not back"
SKIP_OLDER = "card states older than yours"
SKIP_SAME_REVIEW = "reviews already present"
SKIP_SAME_RUN = "lab runs already present"
SKIP_SAME_PREDICTION = "predictions already present"


def export_progress(
    store: ProgressStore, *, exported_at: datetime, unreadable: dict[str, str] | None = None
) -> ExportFile:
    """Everything in the store as JSON-ready data (the `progress export` file). Card states
    that cannot be read are left out (no import would take them) and put in `unreadable`."""
    with store.snapshot():
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": format_ts(exported_at),
            "cards": [_card_entry(p) for p in store.all_progress(unreadable).values()],
            "reviews": [_review_to_json(r) for r in store.reviews()],
            "lab_runs": [
                {
                    "uid": r.uid,
                    "card_id": r.card_id,
                    "ran_at": format_ts(r.ran_at),
                    "summary": r.summary,
                }
                for r in store.lab_runs()
            ],
            "predictions": [_prediction_to_json(p) for p in store.predictions()],
        }


def import_progress(
    store: ProgressStore,
    data: Any,
    *,
    source: str = "import",
    known_cards: Collection[str] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Merge an export into `store`; importing the same data twice changes nothing.

    Every field is checked first (`progress_file.read_export`); a bad one raises StoreError
    naming `source`, the entry and the field, and nothing is stored. With `known_cards`
    (the loaded decks' card ids), entries for other cards are skipped and reported.
    Reviews and lab runs merge by uid. A card state then wins only if the merged review
    log backs it (its fsrs state is the one the card's latest rating produced); between two
    such states (the flags differ) the one changed last wins. A timestamp alone never wins:
    a forged "newer" schedule that no review produced is skipped.
    """
    from studykit.study.progress_file import ExportError, read_export

    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise StoreError(
            f"{source}: not a studykit progress export (no 'format': "
            f"'{EXPORT_FORMAT}'); create one with `studykit progress export`"
        )
    if data.get("version") != EXPORT_VERSION:
        raise StoreError(
            f"{source}: export version {_short(data.get('version'))} is not "
            f"supported (expected {EXPORT_VERSION})"
        )
    try:
        contents = read_export(data, now=utc_now() if now is None else now)
    except ExportError as exc:
        raise StoreError(f"{source}: {exc}") from None

    skipped: Counter[str] = Counter()
    unknown: set[str] = set()

    def known(card_id: str) -> bool:
        if known_cards is None or card_id in known_cards:
            return True
        skipped[SKIP_UNKNOWN] += 1
        unknown.add(card_id)
        return False

    added_cards = added_reviews = added_runs = added_predictions = 0
    with store.transaction():
        for review in contents.reviews:
            if known(review.card_id):
                if store.add_review(review) == -1:
                    skipped[SKIP_SAME_REVIEW] += 1
                else:
                    added_reviews += 1
        for run in contents.lab_runs:
            if known(run.card_id):
                if store.add_lab_run(run) == -1:
                    skipped[SKIP_SAME_RUN] += 1
                else:
                    added_runs += 1
        for prediction in contents.predictions:
            if known(prediction.card_id):
                if store.add_prediction(prediction) == -1:
                    skipped[SKIP_SAME_PREDICTION] += 1
                else:
                    added_predictions += 1
        for incoming in contents.cards:
            if not known(incoming.card_id):
                continue
            mine = store.readable_progress(incoming.card_id)
            implied = _schedule_the_log_implies(store, incoming.card_id)
            if mine is not None and mine.to_json() == incoming.to_json():
                skipped[SKIP_SAME_CARD] += 1
            elif _schedule(incoming.fsrs_card) != implied:
                skipped[SKIP_UNBACKED] += 1
            elif mine is None or _schedule(mine.fsrs_card) != implied or _newer(incoming, mine):
                store.save_progress(incoming)
                added_cards += 1
            else:
                skipped[SKIP_OLDER] += 1
    return ImportReport(
        added_cards, added_reviews, added_runs, added_predictions, dict(skipped), sorted(unknown)
    )


def _schedule_the_log_implies(store: ProgressStore, card_id: str) -> tuple | None:
    """The fsrs schedule of the card's latest scheduled rating (None if it has none)."""
    text = store.latest_schedule_json(card_id)
    if text is None:
        return None
    try:
        return _schedule(fsrs.Card.from_json(text))
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return ("unreadable",)  # backs no state: the card keeps what it has


def _newer(a: CardProgress, b: CardProgress) -> bool:
    if a.updated_at is None:
        return False
    return b.updated_at is None or a.updated_at > b.updated_at


def _schedule(card: fsrs.Card | None) -> tuple | None:
    """What of an fsrs state decides the schedule (its card_id only labels fsrs's logs)."""
    if card is None:
        return None
    return (card.state, card.step, card.stability, card.difficulty, card.due, card.last_review)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _card_entry(progress: CardProgress) -> CardEntry:
    return cast(CardEntry, progress.to_json())


def _review_to_json(r: Review) -> ReviewEntry:
    return {
        "uid": r.uid,
        "card_id": r.card_id,
        "deck_id": r.deck_id,
        "reviewed_at": format_ts(r.reviewed_at),
        "rating": int(r.rating),
        "duration_ms": r.duration_ms,
        "kind": r.kind,
        "correct": r.correct,
        "score": r.score,
        "before": None if r.before is None else _card_entry(r.before),
        "fsrs_after": None if r.fsrs_after is None else r.fsrs_after.to_dict(),
    }


def _prediction_to_json(p: PredictionRecord) -> PredictionEntry:
    return {
        "uid": p.uid,
        "card_id": p.card_id,
        "deck_id": p.deck_id,
        "lab": p.lab,
        "observe": p.observe,
        "params": p.params,
        "seed": p.seed,
        "answer": p.answer,
        "predicted": p.predicted,
        "reason": p.reason,
        "value": p.value,
        "measured": p.measured,
        "detail": p.detail,
        "correct": p.correct,
        "predicted_at": format_ts(p.predicted_at),
        "review_uid": p.review_uid,
    }
