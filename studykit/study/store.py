"""The learner's progress, in SQLite: cards' scheduling state, the review log, lab runs and
settings, read and written through `ProgressStore`'s queries.

The file, its connection and transactions are `database.py`'s; its tables are `schema.py`'s;
export and import go through this store's public methods (`progress_io.py`). The names below
from those modules are re-exported, so `from studykit.study.store import ProgressStore,
StoreError` keeps working.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

import fsrs

from studykit.study.clock import format_ts, parse_ts, utc_now
from studykit.study.database import (
    BUSY_TIMEOUT_MS,
    DATA_DIR_ENV,
    DB_NAME,
    Database,
    NoProgressYet,
    StoreError,
    resolve_data_dir,
)
from studykit.study.records import REVIEW_KINDS, CardProgress, LabRun, PredictionRecord, Review
from studykit.study.scheduler import fsrs_card_problem
from studykit.study.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DATA_DIR_ENV",
    "DB_NAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "NoProgressYet",
    "ProgressStore",
    "StoreError",
    "UndoRefused",
    "UnreadableProgress",
    "resolve_data_dir",
]


class UndoRefused(Exception):
    """An undo that would take back more than its own rating; the message is one line."""


class UnreadableProgress(ValueError):
    """A stored card state studykit cannot use (hand-edited, or let in by an older import)."""


class ProgressStore(Database):
    """SQLite in platformdirs' user data dir, WAL, a commit per review."""

    # --- settings ---

    def settings(self) -> dict[str, str]:
        return {row["key"]: row["value"] for row in self._query("SELECT key, value FROM setting")}

    def save_settings(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO setting (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    # --- card progress ---

    def progress(self, card_id: str) -> CardProgress | None:
        """The card's stored progress (None if it has none); StoreError if it cannot be read."""
        rows = self._query("SELECT * FROM card WHERE card_id = ?", (card_id,))
        if not rows:
            return None
        try:
            return _progress_from_row(rows[0])
        except UnreadableProgress as why:
            raise StoreError(
                f"card {card_id}: its saved progress cannot be read ({why}); "
                f"`studykit progress reset --deck {rows[0]['deck_id']}` forgets that deck's"
            ) from None

    def all_progress(self, unreadable: dict[str, str] | None = None) -> dict[str, CardProgress]:
        """Every card's progress that can be read. Rows that cannot are left out, and put in
        `unreadable` (card id: why) when it is given, so a session can skip them and say so."""
        result = {}
        for row in self._query("SELECT * FROM card"):
            try:
                result[row["card_id"]] = _progress_from_row(row)
            except UnreadableProgress as why:
                if unreadable is not None:
                    unreadable[row["card_id"]] = str(why)
        return result

    def save_progress(self, progress: CardProgress) -> None:
        card = progress.fsrs_card
        with self.transaction() as db:
            db.execute(
                """INSERT OR REPLACE INTO card (card_id, deck_id, fsrs_json, state, due, reps,
                       lapses, suspended, leech, buried_until, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    progress.card_id,
                    progress.deck_id,
                    None if card is None else card.to_json(),
                    None if card is None else int(card.state),
                    None if card is None else format_ts(card.due),
                    progress.reps,
                    progress.lapses,
                    int(progress.suspended),
                    int(progress.leech),
                    None if progress.buried_until is None else format_ts(progress.buried_until),
                    format_ts(progress.updated_at or utc_now()),
                ),
            )

    def delete_progress(self, card_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM card WHERE card_id = ?", (card_id,))

    # --- reviews ---

    def add_review(self, review: Review) -> int:
        """Insert one review row; returns its id. Duplicates (same uid) are ignored (-1); a row
        the table's checks refuse is a StoreError (OR IGNORE would drop it without a word)."""
        if review.kind not in REVIEW_KINDS:
            raise ValueError(f"review kind {review.kind!r} is not one of {REVIEW_KINDS}")
        with self.transaction() as db:
            cursor = db.execute(
                """INSERT INTO review (uid, card_id, deck_id, reviewed_at, rating,
                       duration_ms, kind, correct, score, before_json, fsrs_after)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (uid) DO NOTHING""",
                (
                    review.uid,
                    review.card_id,
                    review.deck_id,
                    format_ts(review.reviewed_at),
                    int(review.rating),
                    int(review.duration_ms),
                    review.kind,
                    None if review.correct is None else int(review.correct),
                    review.score,
                    None if review.before is None else json.dumps(review.before.to_json()),
                    None if review.fsrs_after is None else review.fsrs_after.to_json(),
                ),
            )
            return _inserted_id(cursor)

    def review(self, review_id: int) -> Review | None:
        rows = self._query("SELECT * FROM review WHERE id = ?", (review_id,))
        return _review_from_row(rows[0]) if rows else None

    def reviews(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        card_id: str | None = None,
    ) -> list[Review]:
        """Reviews in time order, optionally within [since, until) and for one card."""
        sql, params = "SELECT * FROM review WHERE 1=1", []
        if since is not None:
            sql += " AND reviewed_at >= ?"
            params.append(format_ts(since))
        if until is not None:
            sql += " AND reviewed_at < ?"
            params.append(format_ts(until))
        if card_id is not None:
            sql += " AND card_id = ?"
            params.append(card_id)
        return [
            _review_from_row(r)
            for r in self._query(sql + " ORDER BY reviewed_at, id", tuple(params))
        ]

    def count_reviews(self, *, since: datetime, kinds: tuple[str, ...]) -> int:
        marks = ",".join("?" * len(kinds))
        rows = self._query(
            f"SELECT COUNT(*) FROM review WHERE reviewed_at >= ? AND kind IN ({marks})",
            (format_ts(since), *kinds),
        )
        return rows[0][0]

    def rating_counts(self) -> dict[tuple[str, fsrs.Rating], int]:
        """How many ratings of each (review kind, rating) were ever made."""
        rows = self._query("SELECT kind, rating, COUNT(*) FROM review GROUP BY kind, rating")
        return {(kind, fsrs.Rating(rating)): n for kind, rating, n in rows}

    def seen_card_ids(self) -> set[str]:
        """Cards with at least one scheduled (non-cram) rating."""
        return {
            r[0] for r in self._query("SELECT DISTINCT card_id FROM review WHERE kind != 'cram'")
        }

    def review_times(self, *, since: datetime, until: datetime) -> list[datetime]:
        """When each rating in [since, until) was made (cheaper than loading whole reviews)."""
        rows = self._query(
            "SELECT reviewed_at FROM review WHERE reviewed_at >= ? AND reviewed_at < ?",
            (format_ts(since), format_ts(until)),
        )
        return [parse_ts(r[0]) for r in rows]

    def undo_review(self, review_id: int) -> bool:
        """Delete review `review_id` and put its card back the way it was before it.

        Returns False when the review is gone already (undone, or reset by another session).
        Raises UndoRefused when another session has rated the card since: its rating started
        from the state this one produced, so restoring `before` would erase it, and recomputing
        it on the older state would change a rating its learner already saw. Refusing keeps the
        card in the state its whole log implies; that session can still undo its own rating.
        """
        with self.transaction() as db:
            review = self.review(review_id)
            if review is None:
                return False
            if review.kind == "cram":
                db.execute("DELETE FROM review WHERE id = ?", (review_id,))
                return True  # cram reviews never changed the schedule
            # Row ids only grow (AUTOINCREMENT), so a larger id is a later rating. Cram
            # ratings after it changed no schedule and do not stand in the way.
            later = db.execute(
                "SELECT reviewed_at FROM review WHERE card_id = ? AND id > ? AND kind != 'cram' "
                "ORDER BY id LIMIT 1",
                (review.card_id, review_id),
            ).fetchone()
            if later is not None:
                raise UndoRefused(
                    f"card {review.card_id} was rated in another session since "
                    f"({later[0][:19].replace('T', ' ')} UTC); that rating stays, so this one "
                    "cannot be taken back"
                )
            db.execute("DELETE FROM review WHERE id = ?", (review_id,))
            # A prediction is graded together with its review: undoing one takes back both.
            db.execute("DELETE FROM predictions WHERE review_uid = ?", (review.uid,))
            if review.before is None:
                self.delete_progress(review.card_id)
            else:
                self.save_progress(review.before)
            return True

    # --- lab runs ---

    def add_lab_run(self, run: LabRun) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO lab_run (uid, card_id, ran_at, summary_json) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING",
                (run.uid, run.card_id, format_ts(run.ran_at), json.dumps(run.summary)),
            )
            return _inserted_id(cursor)

    def lab_runs(self, card_id: str | None = None) -> list[LabRun]:
        sql = "SELECT * FROM lab_run"
        params: tuple[str, ...] = ()
        if card_id is not None:
            sql, params = sql + " WHERE card_id = ?", (card_id,)
        return [
            LabRun(
                r["uid"],
                r["card_id"],
                parse_ts(r["ran_at"]),
                json.loads(r["summary_json"]),
                r["id"],
            )
            for r in self._query(sql + " ORDER BY ran_at, id", params)
        ]

    # --- predictions ---

    def add_prediction(self, record: PredictionRecord) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO predictions (uid, card_id, deck_id, lab, observe, params_json, seed, "
                "answer_json, predicted, reason, measured_json, measured, detail, correct, "
                "predicted_at, review_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (uid) DO NOTHING",
                (
                    record.uid,
                    record.card_id,
                    record.deck_id,
                    record.lab,
                    record.observe,
                    json.dumps(record.params, sort_keys=True, default=str),
                    record.seed,
                    json.dumps(record.answer),
                    record.predicted,
                    record.reason,
                    json.dumps(record.value),
                    record.measured,
                    record.detail,
                    int(record.correct),
                    format_ts(record.predicted_at),
                    record.review_uid,
                ),
            )
            return _inserted_id(cursor)

    def predictions(self, card_id: str | None = None) -> list[PredictionRecord]:
        """Stored predictions (one card's, or all), oldest first."""
        sql = "SELECT * FROM predictions"
        params: tuple[str, ...] = ()
        if card_id is not None:
            sql, params = sql + " WHERE card_id = ?", (card_id,)
        return [
            _prediction_from_row(r) for r in self._query(sql + " ORDER BY predicted_at, id", params)
        ]

    def readable_progress(self, card_id: str) -> CardProgress | None:
        """The card's stored progress, or None if it has none or it cannot be read."""
        rows = self._query("SELECT * FROM card WHERE card_id = ?", (card_id,))
        return _readable(rows[0]) if rows else None

    def latest_schedule_json(self, card_id: str) -> str | None:
        """The fsrs state (JSON) the card's latest scheduled rating produced; None if none."""
        rows = self._query(
            "SELECT fsrs_after FROM review WHERE card_id = ? AND kind != 'cram' "
            "AND fsrs_after IS NOT NULL ORDER BY reviewed_at DESC, id DESC LIMIT 1",
            (card_id,),
        )
        return rows[0][0] if rows else None

    # --- reset ---

    def deck_ids(self) -> list[str]:
        """Decks that have any progress stored."""
        rows = self._query(
            "SELECT deck_id FROM card UNION SELECT deck_id FROM review ORDER BY deck_id"
        )
        return [r[0] for r in rows]

    def reset(self, deck_id: str | None = None) -> int:
        """Forget all progress (or one deck's): cards, reviews, lab runs and predictions.
        Returns cards reset."""
        with self.transaction() as db:
            if deck_id is None:
                count = db.execute(
                    "SELECT COUNT(*) FROM (SELECT card_id FROM card UNION "
                    "SELECT card_id FROM review)"
                ).fetchone()[0]
                for table in ("card", "review", "lab_run", "predictions"):
                    db.execute(f"DELETE FROM {table}")
                return count
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT card_id FROM card WHERE deck_id = ? UNION "
                    "SELECT card_id FROM review WHERE deck_id = ? UNION "
                    "SELECT card_id FROM predictions WHERE deck_id = ?",
                    (deck_id, deck_id, deck_id),
                )
            ]
            for card_id in ids:
                for table in ("card", "review", "lab_run", "predictions"):
                    db.execute(f"DELETE FROM {table} WHERE card_id = ?", (card_id,))
            return len(ids)

    def integrity_check(self) -> str:
        """SQLite's own consistency check: 'ok' when the file is sound."""
        return self._query("PRAGMA integrity_check")[0][0]


