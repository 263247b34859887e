"""`progress_io.import_progress` on edited, poisoned and hostile exports.

An export becomes the schedule of every session after it, so every field is checked before
anything is stored: a bad file is refused in one line naming the entry and the field, and leaves
the database as it was. A card state wins a merge only when the merged review log backs it.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import timedelta

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.study.clock import format_ts, utc_now
from studykit.study.progress_io import export_progress, import_progress
from studykit.study.session import StudySession
from studykit.study.stats import compute_stats
from studykit.study.store import DB_NAME, ProgressStore, StoreError

DECK = make_deck("ex", topics=[{"id": "ex-t", "title": "T"}], cards=flashcards("ex", "ex-t", 6))
FOREVER = "9999-12-31T23:59:59.999999+00:00"


def study(store: ProgressStore, clock: FakeClock, ratings: int = 8) -> None:
    session = StudySession(store, [DECK], now=clock, seed=3)
    for i in range(ratings):
        shown = session.next()
        if shown is None:
            break
        session.rate(shown, Rating.Again if i % 3 == 0 else Rating.Good, 1000 + i)
        clock.advance(minutes=7)


def exported(tmp_path, name: str = "source") -> dict:
    """A genuine export: six cards studied for about an hour."""
    with ProgressStore.open(tmp_path / name) as store:
        study(store, FakeClock())
        return json.loads(json.dumps(export_progress(store, exported_at=NOON)))


def state_of(store: ProgressStore) -> dict:
    data = export_progress(store, exported_at=NOON)
    return {
        "cards": sorted(data["cards"], key=lambda c: c["card_id"]),
        "reviews": sorted(data["reviews"], key=lambda r: r["uid"]),
        "lab_runs": data["lab_runs"],
    }


def refused(store: ProgressStore, data: dict, *expected: str) -> str:
    """Import `data`, which must be refused in one line containing `expected`, changing nothing."""
    before = state_of(store)
    with pytest.raises(StoreError) as error:
        import_progress(store, data, source="backup.json")
    message = str(error.value)
    assert message.startswith("backup.json: ") and "\n" not in message, message
    for part in expected:
        assert part in message, message
    assert state_of(store) == before
    return message


@pytest.fixture
def target(tmp_path):
    with ProgressStore.open(tmp_path / "target") as store:
        yield store


# --- poisoned card states -----------------------------------------------------------------------


def test_a_card_state_dated_in_the_year_9999_is_refused(tmp_path, target):
    genuine = exported(tmp_path)
    poisoned = copy.deepcopy(genuine)
    for card in poisoned["cards"]:
        card["updated_at"] = FOREVER
        card["fsrs"]["due"] = FOREVER
    refused(target, poisoned, "cards[0]", "card ex-", "updated_at", "after the time of import")
    report = import_progress(target, genuine)  # and the genuine backup still imports in full
    assert report.cards == len(genuine["cards"])


def test_a_newer_card_state_the_review_log_does_not_back_loses_the_merge(tmp_path, target):
    genuine = exported(tmp_path)
    import_progress(target, genuine)
    forged = copy.deepcopy(genuine)
    card = forged["cards"][0]
    card["updated_at"] = format_ts(utc_now())  # newer than anything, yet not in the future
    card["fsrs"]["due"] = format_ts(utc_now() + timedelta(days=3650))  # "see you in ten years"
    before = target.progress(card["card_id"]).to_json()
    report = import_progress(target, forged)
    assert report.cards == 0
    assert report.skipped == {
        "card states the review log does not back": 1,
        "card states already present": len(genuine["cards"]) - 1,
        "reviews already present": len(genuine["reviews"]),
    }
    assert target.progress(card["card_id"]).to_json() == before


def test_a_card_state_from_another_device_wins_when_its_log_is_newer(tmp_path):
    clock = FakeClock()
    with ProgressStore.open(tmp_path / "laptop") as laptop:
        study(laptop, clock)
        backup = export_progress(laptop, exported_at=clock.moment)
        with ProgressStore.open(tmp_path / "desktop") as desktop:
            import_progress(desktop, backup)
            clock.advance(days=2)
            study(desktop, clock, ratings=3)  # the desktop goes on
            later = export_progress(desktop, exported_at=clock.moment)
        report = import_progress(laptop, later)
        assert report.cards >= 1 and report.reviews == 3
        for card_id, progress in laptop.all_progress().items():
            log = [r for r in laptop.reviews(card_id=card_id) if r.kind != "cram"]
            assert progress.fsrs_card.to_dict() == log[-1].fsrs_after.to_dict()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("step", "abc", "fsrs.step"),
        ("stability", -5, "fsrs.stability"),
        ("stability", float("nan"), "fsrs.stability"),
        ("difficulty", 11, "fsrs.difficulty"),
        ("state", 7, "fsrs.state"),
        ("due", "2025-03-10T12:00:00", "fsrs.due: needs a UTC offset"),
        ("last_review", FOREVER, "fsrs.last_review"),
        ("card_id", "x", "fsrs.card_id"),
    ],
)
def test_a_bad_fsrs_field_is_refused_naming_it(tmp_path, target, field, value, words):
    data = exported(tmp_path)
    entry = next(i for i, c in enumerate(data["cards"]) if c["fsrs"]["state"] == 1)
    data["cards"][entry]["fsrs"][field] = value
    data["cards"][entry]["updated_at"] = format_ts(utc_now())
    refused(target, data, f"cards[{entry}]", words)


# --- edited exports (issue 15 item 12) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field", "value", "words"),
    [
        ("reviews", "reviewed_at", "9999-12-31T23:59:59.999999-01:00", "reviewed_at"),
        ("reviews", "duration_ms", 10**30, "duration_ms: must be a whole number"),
        ("reviews", "duration_ms", -5, "duration_ms: must be a whole number"),
        ("reviews", "correct", "maybe", "correct: must be true, false or null"),
        ("reviews", "rating", 5, "rating"),
        ("reviews", "rating", True, "rating"),
        ("reviews", "score", 1.5, "score"),
        ("reviews", "kind", "sometimes", "kind"),
        ("reviews", "uid", "", "uid"),
        ("cards", "reps", float("inf"), "reps: must be a whole number"),
        ("cards", "reps", 2.0, "reps: must be a whole number"),
        ("cards", "suspended", "yes", "suspended: must be true or false"),
        ("cards", "buried_until", FOREVER, "buried_until"),
        ("cards", "card_id", None, "card_id"),
        ("lab_runs", "ran_at", "yesterday", "ran_at"),
        ("lab_runs", "summary", [1, 2], "summary: must be an object"),
    ],
)
def test_an_edited_field_is_one_line_naming_the_entry(
    tmp_path, target, section, field, value, words
):
    data = exported(tmp_path)
    data["lab_runs"] = [
        {"uid": "run-1", "card_id": "ex-000", "ran_at": format_ts(NOON), "summary": {"lab": "x"}}
    ]
    data[section][0][field] = value
    refused(target, data, f"{section}[0]", words)


def test_a_deeply_nested_summary_is_refused(tmp_path, target):
    data = exported(tmp_path)
    deep: dict = {}
    for _ in range(5000):
        deep = {"x": deep}
    data["lab_runs"] = [
        {"uid": "r", "card_id": "ex-000", "ran_at": format_ts(NOON), "summary": deep}
    ]
    refused(target, data, "lab_runs[0]", "summary", "nested")


def test_a_card_listed_twice_is_refused(tmp_path, target):
    data = exported(tmp_path)
    data["cards"].append(copy.deepcopy(data["cards"][0]))
    refused(target, data, f"cards[{len(data['cards']) - 1}]", "listed twice")


def test_sections_that_are_not_lists_are_refused(tmp_path, target):
    data = exported(tmp_path)
    data["reviews"] = {"uid": "x"}
    refused(target, data, "reviews: must be a list")


# --- nothing is dropped without saying so (item 3) ----------------------------------------------


def test_a_review_the_database_would_refuse_is_not_silently_skipped(target):
    from studykit.study.records import Review

    bad = Review("u1", "ex-000", "ex", NOON, Rating.Good, -5, "new")
    with pytest.raises(StoreError, match="CHECK constraint failed"):
        target.add_review(bad)
    assert target.reviews() == []


def test_entries_for_cards_no_loaded_deck_has_are_skipped_and_counted(tmp_path, target):
    data = exported(tmp_path)
    ghost = copy.deepcopy(data["reviews"][0])
    ghost.update(uid="ghost-review", card_id="ghost-1")
    data["reviews"].append(ghost)
    report = import_progress(target, data, known_cards={c.id for c in DECK.cards})
    assert report.unknown_cards == ["ghost-1"]
    assert report.skipped["entries for cards no loaded deck has"] == 1
    assert target.reviews(card_id="ghost-1") == []
    assert compute_stats(target, [DECK]).cards_seen <= len(DECK.cards)


def test_cards_seen_counts_only_cards_of_the_loaded_decks(tmp_path, target):
    data = exported(tmp_path)
    ghost = copy.deepcopy(data["reviews"][0])
    ghost.update(uid="ghost-review", card_id="ghost-1")
    data["reviews"].append(ghost)
    import_progress(target, data)  # a library caller that knows no decks keeps every entry
    seen = {r["card_id"] for r in data["reviews"] if r["kind"] != "cram"} - {"ghost-1"}
    assert compute_stats(target, [DECK]).cards_seen == len(seen)


# --- a state that cannot be read at study time --------------------------------------------------


def poison_directly(store: ProgressStore, card_id: str, **fsrs_fields) -> None:
    """What an older studykit's import let in: a stored fsrs state fsrs cannot use."""
    row = store._db.execute("SELECT fsrs_json FROM card WHERE card_id = ?", (card_id,)).fetchone()
    state = json.loads(row[0])
    state.update(fsrs_fields)
    store._db.execute(
        "UPDATE card SET fsrs_json = ?, due = ? WHERE card_id = ?",
        (json.dumps(state), format_ts(NOON - timedelta(days=1)), card_id),
    )


