"""The prompt-vs-prefix lab: the direct and the MLP prefix side by side, the equal-size control,
findings that say what they check (and fail on a run that did not show it), observables."""

from __future__ import annotations

import pytest
from held_out import few_held_out

from studykit.lab.catalog import get_lab
from studykit.lab.experiments import prompt_vs_prefix as lab
from studykit.lab.results import MethodResult
from studykit.lab.runner import run_lab

LAB = "prompt-vs-prefix"


def result(em: float, steps_to_target: int | None = None, params: int = 256, pct: float = 0.25):
    return MethodResult(
        trainable_params=params,
        trainable_pct=pct,
        exact_match_before=0.0,
        exact_match_after=em,
        steps=100,
        seconds=1.0,
        ms_per_step=10.0,
        peak_rss_mb=1.0,
        steps_to_target=steps_to_target,
    )


@pytest.fixture
def short_run(prompt_vs_prefix_short):
    return prompt_vs_prefix_short[0]  # 3 steps a part, shared with test_runner (conftest)


def finding(run, start: str):
    return next(c for c in run.claims if c.text.startswith(start))


def test_a_tie_is_within_five_points_and_otherwise_the_higher_wins():
    assert lab.winner(0.50, 0.54) == "tie"
    assert lab.winner(0.50, 0.56) == "prefix-tuning"
    assert lab.winner(0.60, 0.10) == "prompt-tuning"


def test_the_under_one_percent_finding_does_not_count_the_mlp_prefix():
    """The MLP prefix trains ~20% of this model: its success alone must not make the
    'under 1%' finding hold."""
    mlp_only = {
        "skill/prompt-tuning": result(0.40),
        "skill/prefix-tuning": result(0.10, params=1024, pct=0.99),
        "skill/prefix-tuning-mlp": result(0.99, 30, params=21056, pct=20.3),
    }
    assert not lab.small_and_reached(mlp_only)
    assert lab.small_and_reached(mlp_only | {"skill/prompt-tuning": result(0.96, 40)})


def test_the_equal_size_control_trains_the_same_count(base):
    L, d, _, _ = base.shape
    small, equal = lab.equal_size_tokens(_Context(base))
    assert (small, equal) == (2, 8)
    assert small * 2 * L * d == equal * d == 512


class _Context:  # the two things equal_size_tokens reads from a run
    def __init__(self, base):
        self.base = base


def test_findings_are_computed_so_three_steps_show_nothing(short_run):
    for start in (
        "Tuning under 1% of the model brings",
        "The MLP prefix reached 95% within 50 steps",
        "The MLP prefix reached 95% no later than",
        "On rotate, with k = 4 each, prefix tuning (every layer) reached more than 5 points",
    ):
        line = finding(short_run, start)
        assert line.kind == "finding" and line.holds is False, line.text


def test_counts_and_the_checksum_are_invariants(short_run, base):
    invariants = [c for c in short_run.claims if c.kind == "invariant"]
    texts = " | ".join(c.text for c in invariants)
    assert all(c.holds for c in invariants), texts
    for piece in ("bit-for-bit", "k·d = 4·64 = 256", "k·2·L·d = 4·2·2·64 = 1,024", "keeps 1,024"):
        assert piece in texts
    assert not any("trains" in c.text for c in short_run.claims if c.kind == "finding")


def test_every_declared_observable_is_measured_from_the_run(short_run):
    declared = get_lab(LAB).observables
    assert len(declared) >= 2 and "winner_on_new_task" in declared
    seen = short_run.observables
    assert set(seen) == set(declared)
    assert all(seen[name].measured and seen[name].rows for name in declared), seen
    mlp = short_run.methods["skill/prefix-tuning-mlp"]
    assert seen["prefix_trainable"].value == 1024 == seen["mlp_prefix_kept"].value
    assert mlp.trainable_params > 20 * seen["mlp_prefix_kept"].value  # trains more than it keeps
    new = short_run.methods
    assert seen["winner_on_new_task"].value == lab.winner(
        new["new/prompt-tuning"].exact_match_after, new["new/prefix-tuning"].exact_match_after
    )


def test_each_method_trains_at_its_own_learning_rate(monkeypatch):
    seen = {}
    real_train = lab.LabRun.train

    def spy(self, key, data, config, method=None, **options):
        seen[key] = config.lr
        return real_train(self, key, data, config, method, **options)

    monkeypatch.setattr(lab.LabRun, "train", spy)
    with few_held_out():  # it reads learning rates, not scores
        run_lab(LAB, {"steps": 1, "new_steps": 1, "lr": 0.2, "mlp_lr": 0.003})
    assert seen["skill/prefix-tuning-mlp"] == 0.003
    assert {seen[key] for key in seen if not key.endswith("-mlp")} == {0.2}