def _inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT ... ON CONFLICT DO NOTHING added; -1 when it added none."""
    if not cursor.rowcount or cursor.lastrowid is None:
        return -1
    return cursor.lastrowid


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _progress_from_row(row: sqlite3.Row) -> CardProgress:
    """The row as a CardProgress; UnreadableProgress if fsrs could not schedule what it holds."""
    fsrs_card = None
    try:
        if row["fsrs_json"] is not None:
            fsrs_card = fsrs.Card.from_json(row["fsrs_json"])
        progress = CardProgress(
            card_id=row["card_id"],
            deck_id=row["deck_id"],
            fsrs_card=fsrs_card,
            reps=row["reps"],
            lapses=row["lapses"],
            suspended=bool(row["suspended"]),
            leech=bool(row["leech"]),
            buried_until=None if row["buried_until"] is None else parse_ts(row["buried_until"]),
            updated_at=parse_ts(row["updated_at"]),
        )
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
        raise UnreadableProgress(f"{type(exc).__name__}: {_short(str(exc))}") from None
    problem = None if fsrs_card is None else fsrs_card_problem(fsrs_card)
    if problem is not None:
        raise UnreadableProgress(
            f"fsrs {problem[0]} {problem[1]}, got {_short(getattr(fsrs_card, problem[0]))}"
        )
    if type(progress.reps) is not int or type(progress.lapses) is not int:
        raise UnreadableProgress("reps and lapses must be whole numbers")
    return progress


def _readable(row: sqlite3.Row) -> CardProgress | None:
    try:
        return _progress_from_row(row)
    except UnreadableProgress:
        return None


def _snapshot_or_none(read: Callable[[], Any]) -> Any:
    """A review's stored snapshot, or None if an older import let in one fsrs cannot use: the
    review itself (rating, time) still counts, and only undo of the session that made it,
    long gone, would have used the snapshot."""
    try:
        value = read()
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
        return None
    card = value.fsrs_card if isinstance(value, CardProgress) else value
    return None if card is not None and fsrs_card_problem(card) else value


def _review_from_row(row: sqlite3.Row) -> Review:
    before = row["before_json"]
    return Review(
        uid=row["uid"],
        card_id=row["card_id"],
        deck_id=row["deck_id"],
        reviewed_at=parse_ts(row["reviewed_at"]),
        rating=fsrs.Rating(row["rating"]),
        duration_ms=row["duration_ms"],
        kind=row["kind"],
        correct=None if row["correct"] is None else bool(row["correct"]),
        score=row["score"],
        before=None
        if before is None
        else _snapshot_or_none(lambda: CardProgress.from_json(json.loads(before))),
        fsrs_after=None
        if row["fsrs_after"] is None
        else _snapshot_or_none(lambda: fsrs.Card.from_json(row["fsrs_after"])),
        id=row["id"],
    )


def _prediction_from_row(row: sqlite3.Row) -> PredictionRecord:
    return PredictionRecord(
        uid=row["uid"],
        card_id=row["card_id"],
        deck_id=row["deck_id"],
        lab=row["lab"],
        observe=row["observe"],
        params=json.loads(row["params_json"]),
        seed=row["seed"],
        answer=json.loads(row["answer_json"]),
        predicted=row["predicted"],
        value=json.loads(row["measured_json"]),
        measured=row["measured"],
        correct=bool(row["correct"]),
        predicted_at=parse_ts(row["predicted_at"]),
        reason=row["reason"],
        detail=row["detail"],
        review_uid=row["review_uid"],
        id=row["id"],
    )
