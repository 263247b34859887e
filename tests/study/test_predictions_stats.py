"""Stats and the card page: how often predictions were right, per lab and per topic, next to
the recall rate of the same cards; and a predict card's past predictions with what was measured."""

from __future__ import annotations

import json

import pytest
from fsrs import Rating
from study_helpers import NOON, FakeClock

from studykit.cli.browse import render_page
from studykit.cli.stats import render
from studykit.deck.model import Deck, Predict
from studykit.lab.results import Observation
from studykit.study.browse import card_page
from studykit.study.predictions import grade_prediction, rate_prediction
from studykit.study.session import StudySession
from studykit.study.stats import compute_stats


def two_topic_deck() -> Deck:
    def predict(card_id: str, topic: str) -> dict:
        return {
            "id": card_id,
            "kind": "predict",
            "topic": topic,
            "lab": "lab-a",
            "question": f"Which for {card_id}?",
            "observe": "winner",
            "choices": [
                {"text": "Prompt", "value": "prompt"},
                {"text": "Prefix", "value": "prefix"},
            ],
        }

    return Deck.model_validate(
        {
            "id": "d",
            "title": "D",
            "description": "d",
            "topics": [{"id": "t1", "title": "Topic one"}, {"id": "t2", "title": "Topic two"}],
            "cards": [predict("p-1", "t1"), predict("p-2", "t2"), predict("p-3", "t2")],
        }
    )


def predict_all(store, deck, answers: dict[str, tuple[str, str]]):
    """Predict each card: (answer, measured); rate as suggested, the Good/Again it suggests."""
    # the cards share one lab, so they are siblings: burying off, to predict them all today
    session = StudySession(store, [deck], now=FakeClock(NOON), bury_siblings="none")
    for _ in deck.cards:
        shown = session.next()
        assert shown is not None and isinstance(shown.card, Predict)
        answer, measured = answers[shown.card.id]
        observation = Observation(measured, detail="0.9 vs 0.1")
        graded = grade_prediction(shown.card, answer, observation, seed=2)
        assert graded.rating is not None
        rate_prediction(session, shown, graded.rating, 3000, graded, reason="more layers")


def test_stats_count_right_predictions_per_lab_and_topic_beside_recall(store):
    deck = two_topic_deck()
    predict_all(
        store,
        deck,
        {"p-1": ("prefix", "prefix"), "p-2": ("prefix", "prompt"), "p-3": ("prompt", "prompt")},
    )
    stats = compute_stats(store, [deck], now=NOON)
    rows = {(p.group, p.name): p for p in stats.predictions}
    lab = rows[("lab", "lab-a")]
    # recall: the ratings of the cards linking lab-a (here, the predict cards themselves)
    assert (lab.predicted, lab.right) == (3, 2) and lab.recall == pytest.approx(2 / 3)
    t2 = rows[("topic", "t2")]
    assert (t2.predicted, t2.right, t2.rate) == (2, 1, 0.5) and t2.recall == 0.5
    assert rows[("topic", "t1")].rate == 1.0 and rows[("topic", "t1")].title == "Topic one"
    shown = render(stats, [0] * 7, 3)
    assert "Predictions right" in shown and "topic Topic two" in shown
    assert "1/2 right   50%" in shown
    data = stats.to_json()
    assert {"group": "topic", "name": "t2", "rate": 0.5}.items() <= data["predictions"][2].items()
    json.dumps(data)


def test_no_predictions_no_section(store, deck):
    stats = compute_stats(store, [deck], now=NOON)
    assert stats.predictions == [] and "Predictions" not in render(stats, [0] * 7, 1)


def test_the_card_page_shows_past_predictions_with_what_was_measured(store):
    deck = two_topic_deck()
    answers = {c.id: ("prefix", "prompt") for c in deck.cards}
    predict_all(store, deck, answers)
    page = card_page(store, [deck], "p-2", now=NOON)
    (row,) = page.prediction_rows()
    assert row[1:] == ("Prefix", "Prompt (0.9 vs 0.1)", "wrong", "2", "more layers")
    assert page.reviews[0].rating == Rating.Again
    text = render_page(page)
    assert "Predictions" in text and "more layers" in text
    (stored,) = page.to_json()["predictions"]
    assert stored["measured_value"] == "prompt" and stored["correct"] is False
