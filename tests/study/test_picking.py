"""The order a session shows cards in: fsrs's learning steps are waited for, the same card never
comes twice in a row while another could be shown, cards of one topic are spread apart, a sibling
of a card seen today waits for another day, and the suggested rating knows the card's history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fsrs import Rating, State
from hypothesis import given, settings
from hypothesis import strategies as st
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.deck.loader import load_deck
from studykit.study.grading import Verdict
from studykit.study.picking import pick, sibling_groups
from studykit.study.scheduler import SchedulerSettings
from studykit.study.session import StudySession
from studykit.study.store import ProgressStore

NO_FUZZ = SchedulerSettings(fuzz=False)
DECKS = Path(__file__).parents[2] / "decks"


def topics_deck(topics: int = 3, per_topic: int = 3, **deck_fields):
    deck = make_deck(
        "tp",
        topics=[{"id": f"tp-{t}", "title": f"Topic {t}"} for t in range(topics)],
        cards=[card for t in range(topics) for card in flashcards(f"tp{t}", f"tp-{t}", per_topic)],
    )
    return deck.model_copy(update=deck_fields) if deck_fields else deck


# --- learning steps ---


def test_again_waits_its_learning_step_and_the_other_learning_cards_come_first(store):
    # The issue: with nothing else due, a card rated Again 20 times came straight back each
    # time while four other learning cards never appeared.
    clock = FakeClock()
    session = StudySession(store, [topics_deck(1, 5)], now=clock, settings=NO_FUZZ)
    for _ in range(5):
        session.rate(session.next(), Rating.Again, 2000)
    assert session.next() is None  # each waits for fsrs's first learning step (1 minute)
    assert session.next_due() == NOON + timedelta(minutes=1)
    clock.advance(minutes=1)
    shown = []
    for _ in range(20):
        card = session.next()
        assert card is not None
        shown.append(card.card.id)
        session.rate(card, Rating.Again, 2000)
        clock.advance(seconds=20)
    assert len(set(shown)) == 5  # every learning card had its turn
    assert all(a != b for a, b in zip(shown, shown[1:], strict=False))


def test_a_forgotten_review_waits_its_relearning_step(store):
    clock = FakeClock()
    deck = topics_deck(1, 1)
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    session.rate(session.next(), Rating.Easy, 2000)  # graduates at once
    clock.advance(days=30)
    review = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    review.rate(review.next(), Rating.Again, 2000)
    assert store.progress("tp0-000").state == State.Relearning
    assert review.next() is None
    assert review.next_due() == clock() + NO_FUZZ.relearning_steps[0]
    clock.advance(minutes=10)
    assert review.next().card.id == "tp0-000"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Rating)), st.integers(0, 700)), max_size=40))
def test_the_same_card_comes_twice_in_a_row_only_when_nothing_else_can_be_shown(
    tmp_path_factory, steps
):
    clock = FakeClock()
    with ProgressStore.open(tmp_path_factory.mktemp("data")) as store:
        session = StudySession(store, [topics_deck(2, 2)], now=clock, settings=NO_FUZZ, seed=1)
        previous = None
        for rating, seconds in steps:
            card = session.next()
            if card is None:
                clock.advance(seconds=seconds + 60)
                continue
            if card.card.id == previous:
                queues = session._queues(clock())
                assert queues.learning + queues.review + queues.new == [previous]
            previous = card.card.id
            session.rate(card, rating, 1000)
            clock.advance(seconds=seconds)


# --- spacing within a session ---


def test_cards_of_one_topic_are_spread_apart(store):
    session = StudySession(store, [topics_deck(3, 3)], now=NOON, settings=NO_FUZZ)
    shown = []
    while (card := session.next()) is not None:
        shown.append(card.card.id)
        session.rate(card, Rating.Easy, 2000)
    topics = [card_id[:3] for card_id in shown]
    assert topics == ["tp0", "tp1", "tp2"] * 3


def test_pick_prefers_priority_then_spacing_and_shows_the_last_card_only_when_alone():
    keys = {c: frozenset({c[0]}) for c in ("a1", "a2", "a3", "b1", "b2")}.__getitem__
    assert pick([], ["a1"], keys) is None
    assert pick(["a1"], ["a1"], keys) == "a1"  # nothing else can be shown
    assert pick(["a1", "a2"], ["a1"], keys) == "a2"  # never twice in a row
    assert pick(["a2", "b1"], ["a1"], keys) == "b1"  # not the topic just seen
    # Both topics seen in the last two: at least not the topic of the last one.
    assert pick(["a2", "b2"], ["b1", "a1"], keys) == "b2"
    assert pick(["a2", "a3"], ["b1", "a1"], keys) == "a2"  # nothing else: priority


# --- siblings ---


def sibling_deck():
    cards = flashcards("sb", "sb-t", 4)
    cards[0]["siblings"] = "chain-rule"  # sb-000 gives sb-003's answer away
    cards[3]["siblings"] = "chain-rule"
    return make_deck("sb", topics=[{"id": "sb-t", "title": "T"}], cards=cards)


def test_a_sibling_of_a_card_seen_today_waits_for_another_day(store):
    clock = FakeClock()
    deck = sibling_deck()
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    seen = []
    while (card := session.next()) is not None:
        seen.append(card.card.id)
        session.rate(card, Rating.Easy, 2000)
    assert seen == ["sb-000", "sb-001", "sb-002"]
    assert session.siblings_waiting() == 1
    assert StudySession(store, [deck], now=clock).next() is None  # another session, same day
    clock.advance(days=1)
    tomorrow = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    assert tomorrow.next().card.id == "sb-003"


def test_burying_siblings_is_a_setting(store):
    deck = sibling_deck()
    session = StudySession(store, [deck], now=NOON, settings=NO_FUZZ, bury_siblings="none")
    shown = []
    while (card := session.next()) is not None:
        shown.append(card.card.id)
        session.rate(card, Rating.Easy, 2000)
    assert sorted(shown) == ["sb-000", "sb-001", "sb-002", "sb-003"]
    with pytest.raises(ValueError, match="bury_siblings is one of none, new, all"):
        StudySession(store, [deck], bury_siblings="some")


def test_reviews_of_siblings_wait_only_with_all(store):
    clock = FakeClock()
    deck = sibling_deck()
    everything = StudySession(store, [deck], now=clock, settings=NO_FUZZ, bury_siblings="none")
    while (card := everything.next()) is not None:
        everything.rate(card, Rating.Easy, 2000)
    clock.advance(days=60)  # every card is due for review
    new_only = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    first = new_only.next()
    new_only.rate(first, Rating.Good, 2000)
    assert new_only.counts().review == 3  # reviews of its sibling still come (the default)
    strict = StudySession(store, [deck], now=clock, settings=NO_FUZZ, bury_siblings="all")
    assert strict.counts().review == 2 and strict.siblings_waiting() == 1


def test_a_deck_may_make_the_cards_of_each_topic_siblings(store):
    deck = topics_deck(2, 2, siblings="topic")
    session = StudySession(store, [deck], now=NOON, settings=NO_FUZZ)
    shown = []
    while (card := session.next()) is not None:
        shown.append(card.card.id)
        session.rate(card, Rating.Easy, 2000)
    assert shown == ["tp0-000", "tp1-000"]  # one card per topic today
    assert session.siblings_waiting() == 2


def predict_card(card_id: str, lab: str, observe: str) -> dict:
    return {
        "id": card_id,
        "kind": "predict",
        "topic": "pr-t",
        "lab": {"name": lab},
        "question": f"What will {observe} be?",
        "observe": observe,
        "choices": [{"text": "Up", "value": "up"}, {"text": "Down", "value": "down"}],
    }


def test_predict_cards_of_one_lab_are_siblings(store):
    # The issue: bg-p1, bg-p2 and bg-p3 (all on lab gradient-descent) came back to back, and
    # one run of the lab answers all three.
    cards = [
        predict_card("pr-1", "lab-a", "loss"),
        predict_card("pr-2", "lab-a", "winner"),
        predict_card("pr-3", "lab-b", "loss"),
        *flashcards("pr", "pr-t", 1),
    ]
    deck = make_deck("pr", topics=[{"id": "pr-t", "title": "T"}], cards=cards)
    session = StudySession(store, [deck], now=NOON, settings=NO_FUZZ)
    seen = []
    while (card := session.next()) is not None:
        seen.append(card.card.id)
        session.rate(card, Rating.Easy, 2000)
    assert seen == ["pr-1", "pr-3", "pr-000"]  # pr-2 shares pr-1's lab
    assert session.siblings_waiting() == 1


def test_a_card_that_states_a_predict_cards_answer_is_its_sibling():
    # bg-30's front says a soft prompt at the same η keeps improving: bg-p1's answer.
    deck = load_deck(DECKS / "backprop-and-gradient-descent.yaml")
    cards = {card.id: card for card in deck.cards}
    groups = {card_id: sibling_groups(deck, cards[card_id]) for card_id in ("bg-30", "bg-p1")}
    assert groups["bg-30"] & groups["bg-p1"]
    assert sibling_groups(deck, cards["bg-p1"]) & sibling_groups(deck, cards["bg-p2"])


# --- the suggested rating knows the card ---


def test_easy_is_suggested_only_for_a_card_already_known(store):
    clock = FakeClock()
    deck = topics_deck(1, 1)
    session = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    fast_and_right = Verdict(True, 1.0, [], "x", "mcq")
    card = session.next()
    assert session.suggest(card, fast_and_right, 1000).rating == Rating.Good  # first sight
    session.rate(card, Rating.Good, 1000)
    clock.advance(minutes=10)
    card = session.next()
    assert session.suggest(card, fast_and_right, 1000).rating == Rating.Good  # still learning
    session.rate(card, Rating.Good, 1000)  # graduates
    clock.advance(days=5)
    review = StudySession(store, [deck], now=clock, settings=NO_FUZZ)
    card = review.next()
    assert review.suggest(card, fast_and_right, 1000).rating == Rating.Easy  # known, fast
    review.rate(card, Rating.Again, 1000)  # a lapse today
    clock.advance(minutes=10)
    card = review.next()
    review.rate(card, Rating.Good, 1000)  # relearned: in Review again, the same day
    assert store.progress(card.card.id).state == State.Review
    suggestion = review.suggest(card, fast_and_right, 1000)
    assert (suggestion.rating, suggestion.why) == (
        Rating.Good,
        "right, but forgotten earlier today",
    )
