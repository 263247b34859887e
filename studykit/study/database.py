"""The progress database's connection: where the file is, opening it (WAL, read-only when it
cannot be written, never created by a command that only reads), transactions, and every sqlite
failure turned into one line (`StoreError`).

- Where: `<data dir>/progress.sqlite3`; the data dir is `--data-dir`, else `$STUDYKIT_DATA_DIR`,
  else platformdirs' user data dir for "studykit".
- Durability: WAL journal with synchronous=FULL, and every write is its own short transaction,
  so a rating is on disk the moment `rate()` returns and a killed process loses nothing else.
- Concurrency: two sessions (or the TUI and `studykit progress export`) may open the same file;
  writers take the lock with BEGIN IMMEDIATE and wait up to `BUSY_TIMEOUT_MS` for each other.
  Within one process, a lock makes the connection safe to use from a worker thread.
- Schema: `schema.MIGRATIONS`, applied on open.

`store.ProgressStore` builds its queries on `Database`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import platformdirs

from studykit.study.schema import MIGRATIONS, SCHEMA_VERSION, table_names, tables_at

DB_NAME = "progress.sqlite3"
DATA_DIR_ENV = "STUDYKIT_DATA_DIR"
BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """A problem with the progress database or an export file; the message is one clear line."""

    def __rich__(self) -> str:
        # Textual shows an unhandled exception that has __rich__ as this, not as a traceback:
        # a read that fails mid-session ends the TUI with one line (writes are caught earlier).
        return f"studykit: {self}"


class NoProgressYet(StoreError):
    """A command that only reads found no progress database: nothing was created."""


def resolve_data_dir(data_dir: Path | str | None = None) -> Path:
    """`data_dir` if given, else $STUDYKIT_DATA_DIR, else the platform's user data dir."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("studykit", appauthor=False))


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


class Database:
    """One SQLite connection to the progress file, with its transactions and error mapping."""

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
        present = {name for name in table_names(self._db) if not name.startswith("sqlite_")}
        if version == 0 and present:
            shown = ", ".join(sorted(present)[:5]) + (", ..." if len(present) > 5 else "")
            raise StoreError(
                f"{self.path}: holds another program's database (tables {shown}), not studykit "
                "progress; studykit leaves it as it is: move it aside or choose another --data-dir"
            )
        if version <= SCHEMA_VERSION:  # a newer schema is refused by _migrate, with its words
            missing = tables_at(version) - table_names(self._db)
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
    ) -> Self:
        """The store in `data_dir` (see `resolve_data_dir` for the default); `read_only` and
        `create`: see `__init__` (commands that only read, such as stats and export, pass
        `create=False`)."""
        return cls(resolve_data_dir(data_dir) / DB_NAME, read_only=read_only, create=create)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
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
    def snapshot(self) -> Iterator[None]:
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
