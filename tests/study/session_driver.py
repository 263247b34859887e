"""Drive a StudySession from a subprocess: rate cards in a loop, print a line per committed rating.

    python session_driver.py DATA_DIR DECK_ID COUNT SEED

COUNT 0 means forever (the crash test kills it). Each printed line ("rated N") is written only
after `rate()` returned, i.e. after the review was committed. Time is simulated: 30 minutes pass
per rating and a day when nothing is due, so cards move through every fsrs state.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from fsrs import Rating
from study_helpers import NOON, FakeClock, flashcards, make_deck

from studykit.study.session import StudySession
from studykit.study.store import ProgressStore


def main(data_dir: str, deck_id: str, count: int, seed: int) -> None:
    deck = make_deck(
        deck_id,
        topics=[{"id": f"{deck_id}-t", "title": "T"}],
        cards=flashcards(deck_id, f"{deck_id}-t", 20),
    )
    rng = random.Random(seed)
    clock = FakeClock(NOON)
    with ProgressStore.open(Path(data_dir)) as store:
        session = StudySession(
            store, [deck], now=clock, new_per_day=10_000, reviews_per_day=10_000, seed=seed
        )
        rated = 0
        while count == 0 or rated < count:
            shown = session.next()
            if shown is None:
                clock.advance(days=1)
                continue
            session.rate(shown, rng.choice(list(Rating)), rng.randrange(500, 20_000))
            rated += 1
            print(f"rated {rated}", flush=True)
            clock.advance(minutes=30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
