"""The learner's progress, in SQLite: one file in the user data dir, safe to share and to kill.

- Where: `<data dir>/progress.sqlite3`; the data dir is `--data-dir`, else `$STUDYKIT_DATA_DIR`,
  else platformdirs' user data dir for "studykit".
- Durability: WAL journal with synchronous=FULL, and every write is its own short transaction,
  so a rating is on disk the moment `rate()` returns and a killed process loses nothing else.
- Concurrency: two sessions (or the TUI and `studykit progress export`) may open the same file;
  writers take the lock with BEGIN IMMEDIATE and wait up to `BUSY_TIMEOUT_MS` for each other.
  Within one process, a lock makes the connection safe to use from a worker thread.
- Schema: versioned with `PRAGMA user_version`; `MIGRATIONS[v]` takes version v to v+1 and runs
  inside the transaction that bumps the version, so a crash mid-migration leaves the old schema.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import fsrs
import platformdirs

from studykit.study.clock import format_ts, parse_ts, utc_now
from studykit.study.records import REVIEW_KINDS, CardProgress, LabRun, Review
from studykit.study.scheduler import fsrs_card_problem

DB_NAME = "progress.sqlite3"
DATA_DIR_ENV = "STUDYKIT_DATA_DIR"
BUSY_TIMEOUT_MS = 10_000
EXPORT_FORMAT = "studykit-progress"
EXPORT_VERSION = 1


class StoreError(Exception):
    """A problem with the progress database or an export file; the message is one clear line."""

    def __rich__(self) -> str:
        # Textual shows an unhandled exception that has __rich__ as this, not as a traceback:
        # a read that fails mid-session ends the TUI with one line (writes are caught earlier).
        return f"studykit: {self}"


class NoProgressYet(StoreError):
    """A command that only reads found no progress database: nothing was created."""


class UndoRefused(Exception):
    """An undo that would take back more than its own rating; the message is one line."""


def resolve_data_dir(data_dir: Path | str | None = None) -> Path:
    """`data_dir` if given, else $STUDYKIT_DATA_DIR, else the platform's user data dir."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("studykit", appauthor=False))


# --- schema ---------------------------------------------------------------------------------


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


# MIGRATIONS[v] upgrades a database at schema version v to v+1. Append only; never edit one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_v1,
    _migrate_to_v2,
    _migrate_to_v3,
]
SCHEMA_VERSION = len(MIGRATIONS)


@functools.cache
def _tables_at(version: int) -> frozenset[str]:
    """The tables MIGRATIONS[:version] create, found by running them on an empty in-memory
    database (so this never drifts from the migrations)."""
    db = sqlite3.connect(":memory:")
    try:
        for migrate in MIGRATIONS[:version]:
            migrate(db)
        return frozenset(_table_names(db))
    finally:
        db.close()