@pytest.mark.parametrize("fields", [{"step": "abc"}, {"stability": -5.0, "state": 2, "step": None}])
def test_a_card_state_that_cannot_be_read_is_skipped_not_a_crash(tmp_path, fields):
    clock = FakeClock()
    with ProgressStore.open(tmp_path) as store:
        study(store, clock, ratings=2)
        card_id = store.reviews()[0].card_id
        poison_directly(store, card_id, **fields)
        session = StudySession(store, [DECK], now=clock.moment + timedelta(days=1), seed=3)
        shown = []
        while (p := session.next()) is not None and len(shown) < 50:
            shown.append(p.card.id)
            session.rate(p, Rating.Good, 1000)
        assert card_id not in shown
        assert set(shown) == {c.id for c in DECK.cards} - {card_id}  # the others all came up
        assert list(session.unreadable) == [card_id]
        assert "step" in session.unreadable[card_id] or "stability" in session.unreadable[card_id]
        assert card_id not in store.all_progress()
        with pytest.raises(StoreError, match=f"card {card_id}: its saved progress cannot be read"):
            store.progress(card_id)


# --- any edit of a valid export: imported whole, or refused in one line --------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from([FOREVER, "2025-03-10T12:00:00", "2025-03-10T12:00:00+00:00", "ex-000"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def leaves(data, path=()):
    """Every (path, value) in nested dicts and lists, the containers themselves included."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*path, i))


def mutate(data, path, value, delete: bool):
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def seed_export(tmp_path_factory):
    return exported(tmp_path_factory.mktemp("seed"))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.data())
def test_any_edit_of_an_export_imports_whole_or_is_refused_in_one_line(
    tmp_path_factory, seed_export, choice
):
    data = copy.deepcopy(seed_export)
    places = list(leaves(data))
    edits = choice.draw(st.integers(min_value=1, max_value=3))
    for _ in range(edits):
        places = list(leaves(data)) if isinstance(data, (dict, list)) else [((), data)]
        path, _ = choice.draw(st.sampled_from(places))
        delete = bool(path) and choice.draw(st.booleans())
        data = mutate(data, path, choice.draw(JSON_VALUES), delete)
    folder = tmp_path_factory.mktemp("target")
    with ProgressStore.open(folder) as store:
        clock = FakeClock()
        study(store, clock, ratings=2)  # something of its own, that a refusal must keep
        before = state_of(store)
        try:
            import_progress(store, data, source="backup.json")
        except StoreError as error:
            message = str(error)
            assert message.startswith("backup.json: ") and "\n" not in message, message
            assert state_of(store) == before
            event("refused")
            return
        event("imported")
        # Imported: every stored state can be studied.
        later = clock.moment + timedelta(days=400)
        session = StudySession(store, [DECK], now=later, seed=1)
        for _ in range(20):
            shown = session.next()
            if shown is None:
                break
            session.rate(shown, Rating.Hard, 1000)
        assert session.unreadable == {}
        export_progress(store, exported_at=later)
        with sqlite3.connect(folder / DB_NAME) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
