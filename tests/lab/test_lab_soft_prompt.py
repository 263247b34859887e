"""The soft-prompt lab: shapes, gradients only on the prompt, nearest words, two starts per seed,
and claims that are computed (they flip when their condition is false)."""

from __future__ import annotations

import pytest

from studykit.lab.experiments import soft_prompt as lab
from studykit.lab.runner import run_lab


def test_nearest_words_finds_the_word_a_vector_came_from(base):
    table = base.model.get_input_embeddings().weight.detach()
    vocabulary = base.tokenizer.convert_ids_to_tokens(list(range(table.shape[0])))
    ids = [vocabulary.index(w) for w in ("reverse", "7")]
    nearest = lab.nearest_words(table[ids].clone(), table, vocabulary)
    assert nearest.words == ["reverse", "7"]
    assert nearest.cosines == [pytest.approx(1.0, abs=1e-5)] * 2
    shifted = lab.nearest_words(-table[ids].clone(), table, vocabulary)
    assert all(c < 1.0 for c in shifted.cosines)


def small_run(**overrides):
    return run_lab("soft-prompt", {"steps": 10, "seeds": 2, **overrides})


@pytest.fixture(scope="module")
def shown():
    """One run long enough to reach the target from both starts."""
    return run_lab("soft-prompt", {"steps": 60})


def test_the_lab_shows_shapes_gradients_and_both_starts():
    result = small_run(steps=2)  # shapes, starts and invariants: none needs more steps
    assert list(result.methods) == ["vocab-init", "random-init"]
    for method in result.methods.values():
        assert method.trainable_params == 4 * 64
        assert 1 <= method.steps <= 2
    shapes = {row[0]: row[1] for row in result.tables["shapes"]["rows"]}
    assert shapes["prompt"] == "4×64"
    B, T = map(int, shapes["input_ids"].split("×"))
    assert shapes["joined input"] == f"{B}×{T + 4}×64"
    per_seed = result.tables["steps to 90% exact match, per seed"]["rows"]
    assert [row[0] for row in per_seed] == [0, 1]
    trail = result.methods["vocab-init"].extra["nearest_words"]
    assert trail[0]["step"] == 0 and min(trail[0]["cosines"]) > 0.9999  # starts on words
    assert trail[-1]["step"] == result.methods["vocab-init"].steps
    assert len(result.invariants) == 5 and all(c.holds for c in result.invariants)
    assert result.base_checksum_before == result.base_checksum_after


def test_findings_hold_on_a_run_that_reached_the_target(shown):
    assert len(shown.findings) == 3
    assert all(c.holds for c in shown.findings), [c.text for c in shown.findings]
    observed = shown.observables
    assert observed["vocab_start_still_words"].value == "no"
    assert observed["random_start_nearest_task_word"].value == "yes"
    assert observed["prompt_trainable"].value == 256
    assert all(o.detail and o.rows for o in observed.values())


def test_findings_fail_on_a_run_that_did_not_learn():
    """10 steps at lr 1e-3: the prompt barely moves, reaches nothing, and stays on its words."""
    failed = small_run(seeds=1, lr=1e-3)
    assert failed.findings and not any(c.holds for c in failed.findings)
    assert failed.observables["vocab_start_still_words"].value == "yes"
    assert all(c.holds for c in failed.invariants)  # true by construction, whatever was learned


def test_runs_repeat_bit_for_bit_per_seed():
    first, second = small_run(seeds=1, steps=5), small_run(seeds=1, steps=5)
    for key in first.methods:
        assert first.methods[key].curve == second.methods[key].curve
        assert (
            first.methods[key].extra["nearest_words"] == second.methods[key].extra["nearest_words"]
        )


def test_a_stop_request_keeps_the_anatomy():
    result = run_lab("soft-prompt", {"steps": 5}, should_stop=lambda: True)
    assert result.interrupted
    assert "shapes" in result.tables and result.methods == {}
    assert any(c.text.startswith("the prompt is k×d") and c.holds for c in result.invariants)
    assert not result.observables["prompt_trainable"].measured
