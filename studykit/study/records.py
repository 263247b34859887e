"""What the progress store holds, as plain dataclasses: a card's progress, a review, a lab run.

Progress is keyed by card id, never by card text, so editing a card keeps its history, and a card
that disappears from a deck keeps its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import fsrs

from studykit.study.clock import format_ts, parse_ts

# Why a review happened, from the card's state just before it (cram reviews change no schedule).
REVIEW_KINDS = ("new", "learning", "review", "relearning", "cram")


@dataclass
class CardProgress:
    """The learner's progress on one card."""

    card_id: str
    deck_id: str
    fsrs_card: fsrs.Card | None = None  # None until the first (non-cram) review
    reps: int = 0  # scheduled reviews so far
    lapses: int = 0  # times the card was forgotten after it had graduated (Again in Review)
    suspended: bool = False
    leech: bool = False
    buried_until: datetime | None = None
    updated_at: datetime | None = None  # last change to this row; import keeps the newer row

    @property
    def is_new(self) -> bool:
        return self.fsrs_card is None

    @property
    def due(self) -> datetime | None:
        return None if self.fsrs_card is None else self.fsrs_card.due

    @property
    def state(self) -> fsrs.State | None:
        return None if self.fsrs_card is None else self.fsrs_card.state

    def is_buried(self, now: datetime) -> bool:
        return self.buried_until is not None and self.buried_until > now

    def to_json(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "deck_id": self.deck_id,
            "fsrs": None if self.fsrs_card is None else self.fsrs_card.to_dict(),
            "reps": self.reps,
            "lapses": self.lapses,
            "suspended": self.suspended,
            "leech": self.leech,
            "buried_until": None if self.buried_until is None else format_ts(self.buried_until),
            "updated_at": None if self.updated_at is None else format_ts(self.updated_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardProgress:
        return cls(
            card_id=str(data["card_id"]),
            deck_id=str(data["deck_id"]),
            fsrs_card=None if data.get("fsrs") is None else fsrs.Card.from_dict(data["fsrs"]),
            reps=int(data.get("reps", 0)),
            lapses=int(data.get("lapses", 0)),
            suspended=bool(data.get("suspended", False)),
            leech=bool(data.get("leech", False)),
            buried_until=parse_ts(data["buried_until"]) if data.get("buried_until") else None,
            updated_at=parse_ts(data["updated_at"]) if data.get("updated_at") else None,
        )


@dataclass
class Review:
    """One rating of one card, as stored (one row per review, committed at once)."""

    uid: str  # globally unique, so importing the same export twice adds nothing
    card_id: str
    deck_id: str
    reviewed_at: datetime
    rating: fsrs.Rating
    duration_ms: int
    kind: str  # one of REVIEW_KINDS
    correct: bool | None = None  # None for self-rated flashcards
    score: float | None = None
    before: CardProgress | None = None  # progress just before: what undo restores
    fsrs_after: fsrs.Card | None = None  # the fsrs state this review produced
    id: int | None = None  # row id, set by the store


@dataclass
class LabRun:
    """A lab run started from a card: the compact summary of its LabResult."""

    uid: str
    card_id: str
    ran_at: datetime
    summary: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class PredictionRecord:
    """A prediction committed on a predict card and graded by a lab run (`study/predictions.py`)."""

    uid: str
    card_id: str
    deck_id: str
    lab: str
    observe: str
    params: dict[str, Any]
    seed: int | None
    answer: Any  # the value, number or order (list) the learner committed; None: no answer
    predicted: str  # the answer as the learner read it
    value: Any  # what the run measured
    measured: str  # the same, readable
    correct: bool
    predicted_at: datetime
    reason: str = ""  # the learner's optional one line of why
    detail: str = ""  # the numbers behind the measured value
    review_uid: str | None = None  # the review rated after it
    id: int | None = None  # row id, set by the store
