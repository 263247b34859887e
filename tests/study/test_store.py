"""The SQLite progress store: location, WAL, migrations, concurrency, crashes, export/import."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest
from fsrs import Rating
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.study.lab_history import record_lab_run
from studykit.study.progress_io import export_progress, import_progress
from studykit.study.session import StudySession
from studykit.study.store import (
    DATA_DIR_ENV,
    DB_NAME,
    SCHEMA_VERSION,
    ProgressStore,
    StoreError,
    resolve_data_dir,
)

HERE = Path(__file__).parent
DRIVER = HERE / "session_driver.py"


def run_driver(data_dir: Path, deck_id: str, count: int, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(data_dir), deck_id, str(count), str(seed)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --- where and how the file is opened ---


def test_data_dir_argument_beats_env_beats_platform_default(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert resolve_data_dir().name == "studykit"
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    with ProgressStore.open() as store:
        assert store.path == tmp_path / "env" / DB_NAME


def test_opens_in_wal_mode_at_the_current_schema(store):
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_damaged_database_is_refused_at_open_in_one_line(tmp_path):
    with ProgressStore.open(tmp_path) as store:
        deck = make_deck(cards=flashcards("basics", "basics-t1", 40))
        session = StudySession(store, [deck], now=NOON, seed=1, new_per_day=40)
        for _ in range(40):
            session.rate(session.next(), Rating.Good, 1000)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / DB_NAME
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(page, len(data), page):  # scribble over every page's cell pointers
        data[start + 8 : start + 40] = b"\x07" * 32
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="not a usable studykit progress database") as raised:
        ProgressStore.open(tmp_path)
    assert "\n" not in str(raised.value) and "progress import" in str(raised.value)


def test_a_query_that_fails_later_is_a_store_error(store):
    store._db.close()  # stands in for a file that went bad while open
    with pytest.raises(StoreError, match="the progress database failed"):
        store.all_progress()
    with pytest.raises(StoreError, match="the progress database failed"), store.transaction():
        pass


def test_a_failed_rollback_does_not_hide_the_error_that_caused_it(store):
    class RollbackFails:  # the connection, except that ROLLBACK hits an I/O error
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql == "ROLLBACK":
                self.db.execute(sql)
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.db, name)

    store._db = RollbackFails(store._db)
    with pytest.raises(StoreError, match="database or disk is full"), store.transaction():
        raise sqlite3.OperationalError("database or disk is full")
    store._db = store._db.db
    assert not store._db.in_transaction and store.all_progress() == {}


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    (tmp_path / DB_NAME).write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match="not a usable studykit progress database"):
        ProgressStore.open(tmp_path)


def test_another_programs_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as raw:  # user_version 0, someone else's tables
        raw.execute("CREATE TABLE recipes (name TEXT, minutes INTEGER)")
        raw.execute("INSERT INTO recipes VALUES ('soup', 40)")
    raw.close()
    original = path.read_bytes()
    with pytest.raises(StoreError, match="another program's database") as refused:
        ProgressStore.open(tmp_path)
    assert "recipes" in str(refused.value) and "\n" not in str(refused.value)
    assert path.read_bytes() == original  # no studykit tables, no WAL, no user_version
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_an_empty_file_becomes_a_progress_database(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"")
    with ProgressStore.open(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION


def test_a_versioned_file_without_studykits_tables_is_not_migrated(tmp_path):
    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE notes (body TEXT)")
        raw.execute("PRAGMA user_version = 2")
    raw.close()
    original = path.read_bytes()
    with pytest.raises(StoreError, match=r"table card, lab_run, review(, sqlite_sequence)? is"):
        ProgressStore.open(tmp_path)
    assert path.read_bytes() == original


class FullDisk:
    """sqlite on a full disk, as seen on a full tmpfs: opening for writing, and even mode=ro,
    fails with SQLITE_IOERR_SHMSIZE (the -shm index cannot grow); only immutable=1 reads."""

    def __init__(self, monkeypatch, free: int = 0):
        connect = sqlite3.connect

        def connect_on_a_full_disk(database, *args, **kwargs):
            db = connect(database, *args, **kwargs)
            if "immutable=1" in str(database) or database == ":memory:":
                return db
            return FullDisk.Failing(db)

        monkeypatch.setattr(sqlite3, "connect", connect_on_a_full_disk)
        monkeypatch.setattr(
            "studykit.study.database.shutil.disk_usage",
            lambda folder: types.SimpleNamespace(free=free),
        )

    class Failing:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql.startswith("PRAGMA busy_timeout"):
                return self.db.execute(sql, *args)
            error = sqlite3.OperationalError("disk I/O error")
            error.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"
            raise error

        def __getattr__(self, name):
            return getattr(self.db, name)


def test_a_full_disk_is_named_and_the_database_not_blamed(tmp_path, monkeypatch):
    ProgressStore.open(tmp_path).close()
    FullDisk(monkeypatch)
    with pytest.raises(StoreError, match="the disk is full; free space") as full:
        ProgressStore.open(tmp_path)
    assert "move it aside" not in str(full.value) and "not a usable" not in str(full.value)


def test_an_io_error_with_room_on_the_disk_is_not_called_a_full_disk(tmp_path, monkeypatch):
    ProgressStore.open(tmp_path).close()
    FullDisk(monkeypatch, free=5_000_000_000)
    with pytest.raises(StoreError) as failed:
        ProgressStore.open(tmp_path)
    assert "disk is full" not in str(failed.value)


def test_a_full_disk_still_lets_a_reader_read(tmp_path, monkeypatch):
    with studied_store(tmp_path) as store:
        expected = snapshot(store)
    FullDisk(monkeypatch)
    with ProgressStore.open(tmp_path, read_only=True) as reader:
        assert reader.read_only
        assert snapshot(reader) == expected
        with pytest.raises(StoreError, match="opened read-only.*nothing was saved"):
            reader.reset()


def test_a_reader_does_not_skip_changes_still_in_the_write_ahead_log(tmp_path, monkeypatch):
    studied_store(tmp_path).close()
    # A session killed before its WAL was checkpointed leaves committed rows in the -wal file,
    # which an immutable read would not see: better no figures than figures missing reviews.
    (tmp_path / f"{DB_NAME}-wal").write_bytes(b"\0" * 4096)
    FullDisk(monkeypatch)
    with pytest.raises(StoreError, match="the disk is full; free space"):
        ProgressStore.open(tmp_path, read_only=True)


def test_a_newer_schema_is_refused(tmp_path):
    ProgressStore.open(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this studykit"):
        ProgressStore.open(tmp_path)


def test_an_unwritable_place_is_not_blamed_on_the_database(tmp_path):
    # Nothing here is a broken database, so nothing may say "move it aside".
    (tmp_path / "a-file").write_text("")
    # the reason in brackets is the system's (strerror), not ours to pin
    with pytest.raises(StoreError, match=r"a-file: cannot create the data folder \(.+\)"):
        ProgressStore.open(tmp_path / "a-file")
    (tmp_path / "data" / DB_NAME).mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(StoreError, match="cannot open the progress database for writing") as error:
        ProgressStore.open(tmp_path / "data")
    assert "move it aside" not in str(error.value)


def test_a_database_locked_by_another_program_is_not_called_unusable(tmp_path, monkeypatch):
    ProgressStore.open(tmp_path).close()
    monkeypatch.setattr("studykit.study.database.BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another session holds the write lock
    try:
        with pytest.raises(StoreError, match="another program kept the progress database locked"):
            ProgressStore.open(tmp_path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    ProgressStore.open(tmp_path).close()  # and the file was fine all along


def test_opening_waits_while_another_process_creates_the_same_file(tmp_path, monkeypatch):
    # sqlite answers "database is locked" to journal_mode=WAL at once, without the busy
    # timeout, while a second process creates the file: opening must wait, not fail.
    connect, refusals = sqlite3.connect, []

    class BusyAtFirst:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql == "PRAGMA journal_mode = WAL" and len(refusals) < 3:
                refusals.append(sql)
                busy = sqlite3.OperationalError("database is locked")
                busy.sqlite_errorname = "SQLITE_BUSY"
                raise busy
            return self.db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: BusyAtFirst(connect(*a, **kw)))
    with ProgressStore.open(tmp_path) as store:
        assert len(refusals) == 3 and store.all_progress() == {}


def test_a_database_missing_a_table_is_one_clear_error(tmp_path):
    ProgressStore.open(tmp_path).close()
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        raw.execute("DROP TABLE review")
    with pytest.raises(StoreError, match=r"not a usable .*\(table review is missing\); move it"):
        ProgressStore.open(tmp_path)


def test_migrates_a_version_1_database_and_keeps_its_data(tmp_path):
    path = tmp_path / DB_NAME
    with ProgressStore(path, target_version=1) as old:
        assert old.schema_version == 1
        session = StudySession(old, [make_deck()], now=NOON, seed=1)
        session.rate(session.next(), Rating.Good, 1500)
        progress = old.all_progress()
        tables = {r[0] for r in old._query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "lab_run" not in tables
    with ProgressStore(path) as new:
        assert new.schema_version == SCHEMA_VERSION
        assert {k: v.to_json() for k, v in new.all_progress().items()} == {
            k: v.to_json() for k, v in progress.items()
        }
        assert len(new.reviews()) == 1
        record_lab_run(new, "basics-fc", {"lab": "x", "methods": {}}, now=NOON)
        assert len(new.lab_runs("basics-fc")) == 1


# --- lab runs ---


def test_record_lab_run_keeps_the_summary_without_curves(store):
    result = {
        "lab": "prompt-vs-prefix",
        "seed": 0,
        "interrupted": False,
        "claims": [{"text": "prefix beats prompt", "holds": True}],
        "methods": {"prefix": {"exact_match_after": 0.75, "curve": [{"step": 1, "loss": 2.0}]}},
    }
    record_lab_run(store, "basics-mcq", result, now=NOON)
    [run] = store.lab_runs("basics-mcq")
    assert run.ran_at == NOON
    assert run.summary["methods"] == {"prefix": {"exact_match_after": 0.75}}
    assert run.summary["claims"] == result["claims"]


# --- concurrency and crashes ---


def test_two_sessions_writing_at_once_corrupt_nothing(tmp_path):
    drivers = [run_driver(tmp_path, f"deck{i}", 120, seed=i) for i in range(2)]
    for driver in drivers:
        out, err = driver.communicate(timeout=120)
        assert driver.returncode == 0, err
        assert out.splitlines()[-1] == "rated 120"
    with ProgressStore.open(tmp_path) as store:
        assert store.integrity_check() == "ok"
        reviews = store.reviews()
        assert len(reviews) == 240
        assert {r.deck_id for r in reviews} == {"deck0", "deck1"}
        # every card's stored state is the one its last review produced
        progress = store.all_progress()
        for card_id, p in progress.items():
            last = store.reviews(card_id=card_id)[-1]
            assert p.fsrs_card.to_dict() == last.fsrs_after.to_dict()


def test_sigkill_loses_at_most_the_review_in_flight(tmp_path):
    driver = run_driver(tmp_path, "crash", 0, seed=7)
    for line in driver.stdout:  # let it get well into the session, then kill it mid-flight
        if int(line.split()[1]) >= 60:
            break
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=30)
    assert driver.returncode == -signal.SIGKILL
    # The last line the driver managed to print is the last rating it saw committed.
    confirmed = int(([line, *driver.stdout.read().splitlines()])[-1].split()[1])
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = raw.execute("SELECT COUNT(*) FROM review").fetchone()[0]
    # Every confirmed rating is stored. The one in flight is either fully there (killed between
    # commit and print) or fully absent (killed before its commit).
    assert confirmed <= stored <= confirmed + 1
    with ProgressStore.open(tmp_path) as store:
        for card_id, p in store.all_progress().items():
            assert p.fsrs_card.to_dict() == store.reviews(card_id=card_id)[-1].fsrs_after.to_dict()


# --- export, import, reset ---


def studied_store(data_dir: Path) -> ProgressStore:
    clock = FakeClock()
    deck = make_deck("ex", topics=[{"id": "ex-t", "title": "T"}], cards=flashcards("ex", "ex-t", 6))
    store = ProgressStore.open(data_dir)
    for studied in (deck, make_deck()):
        session = StudySession(store, [studied], now=clock, seed=3)
        for i in range(10):
            session.rate(session.next(), Rating.Again if i % 3 == 0 else Rating.Good, 1000 + i)
            clock.advance(minutes=7)
    session.suspend("basics-short")
    record_lab_run(store, "ex-000", {"lab": "demo", "methods": {}}, now=clock.moment)
    return store


def snapshot(store: ProgressStore) -> dict:
    data = export_progress(store, exported_at=NOON)
    data["reviews"] = sorted(data["reviews"], key=lambda r: r["uid"])
    data["cards"] = sorted(data["cards"], key=lambda c: c["card_id"])
    return data


def test_export_import_round_trip_is_exact_and_idempotent(tmp_path):
    with studied_store(tmp_path / "a") as source, ProgressStore.open(tmp_path / "b") as target:
        exported = json.loads(json.dumps(export_progress(source, exported_at=NOON)))
        report = import_progress(target, exported)
        assert (report.cards, report.reviews, report.lab_runs) == (
            len(exported["cards"]),
            20,
            1,
        )
        assert snapshot(target) == snapshot(source)
        again = import_progress(target, exported)
        assert (again.cards, again.reviews, again.lab_runs) == (0, 0, 0)
        assert snapshot(target) == snapshot(source)


def test_import_merges_and_keeps_the_newer_card_state(tmp_path):
    with studied_store(tmp_path / "a") as source, ProgressStore.open(tmp_path / "b") as target:
        exported = export_progress(source, exported_at=NOON)
        import_progress(target, exported)
        # the target studies one more card later; re-importing the old export must not undo it
        later = FakeClock(NOON.replace(day=20))
        deck = make_deck(
            "ex", topics=[{"id": "ex-t", "title": "T"}], cards=flashcards("ex", "ex-t", 6)
        )
        session = StudySession(target, [deck], now=later)
        shown = session.next()
        session.rate(shown, Rating.Easy, 900)
        newer = target.progress(shown.card.id).to_json()
        report = import_progress(target, exported)
        assert report.cards == 0
        assert target.progress(shown.card.id).to_json() == newer
        assert len(target.reviews()) == 21


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a studykit progress export"),
        ({"format": "studykit-progress", "version": 99}, "version 99 is not supported"),
        ({"format": "studykit-progress", "version": 1, "reviews": [{"uid": "x"}]}, r"reviews\[0\]"),
    ],
)
def test_import_rejects_bad_files_with_one_line(store, data, message):
    with pytest.raises(StoreError, match=message) as info:
        import_progress(store, data, source="backup.json")
    assert str(info.value).startswith("backup.json: ") and "\n" not in str(info.value)
    assert store.reviews() == []


def test_reset_one_deck_or_everything(tmp_path):
    with studied_store(tmp_path) as store:
        decks = {r.deck_id for r in store.reviews()}
        assert decks == {"ex", "basics"}
        assert store.deck_ids() == ["basics", "ex"]
        ex_cards = {r.card_id for r in store.reviews() if r.deck_id == "ex"}
        assert store.reset("ex") == len(ex_cards) > 0
        assert {r.deck_id for r in store.reviews()} == {"basics"}
        assert store.lab_runs() == []
        assert all(p.deck_id == "basics" for p in store.all_progress().values())
        store.reset()
        assert store.all_progress() == {} and store.reviews() == []


def test_a_card_removed_from_its_deck_keeps_its_history(store):
    deck = make_deck()
    session = StudySession(store, [deck], now=NOON, seed=0)
    shown = session.next()
    session.rate(shown, Rating.Good, 1000)
    smaller = deck.model_copy(update={"cards": [c for c in deck.cards if c.id != shown.card.id]})
    session = StudySession(store, [smaller], now=NOON, seed=0)
    session.rate(session.next(), Rating.Good, 1000)
    assert store.progress(shown.card.id) is not None
    assert len(store.reviews(card_id=shown.card.id)) == 1


def test_editing_a_cards_text_keeps_its_progress(store):
    deck = make_deck("ed", topics=[{"id": "ed-t", "title": "T"}], cards=flashcards("ed", "ed-t", 1))
    session = StudySession(store, [deck], now=NOON)
    session.rate(session.next(), Rating.Easy, 1000)
    edited = make_deck(
        "ed",
        topics=[{"id": "ed-t", "title": "T"}],
        cards=[
            {"id": "ed-000", "kind": "flashcard", "topic": "ed-t", "front": "New?", "back": "B"}
        ],
    )
    assert StudySession(store, [edited], now=NOON).counts().total == 0  # not new again
    assert store.progress("ed-000").reps == 1
