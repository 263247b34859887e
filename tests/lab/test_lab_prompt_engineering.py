"""The prompt-engineering lab: hand-written prompts cost nothing and are brittle; a tuned soft
prompt is counted beside them; the claims are computed (they flip when their condition is false)."""

from __future__ import annotations

from studykit.lab.engine.harness import LabRun
from studykit.lab.experiments import prompt_engineering as lab
from studykit.lab.runner import resolve_params, run_lab
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


def test_only_the_right_word_works_and_nothing_trains():
    run = LabRun("prompt-engineering", resolve_params("prompt-engineering"))
    tried = {w.text: w for w in lab.try_wordings(run, get_task("reverse"))}
    assert tried["reverse"].exact_match >= lab.WORKS
    others = [w for w in tried.values() if w.text != "reverse"]
    assert max(w.exact_match for w in others) < lab.FAILS
    assert tried["backwards"].tokens == ["<unk>"]  # a synonym the model never saw
    assert all(w.trainable == 0 and w.steps == 0 for w in tried.values())
    assert run.base_unchanged()


def small_run(**overrides):
    return run_lab("prompt-engineering", {"steps": 2, **overrides})


def test_the_lab_compares_costs_and_computes_its_claims():
    result = small_run()
    assert all(c.holds for c in result.claims), [c.text for c in result.claims if not c.holds]
    assert len(result.claims) == 6
    for part in ("skill", "new", "composed"):
        assert result.methods[f"{part}/best hand-written"].trainable_params == 0
        assert result.methods[f"{part}/best hand-written"].steps == 0
        tuned = result.methods[f"{part}/prompt-tuning"]
        assert tuned.trainable_params == 4 * 64 and 1 <= tuned.steps <= 2
    costs = result.tables["what each costs and reaches"]["rows"]
    assert [row[4] for row in costs if row[2].startswith("best")] == [0, 0, 0]
    assert result.base_checksum_before == result.base_checksum_after


def test_the_no_hand_written_claim_flips_when_a_word_does_the_task():
    # reverse then sort is just sort: the hand-written word "sort" does it
    result = small_run(composed_task="reverse+sort", steps=1)
    claim = next(c for c in result.claims if "does reverse+sort" in c.text)
    assert not claim.holds and "'sort'" in claim.text