def _table_names(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


# --- the store ------------------------------------------------------------------------------

# sqlite's error names for "cannot open or write here" (a read-only folder or filesystem, a folder
# where the database file should be), as opposed to a file that is not a usable database.
CANNOT_WRITE = ("SQLITE_CANTOPEN", "SQLITE_READONLY")
# ... and for "another connection holds the lock" (a second session mid-write, a sqlite browser).
IN_USE = ("SQLITE_BUSY", "SQLITE_LOCKED")


def _cannot_write(path: Path, exc: sqlite3.Error) -> StoreError:
    return StoreError(
        f"{path}: cannot open the progress database for writing ({exc}); check that it is a "
        "file in a folder you can write to, or choose another --data-dir"
    )


# Below this much free space, an I/O error while opening or writing is the disk being full
# (sqlite reports a -shm index it cannot grow as SQLITE_IOERR_SHMSIZE, not SQLITE_FULL).
LOW_SPACE_BYTES = 1 << 20


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _disk_is_full(path: Path, exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_FULL"):
        return True
    free = _free_bytes(path.parent) if name.startswith("SQLITE_IOERR") else None
    return free is not None and free < LOW_SPACE_BYTES


def _disk_full(path: Path, exc: sqlite3.Error, *, changed: str) -> StoreError:
    return StoreError(
        f"{path}: the disk is full; free space on it, then try again ({exc}; {changed})"
    )


def _open_failed(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The one line for a database that would not open, by what sqlite said."""
    name = getattr(exc, "sqlite_errorname", "")
    # A place sqlite cannot write to, a full disk or a lock says nothing about the file: do
    # not tell the learner to move a good database aside.
    if name.startswith(CANNOT_WRITE):
        return _cannot_write(path, exc)
    if _disk_is_full(path, exc):
        return _disk_full(path, exc, changed="the progress database was not changed")
    if name.startswith(IN_USE):
        return StoreError(
            f"{path}: another program kept the progress database locked for "
            f"{BUSY_TIMEOUT_MS / 1000:g}s ({exc}); close it (or let it finish) and try again"
        )
    return StoreError(
        f"{path}: not a usable studykit progress database ({exc}); move it aside "
        "(then `studykit progress import` a backup) or choose another --data-dir"
    )


def _is_write_problem(path: Path, error: StoreError) -> bool:
    """Whether opening failed only for want of writing: a read-only open may still work."""
    exc = error.__cause__
    if not isinstance(exc, sqlite3.Error):
        return False
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(CANNOT_WRITE) or _disk_is_full(path, exc)


@dataclass(frozen=True)
class ImportReport:
    cards: int  # card rows added or replaced
    reviews: int  # review rows added
    lab_runs: int  # lab runs added
    skipped: dict[str, int] = field(default_factory=dict)  # what was left out, by why: count
    unknown_cards: list[str] = field(default_factory=list)  # ids no loaded deck has (skipped)


# The reasons an import leaves an entry out, as ImportReport.skipped names them.
SKIP_UNKNOWN = "entries for cards no loaded deck has"
SKIP_SAME_CARD = "card states already present"
SKIP_UNBACKED = "card states the review log does not back"
SKIP_OLDER = "card states older than yours"
SKIP_SAME_REVIEW = "reviews already present"
SKIP_SAME_RUN = "lab runs already present"


class UnreadableProgress(ValueError):
    """A stored card state studykit cannot use (hand-edited, or let in by an older import)."""


class ProgressStore:
    """SQLite in platformdirs' user data dir, WAL, a commit per review."""

    def __init__(
        self,
        path: Path,
        *,
        target_version: int = SCHEMA_VERSION,
        read_only: bool = False,
        create: bool = True,
    ) -> None:
        """Open (creating and migrating as needed) the database file at `path`.

        With `read_only`, a database that cannot be opened for writing (a full disk, a
        read-only folder) is opened for reading instead, so `stats` and `export` still work;
        `self.read_only` then says so and every write raises StoreError. Without `create`, a
        missing file is `NoProgressYet` and nothing is made (no folder, no file): a typo in
        --data-dir must not look like lost progress. `target_version` exists for tests that
        build an old schema; use `open()` otherwise.
        """
        self.path = path
        if not create and not path.exists():
            raise NoProgressYet(
                f"{path}: no progress here yet (no such file); start studying with "
                "`studykit study` (or `studykit progress import` a backup), or check --data-dir"
            )
        self.read_only = False
        self._why_read_only = ""
        self._lock = threading.RLock()
        self._depth = 0  # nesting depth of transaction()
        try:
            self._open_for_writing(target_version)
        except StoreError as error:
            if not (read_only and _is_write_problem(path, error) and path.is_file()):
                raise
            self._open_for_reading(error)

    def _open_for_writing(self, target_version: int) -> None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except OSError as exc:
            raise StoreError(
                f"{path.parent}: cannot create the data folder ({exc.strerror or exc}); "
                "choose another --data-dir"
            ) from exc
        except sqlite3.Error as exc:
            raise _cannot_write(path, exc) from exc
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._check_ours()  # before anything below writes to the file
            self._use_wal()
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate(target_version)
            self._quick_check()
        except (sqlite3.DatabaseError, StoreError) as error:
            self._db.close()
            cause = error.__cause__ if isinstance(error, StoreError) else error
            if not isinstance(cause, sqlite3.DatabaseError):
                raise  # our own one-line refusal (a newer schema, another program's file)
            raise _open_failed(path, cause) from cause

    def _open_for_reading(self, cannot_write: StoreError) -> None:
        """Open the file read-only after `cannot_write`; raise that error if this fails too.

        mode=ro still needs the -shm index, which a full disk cannot grow; immutable=1 reads
        the main file alone, so it is used only when no committed change waits in the -wal.
        """
        wal = self.path.with_name(self.path.name + "-wal")
        ways = ["mode=ro"]
        if not wal.exists() or wal.stat().st_size == 0:
            ways.append("immutable=1")
        for way in ways:
            try:
                self._db = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?{way}",
                    uri=True,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
            except sqlite3.Error:
                continue
            self._db.row_factory = sqlite3.Row
            try:
                self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self._check_ours()
                if self.schema_version != SCHEMA_VERSION:  # it needs a migration: a write
                    raise cannot_write
                self._quick_check()
            except sqlite3.DatabaseError:
                self._db.close()
                continue
            except StoreError:
                self._db.close()
                raise
            self.read_only, self._why_read_only = True, str(cannot_write.__cause__)
            return
        raise cannot_write

    def _quick_check(self) -> None:
        """Damaged pages would otherwise surface mid-session: check the card table (every
        session reads it; a few ms even from a cold disk) and refuse the file up front. The
        review log can be tens of MB, so it is not read here; a failure there later is still
        one line (StoreError)."""
        verdict = self._db.execute("PRAGMA quick_check(card)").fetchone()[0]
        if verdict != "ok":
            first = " ".join(verdict.replace("*** in database main ***", "").split())
            raise sqlite3.DatabaseError(f"damaged: {first}")

    def _check_ours(self) -> None:
        """Refuse a file that is not (or no longer) a studykit database, without writing to it.

        Only an empty file or one with studykit's tables is ours to migrate: at version 0 with
        tables it belongs to another program, and switching it to WAL and adding tables would
        take it over. A file whose version says it has tables it lacks (hand-edited, damaged)
        would otherwise fail later, on the first query, with a traceback.
        """
        version = self.schema_version
        present = {name for name in _table_names(self._db) if not name.startswith("sqlite_")}
        if version == 0 and present:
            shown = ", ".join(sorted(present)[:5]) + (", ..." if len(present) > 5 else "")
            raise StoreError(
                f"{self.path}: holds another program's database (tables {shown}), not studykit "
                "progress; studykit leaves it as it is: move it aside or choose another --data-dir"
            )
        if version <= SCHEMA_VERSION:  # a newer schema is refused by _migrate, with its words
            missing = _tables_at(version) - _table_names(self._db)
            if missing:
                raise sqlite3.DatabaseError(f"table {', '.join(sorted(missing))} is missing")

    def _use_wal(self) -> None:
        """Switch the file to WAL. While another process creates or opens the same new file,
        sqlite answers SQLITE_BUSY at once, without the busy timeout, so wait for it here."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorname", "").startswith(IN_USE)
                if not busy or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    @classmethod
    def open(
        cls, data_dir: Path | None = None, *, read_only: bool = False, create: bool = True
    ) -> ProgressStore:
        """The store in `data_dir` (see `resolve_data_dir` for the default); `read_only` and
        `create`: see `__init__` (commands that only read, such as stats and export, pass
        `create=False`)."""
        return cls(resolve_data_dir(data_dir) / DB_NAME, read_only=read_only, create=create)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self, target: int) -> None:
        with self.transaction():
            current = self.schema_version
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: progress schema version {current} is newer than this "
                    f"studykit understands ({SCHEMA_VERSION}); upgrade studykit"
                )
            for version in range(current, target):
                MIGRATIONS[version](self._db)
            if target > current:
                self._db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on exit; nested uses join the outer one.

        BEGIN IMMEDIATE takes the write lock up front, so a read-then-write (rate a card from its
        current state) cannot interleave with another process's write to the same card.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            if self.read_only:
                raise StoreError(
                    f"{self.path}: opened read-only ({self._why_read_only}); nothing was saved"
                )
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise self._failed(exc) from exc
            self._depth = 1
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    # A ROLLBACK that fails too (I/O error) must not hide the first error; sqlite
                    # rolls the journal back when the file is next opened.
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError):
                    raise self._failed(exc) from exc
                raise
            finally:
                self._depth = 0

    def _query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise self._failed(exc) from exc

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Reads that all see one state: a read transaction (which a read-only store can take
        too), or the write transaction already open."""
        with self._lock:
            if self._depth or self._db.in_transaction:
                yield
                return
            try:
                self._db.execute("BEGIN")
            except sqlite3.DatabaseError as exc:
                raise self._failed(exc) from exc
            try:
                yield
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("COMMIT")  # ends the read; nothing was written

    def _failed(self, exc: sqlite3.DatabaseError) -> StoreError:
        """A read or write that failed after the file opened well: locked, full disk, damage."""
        if _disk_is_full(self.path, exc):
            return _disk_full(self.path, exc, changed="nothing was saved")
        return StoreError(f"{self.path}: the progress database failed ({exc}); nothing was saved")

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

    # --- export, import, reset ---

    def export_data(
        self, *, exported_at: datetime, unreadable: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Everything in the store as JSON-ready data (the `progress export` file). Card states
        that cannot be read are left out (no import would take them) and put in `unreadable`."""
        with self._snapshot():
            return {
                "format": EXPORT_FORMAT,
                "version": EXPORT_VERSION,
                "exported_at": format_ts(exported_at),
                "cards": [p.to_json() for p in self.all_progress(unreadable).values()],
                "reviews": [_review_to_json(r) for r in self.reviews()],
                "lab_runs": [
                    {
                        "uid": r.uid,
                        "card_id": r.card_id,
                        "ran_at": format_ts(r.ran_at),
                        "summary": r.summary,
                    }
                    for r in self.lab_runs()
                ],
            }

    def import_data(
        self,
        data: Any,
        *,
        source: str = "import",
        known_cards: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> ImportReport:
        """Merge an export into this store; importing the same data twice changes nothing.

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

        added_cards = added_reviews = added_runs = 0
        with self.transaction() as db:
            for review in contents.reviews:
                if known(review.card_id):
                    if self.add_review(review) == -1:
                        skipped[SKIP_SAME_REVIEW] += 1
                    else:
                        added_reviews += 1
            for run in contents.lab_runs:
                if known(run.card_id):
                    if self.add_lab_run(run) == -1:
                        skipped[SKIP_SAME_RUN] += 1
                    else:
                        added_runs += 1
            for incoming in contents.cards:
                if not known(incoming.card_id):
                    continue
                row = db.execute(
                    "SELECT * FROM card WHERE card_id = ?", (incoming.card_id,)
                ).fetchone()
                mine = None if row is None else _readable(row)
                implied = self._schedule_the_log_implies(incoming.card_id)
                if mine is not None and mine.to_json() == incoming.to_json():
                    skipped[SKIP_SAME_CARD] += 1
                elif _schedule(incoming.fsrs_card) != implied:
                    skipped[SKIP_UNBACKED] += 1
                elif mine is None or _schedule(mine.fsrs_card) != implied or _newer(incoming, mine):
                    self.save_progress(incoming)
                    added_cards += 1
                else:
                    skipped[SKIP_OLDER] += 1
        return ImportReport(added_cards, added_reviews, added_runs, dict(skipped), sorted(unknown))

    def _schedule_the_log_implies(self, card_id: str) -> tuple | None:
        """The fsrs schedule of the card's latest scheduled rating (None if it has none)."""
        rows = self._query(
            "SELECT fsrs_after FROM review WHERE card_id = ? AND kind != 'cram' "
            "AND fsrs_after IS NOT NULL ORDER BY reviewed_at DESC, id DESC LIMIT 1",
            (card_id,),
        )
        if not rows:
            return None
        try:
            return _schedule(fsrs.Card.from_json(rows[0][0]))
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
            return ("unreadable",)  # backs no state: the card keeps what it has

    def deck_ids(self) -> list[str]:
        """Decks that have any progress stored."""
        rows = self._query(
            "SELECT deck_id FROM card UNION SELECT deck_id FROM review ORDER BY deck_id"
        )
        return [r[0] for r in rows]

    def reset(self, deck_id: str | None = None) -> int:
        """Forget all progress (or one deck's): cards, reviews and lab runs. Returns cards reset."""
        with self.transaction() as db:
            if deck_id is None:
                count = db.execute(
                    "SELECT COUNT(*) FROM (SELECT card_id FROM card UNION "
                    "SELECT card_id FROM review)"
                ).fetchone()[0]
                for table in ("card", "review", "lab_run"):
                    db.execute(f"DELETE FROM {table}")
                return count
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT card_id FROM card WHERE deck_id = ? UNION "
                    "SELECT card_id FROM review WHERE deck_id = ?",
                    (deck_id, deck_id),
                )
            ]
            for card_id in ids:
                for table in ("card", "review", "lab_run"):
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


def _review_to_json(r: Review) -> dict[str, Any]:
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
        "before": None if r.before is None else r.before.to_json(),
        "fsrs_after": None if r.fsrs_after is None else r.fsrs_after.to_dict(),
    }
