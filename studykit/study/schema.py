"""The progress database's schema: its tables, and the migrations that build them.

Versioned with `PRAGMA user_version`: `MIGRATIONS[v]` takes a database at version v to v+1 and
runs inside the transaction that bumps the version (`database.Database._migrate`), so a crash
mid-migration leaves the old schema. Append only; never edit a migration.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable


def _migrate_to_v1(db: sqlite3.Connection) -> None:
    """Cards' scheduling state and the review log."""
    db.execute(
        """CREATE TABLE card (
            card_id      TEXT PRIMARY KEY,
            deck_id      TEXT NOT NULL,
            fsrs_json    TEXT,              -- fsrs.Card.to_json(); NULL until the first review
            state        INTEGER,           -- fsrs.State, copied out for queries
            due          TEXT,              -- format_ts(fsrs due), copied out for queries
            reps         INTEGER NOT NULL DEFAULT 0,
            lapses       INTEGER NOT NULL DEFAULT 0,
            suspended    INTEGER NOT NULL DEFAULT 0,
            leech        INTEGER NOT NULL DEFAULT 0,
            buried_until TEXT,
            updated_at   TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX card_deck ON card(deck_id)")
    db.execute(
        """CREATE TABLE review (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            uid         TEXT NOT NULL UNIQUE,
            card_id     TEXT NOT NULL,
            deck_id     TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
            kind        TEXT NOT NULL,
            correct     INTEGER,            -- NULL for self-rated flashcards
            score       REAL,
            before_json TEXT,               -- CardProgress before the review: what undo restores
            fsrs_after  TEXT                -- fsrs.Card JSON after the review; NULL for cram
        )"""
    )
    db.execute("CREATE INDEX review_time ON review(reviewed_at)")
    db.execute("CREATE INDEX review_card ON review(card_id)")


def _migrate_to_v2(db: sqlite3.Connection) -> None:
    """Lab runs started from a card, with their result summary."""
    db.execute(
        """CREATE TABLE lab_run (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            uid          TEXT NOT NULL UNIQUE,
            card_id      TEXT NOT NULL,
            ran_at       TEXT NOT NULL,
            summary_json TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX lab_run_card ON lab_run(card_id)")


def _migrate_to_v3(db: sqlite3.Connection) -> None:
    """The learner's study settings (daily limits, desired retention), as key/value text."""
    db.execute("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _migrate_to_v4(db: sqlite3.Connection) -> None:
    """Predictions the learner committed before a lab run (predict cards), with what the run
    measured; the review the learner then rated is in `review`, as every review is."""
    db.execute(
        """CREATE TABLE predictions (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            uid           TEXT NOT NULL UNIQUE,
            card_id       TEXT NOT NULL,
            deck_id       TEXT NOT NULL,
            lab           TEXT NOT NULL,
            observe       TEXT NOT NULL,
            params_json   TEXT NOT NULL,    -- the run's parameters
            seed          INTEGER,
            answer_json   TEXT NOT NULL,    -- what the learner committed (value, number, order)
            predicted     TEXT NOT NULL,    -- the same, as the learner read it
            reason        TEXT NOT NULL DEFAULT '',  -- their optional one line of why
            measured_json TEXT NOT NULL,    -- what the run measured
            measured      TEXT NOT NULL,    -- the same, readable
            detail        TEXT NOT NULL DEFAULT '',  -- the numbers behind it
            correct       INTEGER NOT NULL,
            predicted_at  TEXT NOT NULL,
            review_uid    TEXT              -- the review rated after it, when there was one
        )"""
    )
    db.execute("CREATE INDEX predictions_card ON predictions(card_id)")


# MIGRATIONS[v] upgrades a database at schema version v to v+1. Append only; never edit one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_v1,
    _migrate_to_v2,
    _migrate_to_v3,
    _migrate_to_v4,
]
SCHEMA_VERSION = len(MIGRATIONS)


@functools.cache
def tables_at(version: int) -> frozenset[str]:
    """The tables MIGRATIONS[:version] create, found by running them on an empty in-memory
    database (so this never drifts from the migrations)."""
    db = sqlite3.connect(":memory:")
    try:
        for migrate in MIGRATIONS[:version]:
            migrate(db)
        return frozenset(table_names(db))
    finally:
        db.close()


def table_names(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}
