"""Which card a session shows next, among the cards it may show now; and which cards are siblings.

The session's queues say what may be shown (learning steps that are due, reviews due today, new
cards within the daily limit), in order of priority. `pick` chooses one so that cards do not give
each other away:
- never the card just shown, while another card could be shown;
- not a card of the topic or sibling group of the last `RECENT` cards shown, while another could
  be, so cards of one topic are spread apart (bg-01, whose answer is the chain rule, is not
  followed by bg-26, "which rule of calculus does backpropagation apply?").

Siblings are cards that answer each other. A deck declares them (`siblings: NAME` on each card,
or several names; or `siblings: topic` on the deck for "cards of one topic"); the deletions of one
cloze card are siblings by themselves, as in Anki; so are the predict cards of one lab (in any
deck), since one run of the lab measures every observable they ask about. As with Anki's "bury
siblings", a sibling of a card seen today waits for another day: new cards by default, reviews
too with `bury_siblings="all"`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from studykit.deck.cloze import ClozeDeletion, StudyCard
from studykit.deck.model import Deck, Predict

RECENT = 2  # the topics of the last this-many cards shown are kept from coming straight back
BURY_CHOICES = ("none", "new", "all")  # which siblings of a card seen today wait for tomorrow


def sibling_groups(deck: Deck, card: StudyCard) -> frozenset[str]:
    """The groups of cards that answer each other `card` belongs to (names local to the deck)."""
    declared = card.card.siblings if isinstance(card, ClozeDeletion) else card.siblings
    groups = {f"{deck.id}/{name}" for name in declared}
    if isinstance(card, ClozeDeletion):
        groups.add(f"{deck.id}/{card.card.id}")  # one cloze card's deletions
    if isinstance(card, Predict):
        groups.add(f"lab:{card.lab.name}")  # one run answers every predict card of the lab
    if deck.siblings == "topic":
        groups.add(f"{deck.id}/topic/{card.topic}")
    return frozenset(groups)


def spacing_keys(deck: Deck, card: StudyCard) -> frozenset[str]:
    """What two cards shown one after the other should not share: a topic, a sibling group."""
    return frozenset(
        {f"topic/{card.topic}", *(f"siblings/{g}" for g in sibling_groups(deck, card))}
    )


def pick(
    candidates: Sequence[str],
    recent: Sequence[str],
    keys_of: Callable[[str], frozenset[str]],
) -> str | None:
    """The first of `candidates` (card ids, by priority) that shares nothing with the last
    `RECENT` cards shown (`recent`, oldest first), else with fewer of them, down to the last one;
    else the first that is not the last card shown; else the last card shown again, when it is
    the only card that can be shown."""
    if not candidates:
        return None
    last = recent[-1] if recent else None
    others = [card_id for card_id in candidates if card_id != last]
    if not others:
        return candidates[0]
    for window in range(min(RECENT, len(recent)), 0, -1):
        near = frozenset().union(*(keys_of(card_id) for card_id in recent[-window:]))
        spaced = next((c for c in others if not keys_of(c) & near), None)
        if spaced is not None:
            return spaced
    return others[0]
