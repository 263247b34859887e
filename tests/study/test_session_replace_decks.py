"""StudySession.replace_decks: the session goes on with decks reloaded after an edit."""

from __future__ import annotations

from fsrs import Rating
from study_helpers import NOON, flashcards, make_deck

from studykit.study.session import Scope, StudySession


def deck_with(cards):
    return make_deck("rd", topics=[{"id": "rd-t", "title": "T"}], cards=cards)


def test_the_current_card_is_shown_again_as_edited(store):
    cards = flashcards("rd", "rd-t", 3)
    session = StudySession(store, [deck_with(cards)], now=NOON, seed=0)
    shown = session.next()
    edited = [
        dict(c, front="Edited " + c["front"]) if c["id"] == shown.card.id else c for c in cards
    ]
    session.replace_decks([deck_with(edited)])
    again = session.next()
    assert again.card.id == shown.card.id and again.card.front.startswith("Edited ")


def test_a_card_that_left_the_decks_is_skipped_and_ratings_stay(store):
    cards = flashcards("rd", "rd-t", 3)
    session = StudySession(store, [deck_with(cards)], now=NOON, seed=0)
    first = session.next()
    session.rate(first, Rating.Good, 1000)
    shown = session.next()
    session.replace_decks([deck_with([c for c in cards if c["id"] != shown.card.id])])
    assert session.next().card.id != shown.card.id
    assert store.progress(first.card.id) is not None
    assert session.undo() == "rating"  # the first card is still in the decks: undo reaches it


def test_a_cram_queue_drops_cards_that_left(store):
    cards = flashcards("rd", "rd-t", 4)
    session = StudySession(
        store, [deck_with(cards)], now=NOON, cram=True, scope=Scope(deck="rd"), seed=0
    )
    kept = cards[:2]
    session.replace_decks([deck_with(kept)])
    seen = []
    while (shown := session.next()) is not None:
        seen.append(shown.card.id)
        session.rate(shown, Rating.Good, 500)
    assert sorted(seen) == [c["id"] for c in kept]
