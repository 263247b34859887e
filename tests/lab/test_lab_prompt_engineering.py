"""The prompt-engineering lab: hand-written prompts cost nothing and only the model's own word
works (every synonym is <unk>); a tuned soft prompt is counted beside them; findings are computed
(they flip when their condition is false) and stand apart from invariants."""

from __future__ import annotations

import pytest

from studykit.lab.experiments import prompt_engineering as lab
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task


def test_wordings_cover_every_kind():
    reverse = lab.wordings(get_task("reverse"))
    kinds = [kind for _, kind in reverse]
    assert reverse[0] == ((), "no word")
    assert kinds.count("its own word") == 1 and ("reverse",) in [w for w, _ in reverse]
    assert kinds.count("another task's word") == 5
    assert (("backwards",), "a synonym") in reverse
    composed = lab.wordings(get_task("reverse+add1"))
    assert (("reverse", "add1"), "two words") in composed
    assert (("add1", "reverse"), "two words") in composed
    assert "its own word" not in [kind for _, kind in composed]  # it never had one


def test_only_the_right_word_works_and_nothing_trains(trained):
    table = trained.tables["skill: reverse (the digits in reverse order), written by hand"]
    tried = {row[0]: row for row in table["rows"]}  # prompt, kind, as read, exact match
    assert tried["reverse"][3] == "100.0%"
    others = [float(row[3].rstrip("%")) for text, row in tried.items() if text != "reverse"]
    assert max(others) < 100 * lab.FAILS
    assert tried["backwards"][2] == "<unk>"  # a synonym the model never saw
    assert "0 parameters trained" in table["note"]
    assert trained.base_checksum_before == trained.base_checksum_after


@pytest.fixture(scope="module")
def trained():
    """One run long enough for the tuned prompts' findings: 40 steps a part (on seed 0 the skill
    reaches 90% at step 40, and min 50% against the 29% its finding needs)."""
    return run_lab("prompt-engineering", {"steps": 40})


@pytest.fixture(scope="module")
def short():
    """One step a part, too few for a tuned prompt's findings, and a composed task that a word
    the model knows does (reverse then sort is just sort): the tests of one short run share it."""
    return run_lab("prompt-engineering", {"steps": 1, "composed_task": "reverse+sort"})


def claim(result, start: str):
    return next(c for c in result.claims if c.text.startswith(start))


def test_the_lab_compares_costs_and_splits_invariants_from_findings(short):
    result = short
    assert len(result.invariants) == 3 and all(c.holds for c in result.invariants)
    assert "<unk>" in claim(result, "every synonym tried").text
    assert len(result.findings) == 7
    for part in ("skill", "new", "composed"):
        assert result.methods[f"{part}/best hand-written"].trainable_params == 0
        assert result.methods[f"{part}/best hand-written"].steps == 0
        tuned = result.methods[f"{part}/prompt-tuning"]
        assert tuned.trainable_params == 4 * 64 and tuned.steps == 1
    costs = result.tables["what each costs and reaches"]["rows"]
    assert [row[3] for row in costs if row[1].startswith("hand-written")] == [0, 0, 0]
    assert result.base_checksum_before == result.base_checksum_after
    # the hand-written findings hold whatever the soft prompt did; the tuned ones need training
    assert claim(result, 'the word "reverse" alone').holds
    assert claim(result, "each of the other 5 instruction words").holds
    assert claim(result, "no word and the <unk>").holds
    assert not claim(result, "a tuned soft prompt").holds  # 1 step cannot reach 90%
    assert not claim(result, "on min, which the model has no word for").holds
    observed = result.observables
    assert observed["own_word_exact_match"].value == 100.0
    assert observed["synonym_exact_match"].value < 25
    assert observed["new_task_winner"].measured


def test_the_tuned_findings_hold_once_the_prompt_trains(trained):
    result = trained
    assert claim(result, "a tuned soft prompt").holds
    assert claim(result, "on min, which the model has no word for").holds
    assert result.observables["new_task_winner"].value == "tuned soft prompt"


def test_the_no_hand_written_claim_flips_when_a_word_does_the_task(short):
    # reverse then sort is just sort: the hand-written word "sort" does it
    found = next(c for c in short.claims if "does reverse+sort" in c.text)
    assert not found.holds and "'sort'" in found.text
