"""The predict-card tests' deck, lab spec and stub runner (shared by the flow and snapshot
tests; imported from here, as tui_paths is, never from a test module)."""

from __future__ import annotations

from pathlib import Path

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.lab.results import Observation

HERE = Path(__file__).parent / "predict"
LABS = HERE / "labs"
METHODS = ("prompt-tuning", "prefix-tuning")


class MeasuringLab:
    """conftest's FakeLab (real progress, a real LabResult) that also measures the race's
    observables: `measures` is popped once per completed run, so two runs can differ."""

    def __init__(self, fake_lab, measures: list[dict[str, Observation]]) -> None:
        self.inner = fake_lab
        fake_lab.methods = METHODS
        self.measures = measures
        self.gate = None

    def __call__(self, name, params, on_progress, should_stop):
        result = self.inner(name, params, on_progress, should_stop)
        observed = {} if result.interrupted else self.measures.pop(0)
        for key in ("winner", "fastest", "prefix_trainable"):
            result.observables[key] = observed.get(key, Observation(None))
        return result


WINNER_PREFIX = {
    "winner": Observation("prefix-tuning", "prefix 92% vs prompt 40% exact match", METHODS)
}
WINNER_PROMPT = {
    "winner": Observation("prompt-tuning", "prompt 81% vs prefix 77% exact match", METHODS[:1])
}


def predict_load(*card_ids: str):
    """The test deck (only `card_ids`, if given, so a test starts at one card)."""
    load = load_decks([HERE / "deck.yaml"], lab_catalog=Catalog(LABS))
    assert not load.problems, load.problems
    for deck in load.decks:
        if card_ids:
            deck.cards[:] = [card for card in deck.cards if card.id in card_ids]
    return load
