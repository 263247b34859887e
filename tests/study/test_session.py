"""StudySession: queue order, limits, fsrs transitions, undo, suspend/bury, leeches, cram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Rating, State
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.study.scheduler import LEECH_LAPSES, SchedulerSettings
from studykit.study.session import Counts, Scope, StudySession, topic_order
from studykit.study.store import ProgressStore, StoreError, UndoRefused

NO_FUZZ = SchedulerSettings(fuzz=False)


def flash_deck(deck_id="fd", n=5, topic="fd-t"):
    return make_deck(
        deck_id, topics=[{"id": topic, "title": "T"}], cards=flashcards(deck_id, topic, n)
    )


def study_all(session, rating=Rating.Good, limit=500):
    """Rate every card the session offers; returns the card ids in the order shown."""
    shown = []
    while (p := session.next()) is not None:
        shown.append(p.card.id)
        session.rate(p, rating, 4000)
        assert len(shown) < limit, "session never ended"
    return shown


# --- order and limits ---


def prereq_decks():
    # Deck "adv" lists its topic first, but it needs "mid" (another deck), which needs "base".
    adv = make_deck(
        "adv",
        topics=[{"id": "adv-t", "title": "Advanced", "learn_before": ["mid-t"]}],
        cards=flashcards("adv", "adv-t", 2),
    )
    mid = make_deck(
        "mid",
        topics=[
            {"id": "mid-t", "title": "Middle", "learn_before": ["base-t"]},
            {"id": "base-t", "title": "Base"},
        ],
        cards=flashcards("mid", "mid-t", 2) + flashcards("base", "base-t", 2),
    )
    return [adv, mid]


def test_topic_order_puts_prerequisites_first_across_decks():
    assert topic_order(prereq_decks()) == ["base-t", "mid-t", "adv-t"]


def test_topic_order_survives_a_cycle():
    loop = make_deck(
        "loop",
        topics=[
            {"id": "a", "title": "A", "learn_before": ["b"]},
            {"id": "b", "title": "B", "learn_before": ["a"]},
        ],
        cards=flashcards("loop", "a", 1),
    )
    assert sorted(topic_order([loop])) == ["a", "b"]


def test_new_cards_come_in_prerequisite_order_spread_across_topics(store):
    session = StudySession(store, prereq_decks(), now=NOON, seed=0)
    shown = study_all(session, Rating.Easy)
    # Each topic starts after the topics it builds on, and no topic shows two cards in a row.
    assert shown == ["base-000", "mid-000", "adv-000", "base-001", "mid-001", "adv-001"]


def test_new_card_limit_per_day(store):
    clock = FakeClock()
    deck = flash_deck(n=10)
    session = StudySession(store, [deck], now=clock, new_per_day=3, settings=NO_FUZZ)
    assert session.counts().new == 3
    assert study_all(session, Rating.Easy) == ["fd-000", "fd-001", "fd-002"]
    assert session.counts().total == 0
    # A new session the same day still respects the limit; the next day brings three more.
    assert StudySession(store, [deck], now=clock, new_per_day=3).next() is None
    clock.advance(days=1)
    tomorrow = StudySession(store, [deck], now=clock, new_per_day=3, reviews_per_day=0)
    assert study_all(tomorrow, Rating.Easy) == ["fd-003", "fd-004", "fd-005"]


def test_review_limit_per_day(store):
    clock = FakeClock()
    deck = flash_deck(n=5)
    study_all(StudySession(store, [deck], now=clock, settings=NO_FUZZ), Rating.Easy)
    clock.advance(days=90)  # every card is due by now
    session = StudySession(store, [deck], now=clock, reviews_per_day=2, settings=NO_FUZZ)
    assert session.counts().review == 2
    assert len(study_all(session, Rating.Good)) == 2
    assert session.counts().review == 0
    assert session.held_back() == Counts(new=0, learning=0, review=3)  # due, beyond the limit


def test_learning_cards_come_back_when_their_step_is_due(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=2)], now=clock, settings=NO_FUZZ)
    assert study_all(session, Rating.Good) == ["fd-000", "fd-001"]
    # Good on a new card moves it to fsrs's 10-minute learning step: nothing is shown early,
    # and the session says when the next one is due.
    assert session.next() is None and session.counts().learning == 2
    assert session.next_due() == NOON + timedelta(minutes=10)
    clock.advance(minutes=10)
    assert study_all(session, Rating.Good) == ["fd-000", "fd-001"]
    assert all(p.state == State.Review for p in store.all_progress().values())
    assert session.next_due() is None  # nothing more today


def test_next_returns_the_same_showing_until_rated(store):
    session = StudySession(store, [make_deck()], now=NOON, seed=3)
    first = session.next()
    assert session.next() is first


# --- fsrs transitions ---


def test_scheduling_transitions_through_every_state(store):
    clock = FakeClock()
    deck = flash_deck(n=1)
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)

    def rate(rating):
        p = session.next()
        assert p is not None and p.card.id == "fd-000"
        session.rate(p, rating, 2500)
        return store.progress("fd-000")

    after = rate(Rating.Good)
    assert (after.state, after.fsrs_card.step) == (State.Learning, 1)
    assert after.due == clock.moment + timedelta(minutes=10)
    clock.advance(minutes=10)
    after = rate(Rating.Good)
    assert after.state == State.Review
    interval = after.due - clock.moment
    assert interval >= timedelta(days=1)
    clock.moment = after.due
    after = rate(Rating.Again)
    assert (after.state, after.lapses) == (State.Relearning, 1)
    assert after.due == clock.moment + timedelta(minutes=10)
    clock.advance(minutes=10)
    after = rate(Rating.Good)
    assert after.state == State.Review and after.reps == 4
    kinds = [r.kind for r in store.reviews(card_id="fd-000")]
    assert kinds == ["new", "learning", "review", "relearning"]
    assert [r.duration_ms for r in store.reviews()] == [2500] * 4


def test_desired_retention_changes_intervals(tmp_path):
    intervals = {}
    for retention in (0.8, 0.95):
        with ProgressStore.open(tmp_path / str(retention)) as store:
            settings = SchedulerSettings(desired_retention=retention, fuzz=False)
            session = StudySession(store, [flash_deck(n=1)], now=NOON, settings=settings)
            session.rate(session.next(), Rating.Easy, 1000)
            intervals[retention] = store.progress("fd-000").due - NOON
    assert intervals[0.8] > intervals[0.95]


def test_rating_is_committed_before_rate_returns(store):
    session = StudySession(store, [make_deck()], now=NOON, seed=1)
    shown = session.next()
    verdict = session.answer(shown, None) if shown.card.kind != "flashcard" else None
    session.rate(shown, Rating.Again, 1234, verdict)
    with ProgressStore(store.path) as other:  # a second connection sees it at once
        [review] = other.reviews()
        assert (review.card_id, review.rating, review.duration_ms) == (
            shown.card.id,
            Rating.Again,
            1234,
        )
        assert other.progress(shown.card.id).fsrs_card is not None


def test_answer_grades_the_shown_card_in_original_indexes(store):
    deck = make_deck()
    session = StudySession(store, [deck], now=NOON, scope=Scope(topic="basics-t1"), seed=2)
    session.rate(session.next(), Rating.Good, 1000)  # the flashcard comes first
    shown = session.next()
    assert shown.card.kind == "mcq"
    assert session.answer(shown, shown.card.correct_index).correct
    assert not session.answer(
        shown, shown.order[0] if shown.order[0] != 1 else shown.order[1]
    ).correct
    assert store.reviews()[0].correct is None  # a flashcard is self-rated: no verdict stored


# --- undo ---


def test_undo_restores_state_and_deletes_the_review(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=2)], now=clock, settings=NO_FUZZ, seed=5)
    first = session.next()
    session.rate(first, Rating.Good, 1000)
    before = store.progress(first.card.id)
    second = session.next()
    session.rate(second, Rating.Good, 1000)
    clock.advance(minutes=10)
    again = session.next()
    assert again.card.id == first.card.id
    session.rate(again, Rating.Good, 1000)  # graduates
    assert store.progress(first.card.id).state == State.Review

    assert session.undo()
    assert store.progress(first.card.id).to_json() == before.to_json()
    assert len(store.reviews()) == 2
    assert session.next() is again  # the undone card is shown again, same display order

    assert session.undo() and session.undo()
    assert store.all_progress() == {} and store.reviews() == []
    assert session.undo() is None


def test_undo_lifts_a_leech_suspension(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=1)], now=clock, settings=NO_FUZZ)
    _lapse_until_leech(session, store, clock)
    assert store.progress("fd-000").suspended
    assert session.undo()
    restored = store.progress("fd-000")
    assert (restored.lapses, restored.leech, restored.suspended) == (LEECH_LAPSES - 1, False, False)


# --- suspend, bury, leech ---


def test_suspend_and_unsuspend(store):
    session = StudySession(store, [flash_deck(n=2)], now=NOON)
    shown = session.next()
    session.suspend(shown.card.id)
    assert session.counts().new == 1
    assert session.next().card.id != shown.card.id
    session.unsuspend(shown.card.id)
    assert session.counts().new == 2
    assert store.progress(shown.card.id).is_new  # suspending never counted as a review


def test_undo_takes_back_a_suspend_or_bury_and_shows_the_card_again(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=3)], now=clock, settings=NO_FUZZ, seed=1)
    first = session.next()
    session.rate(first, Rating.Good, 1000)
    shown = session.next()
    session.suspend(shown.card.id)
    buried = session.next()
    session.bury(buried.card.id)
    assert session.counts().new == 0
    assert session.undo() == "bury"
    assert session.next() is buried and store.progress(buried.card.id).buried_until is None
    assert session.undo() == "suspend"
    assert session.next() is shown and not store.progress(shown.card.id).suspended
    assert session.counts().new == 2
    assert session.undo() == "rating"  # then the rating before them
    assert store.reviews() == []


def test_an_undo_whose_write_fails_can_be_tried_again(store, monkeypatch):
    session = StudySession(store, [flash_deck(n=3)], now=FakeClock(), settings=NO_FUZZ, seed=1)
    rated = session.next()
    session.rate(rated, Rating.Good, 1000)
    suspended = session.next()
    session.suspend(suspended.card.id)

    def locked(*args, **kwargs):
        raise StoreError("the progress database failed (database is locked)")

    for write in ("save_progress", "undo_review"):
        monkeypatch.setattr(store, write, locked)
    with pytest.raises(StoreError):
        session.undo()  # the suspend's write fails: nothing changes
    assert store.progress(suspended.card.id).suspended
    monkeypatch.undo()
    assert session.undo() == "suspend"  # the same step, not the rating before it
    assert not store.progress(suspended.card.id).suspended
    monkeypatch.setattr(store, "undo_review", locked)
    with pytest.raises(StoreError):
        session.undo()
    monkeypatch.undo()
    assert session.undo() == "rating" and store.reviews() == []


def test_bury_hides_a_card_until_tomorrow(store):
    clock = FakeClock()
    deck = flash_deck(n=2)
    session = StudySession(store, [deck], now=clock)
    session.bury("fd-000")
    assert [p for p in [session.next()]][0].card.id == "fd-001"
    assert StudySession(store, [deck], now=clock).counts().new == 1
    clock.advance(days=1)
    assert StudySession(store, [deck], now=clock).counts().new == 2


def _lapse_until_leech(session, store, clock):
    """Graduate the card, then forget it at each due date until it becomes a leech."""
    for lapse in range(1, LEECH_LAPSES + 1):
        while (p := store.progress("fd-000")) is None or p.state != State.Review:
            shown = session.next()
            assert shown is not None
            session.rate(shown, Rating.Easy, 1000)
        clock.moment = store.progress("fd-000").due
        shown = session.next()
        assert shown is not None and shown.card.id == "fd-000"
        session.rate(shown, Rating.Again, 1000)
        progress = store.progress("fd-000")
        assert progress.lapses == lapse
        assert progress.leech == (lapse == LEECH_LAPSES)
        clock.advance(minutes=10)


def test_a_card_forgotten_eight_times_is_a_suspended_leech(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=1)], now=clock, settings=NO_FUZZ)
    _lapse_until_leech(session, store, clock)
    progress = store.progress("fd-000")
    assert progress.suspended and progress.leech
    clock.advance(days=365)
    assert session.next() is None


def test_again_during_learning_is_not_a_lapse(store):
    clock = FakeClock()
    session = StudySession(store, [flash_deck(n=1)], now=clock, settings=NO_FUZZ)
    for _ in range(LEECH_LAPSES + 2):
        session.rate(session.next(), Rating.Again, 500)
        clock.advance(minutes=1)  # the first learning step
    progress = store.progress("fd-000")
    assert (progress.lapses, progress.leech) == (0, False)


# --- cram and scope ---


def scoped_decks():
    one = make_deck("one")
    two = make_deck(
        "two",
        topics=[{"id": "two-a", "title": "A"}, {"id": "two-b", "title": "B"}],
        cards=[
            {**c, "tags": ["exam"]} if i % 2 else c
            for i, c in enumerate(flashcards("two", "two-a", 4) + flashcards("twob", "two-b", 2))
        ],
    )
    return [one, two]


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(deck="one"), 7),
        (Scope(topic="two-b"), 2),
        (Scope(tag="exam"), 3),
        (Scope(deck="two", tag="exam", topic="two-a"), 2),
        (Scope(), 13),
    ],
)
def test_scope_selects_cards(store, scope, expected):
    assert StudySession(store, scoped_decks(), now=NOON, scope=scope).counts().new == min(
        expected, 20
    )


def test_cram_leaves_scheduling_untouched(store):
    clock = FakeClock()
    decks = scoped_decks()
    study_all(StudySession(store, decks, now=clock, scope=Scope(deck="two")), Rating.Easy)
    progress_before = {k: v.to_json() for k, v in store.all_progress().items()}
    reviews_before = len(store.reviews())

    cram = StudySession(store, decks, now=clock, scope=Scope(topic="two-a"), cram=True, seed=4)
    assert cram.counts().review == 4
    shown = []
    while (p := cram.next()) is not None:
        rating = Rating.Again if p.card.id not in shown else Rating.Good  # each once wrong
        shown.append(p.card.id)
        cram.rate(p, rating, 800)
    assert len(shown) == 8 and sorted(set(shown)) == [f"two-{i:03d}" for i in range(4)]
    assert {k: v.to_json() for k, v in store.all_progress().items()} == progress_before
    cram_rows = store.reviews()[reviews_before:]
    assert len(cram_rows) == 8 and {r.kind for r in cram_rows} == {"cram"}
    assert cram.undo()
    assert len(store.reviews()) == reviews_before + 7
    assert cram.next().card.id == shown[-1]


def test_cram_skips_suspended_cards_and_ignores_limits(store):
    deck = flash_deck(n=30)
    StudySession(store, [deck], now=NOON).suspend("fd-005")
    cram = StudySession(store, [deck], now=NOON, cram=True, new_per_day=0)
    assert len(study_all(cram, Rating.Good)) == 29


def test_undo_never_takes_back_another_sessions_later_rating(tmp_path):
    # Two terminals on one data dir: both rate the same card, then the first presses u.
    clock = FakeClock()
    deck = flash_deck(n=1)
    with ProgressStore.open(tmp_path) as mine, ProgressStore.open(tmp_path) as theirs:
        first = StudySession(mine, [deck], now=clock, settings=NO_FUZZ)
        second = StudySession(theirs, [deck], now=clock, settings=NO_FUZZ)
        first.rate(first.next(), Rating.Good, 1000)
        after_first = mine.progress("fd-000").to_json()
        clock.advance(minutes=10)  # Good's learning step
        second.rate(second.next(), Rating.Again, 1000)
        after_second = mine.progress("fd-000").to_json()
        with pytest.raises(UndoRefused, match="fd-000 was rated in another session since") as no:
            first.undo()
        assert "\n" not in str(no.value)
        # The card keeps the state its whole log implies, and both reviews stay.
        assert mine.progress("fd-000").to_json() == after_second
        assert len(mine.reviews(card_id="fd-000")) == 2
        assert first.undo() is None  # the refused step is dropped, not refused again and again
        assert second.undo() == "rating"  # the later rating's own session can take it back
        assert mine.progress("fd-000").to_json() == after_first


def test_undo_of_a_rating_with_only_a_cram_review_after_it_goes_ahead(tmp_path):
    clock = FakeClock()
    deck = flash_deck(n=1)
    with ProgressStore.open(tmp_path) as mine, ProgressStore.open(tmp_path) as theirs:
        first = StudySession(mine, [deck], now=clock, settings=NO_FUZZ)
        first.rate(first.next(), Rating.Good, 1000)
        cram = StudySession(theirs, [deck], now=clock, cram=True)
        cram.rate(cram.next(), Rating.Good, 1000)  # cram never changes the schedule
        assert first.undo() == "rating"
        assert mine.progress("fd-000") is None
        assert [r.kind for r in mine.reviews()] == ["cram"]
