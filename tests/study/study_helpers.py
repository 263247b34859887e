"""Decks for the study-layer tests, built in code so no file parsing is involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from studykit.deck.model import Deck

# A fixed instant: noon UTC, so tests never depend on the wall clock.
NOON = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def make_deck(deck_id: str = "basics", *, topics=None, cards=None) -> Deck:
    """A deck with one card of every kind on topic `t1` unless `topics`/`cards` are given."""
    topics = topics or [{"id": f"{deck_id}-t1", "title": "Topic one"}]
    topic = topics[0]["id"]
    cards = cards or [
        {"id": f"{deck_id}-fc", "kind": "flashcard", "topic": topic, "front": "Q", "back": "A"},
        {
            "id": f"{deck_id}-mcq",
            "kind": "mcq",
            "topic": topic,
            "question": "Which one trains only a soft prompt?",
            "choices": [
                {"text": "Full fine-tuning", "why": "That updates every weight."},
                {"text": "Prompt tuning", "why": "Only the prompt embeddings train."},
                "Prefix tuning",
                "LoRA",
            ],
            "answer": "B",
        },
        {
            "id": f"{deck_id}-multi",
            "kind": "multi",
            "topic": topic,
            "question": "Which keep the base model frozen?",
            "choices": [
                {"text": "Prompt tuning", "why": "Only the soft prompt trains."},
                "Prefix tuning",
                {"text": "Full fine-tuning", "why": "It updates all weights."},
                "Training from scratch",
            ],
            "answers": ["A", "B"],
        },
        {
            "id": f"{deck_id}-tf",
            "kind": "true_false",
            "topic": topic,
            "statement": "Prefix tuning adds trainable keys and values at every layer.",
            "answer": True,
            "why_true": "Yes: a per-layer key/value prefix.",
            "why_false": "It does touch every layer.",
        },
        {
            "id": f"{deck_id}-match",
            "kind": "matching",
            "topic": topic,
            "prompt": "Match method to what trains",
            "pairs": [
                {"left": "prompt tuning", "right": "input embeddings"},
                {"left": "prefix tuning", "right": "per-layer keys/values"},
                {"left": "full fine-tuning", "right": "all weights"},
            ],
        },
        {
            "id": f"{deck_id}-order",
            "kind": "order",
            "topic": topic,
            "prompt": "Order one training step",
            "steps": ["forward pass", "loss", "backward pass", "optimizer step"],
        },
        {
            "id": f"{deck_id}-short",
            "kind": "short",
            "topic": topic,
            "question": "What algorithm computes the gradients?",
            "answers": ["backpropagation", "backprop"],
        },
    ]
    return Deck.model_validate(
        {
            "id": deck_id,
            "title": deck_id.title(),
            "description": "test deck",
            "topics": topics,
            "cards": cards,
        }
    )


def flashcards(deck_id: str, topic: str, n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"{deck_id}-{i:03d}",
            "kind": "flashcard",
            "topic": topic,
            "front": f"Q{i}",
            "back": f"A{i}",
        }
        for i in range(start, start + n)
    ]


class FakeClock:
    """A clock the test moves by hand: pass `clock` as a session's `now`."""

    def __init__(self, start: datetime = NOON) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
