"""A cloze card is studied as one card per deletion number, each with its own stable progress."""

from __future__ import annotations

import pytest
from fsrs import Rating
from study_helpers import NOON, make_deck

from studykit.deck.cloze import ClozeDeletion
from studykit.study.grading import NotGradable, grade
from studykit.study.session import StudySession, deck_overview
from studykit.study.stats import compute_stats

CLOZE = {
    "id": "cz-1",
    "kind": "cloze",
    "topic": "cz-t1",
    "text": "Prompt tuning trains {{c1::k·d}} numbers and keeps the model {{c2::frozen}}.",
    "accept": {"c1": ["k*d", "kd"]},
    "explanation": "A k × d matrix is the only trainable tensor.",
}


def cloze_deck():
    return make_deck("cz", cards=[CLOZE])


def test_each_deletion_is_a_card_keyed_card_id_and_number(store):
    deck = cloze_deck()
    session = StudySession(store, [deck], now=NOON, seed=1)
    assert session.counts().new == 2
    shown = session.next()
    assert isinstance(shown.card, ClozeDeletion)
    assert shown.card.id == "cz-1::c1"
    verdict = session.answer(shown, "  K*D ")
    assert verdict.correct and verdict.kind == "cloze"
    session.rate(shown, Rating.Good, 4_000, verdict)
    assert store.progress("cz-1::c1") is not None
    assert store.progress("cz-1::c2") is None
    # c2 is c1's sibling: it waits for another day, as Anki buries a note's other new cards.
    assert session.next() is None and session.siblings_waiting() == 1
    showing_siblings = StudySession(store, [deck], now=NOON, seed=1, bury_siblings="none")
    assert showing_siblings.next().card.id == "cz-1::c2"
    (summary,) = deck_overview(store, [deck], now=NOON)
    assert (summary.total, summary.new) == (2, 1)
    assert compute_stats(store, [deck], now=NOON).cards_seen == 1


def test_a_typed_cloze_answer_is_graded_like_a_short_answer():
    c1, c2 = cloze_deck().study_cards()
    assert grade(c1, "k·d").correct
    wrong = grade(c1, "k+d")
    assert not wrong.correct and wrong.expected == "k·d"
    assert wrong.feedback == [r"Also accepted: k\*d, kd"]  # card text: the * is literal
    assert grade(c2, "Frozen").correct
    assert not grade(c2, None).correct  # "don't know"
    with pytest.raises(NotGradable, match=r"cz-1::c2 \(cloze\) expects the typed text"):
        grade(c2, 3)


def test_editing_a_cloze_text_keeps_progress_of_its_numbers(store):
    deck = cloze_deck()
    session = StudySession(store, [deck], now=NOON, seed=1)
    shown = session.next()
    session.rate(shown, Rating.Good, 4_000, session.answer(shown, "kd"))
    edited = make_deck(
        "cz", cards=[CLOZE | {"text": "Prompt tuning learns {{c1::k·d}} values; {{c2::frozen}}."}]
    )
    again = StudySession(store, [edited], now=NOON, seed=1, bury_siblings="none")
    assert again.next().card.id == "cz-1::c2"  # c1 was seen; the edit kept its progress
