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


def test_the_lab_shows_shapes_gradients_and_both_starts():
    result = small_run()
    assert list(result.methods) == ["vocab-init", "random-init"]
    for method in result.methods.values():
        assert method.trainable_params == 4 * 64
        assert 1 <= method.steps <= 10
    shapes = {row[0]: row[1] for row in result.tables["shapes"]["rows"]}
    assert shapes["prompt"] == "4×64"
    B, T = map(int, shapes["input_ids"].split("×"))
    assert shapes["joined input"] == f"{B}×{T + 4}×64"
    per_seed = result.tables["steps to 90% exact match, per seed"]["rows"]
    assert [row[0] for row in per_seed] == [0, 1]
    trail = result.methods["vocab-init"].extra["nearest_words"]
    assert trail[0]["step"] == 0 and min(trail[0]["cosines"]) > 0.9999  # starts on words
    assert trail[-1]["step"] == result.methods["vocab-init"].steps
    assert all(c.holds for c in result.claims), [c.text for c in result.claims if not c.holds]
    assert len(result.claims) == 6
    assert result.base_checksum_before == result.base_checksum_after


def test_runs_repeat_bit_for_bit_per_seed():
    first, second = small_run(seeds=1, steps=5), small_run(seeds=1, steps=5)
    for key in first.methods:
        assert first.methods[key].curve == second.methods[key].curve
        assert (
            first.methods[key].extra["nearest_words"] == second.methods[key].extra["nearest_words"]
        )


def test_the_not_a_word_claim_flips_when_the_prompt_barely_moves():
    result = small_run(seeds=1, steps=1, lr=1e-5)
    claim = next(c for c in result.claims if "no prompt vector is a vocabulary word" in c.text)
    assert not claim.holds  # the vocabulary start is still (almost exactly) four words


def test_a_stop_request_keeps_the_anatomy():
    result = run_lab("soft-prompt", {"steps": 5}, should_stop=lambda: True)
    assert result.interrupted
    assert "shapes" in result.tables and result.methods == {}
    assert any(c.text.startswith("the prompt is k×d") and c.holds for c in result.claims)
