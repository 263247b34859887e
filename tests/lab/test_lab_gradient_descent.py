"""The gradient-descent lab: the update rule, divergence caught rather than crashed on, and claims
that are computed from the runs (they flip when their condition is false)."""

from __future__ import annotations

import json
import math

import pytest
import torch

from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.errors import LabParamError
from studykit.lab.experiments import gradient_descent as gd
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task


def test_parse_rates_sorts_and_rejects_bad_text():
    assert gd.parse_rates("100, 0.001,0.01") == [0.001, 0.01, 100.0]
    for bad in ("0.1,fast", "0.1", "0.1,-1", "0.1,inf", ""):
        with pytest.raises(LabParamError) as error:
            gd.parse_rates(bad)
        assert "lrs" in str(error.value) and "\n" not in str(error.value)


def test_sgd_step_is_theta_minus_lr_times_grad():
    theta = torch.tensor([[1.0, -2.0]], requires_grad=True)
    theta.grad = torch.tensor([[0.5, 4.0]])
    gd.sgd_step(theta, 0.1)
    assert torch.equal(theta.detach(), torch.tensor([[1.0 - 0.05, -2.0 - 0.4]]))


def descent(losses, norms):
    run = gd.Descent("sgd", 1.0)
    run.losses, run.norms = losses, norms
    return run


def test_check_divergence_names_what_blew_up():
    assert gd.check_divergence(descent([2.0, 1.5], [1.0, 1.1]), 1.0) == ""
    assert "loss became nan" in gd.check_divergence(descent([2.0, math.nan], [1.0, 1.0]), 1.0)
    assert "‖θ‖ became inf" in gd.check_divergence(descent([2.0, 2.0], [1.0, math.inf]), 1.0)
    assert "loss blew up" in gd.check_divergence(descent([2.0, 9, 9, 9, 9], [1.0] * 5), 1.0)
    assert "‖θ‖ blew up" in gd.check_divergence(descent([2.0], [500.0]), 1.0)


@pytest.fixture
def data(base):
    return TaskData(get_task("reverse"), Encoder(base.tokenizer), seed=0, batch_size=16)


def test_a_nan_is_caught_and_the_run_stops_cleanly(base, data):
    prompt = SoftPrompt(base.model, 4, init="random", generator=torch.Generator().manual_seed(0))
    run, result = gd.descend(prompt, data, "sgd", 1e30, steps=5)
    assert run.diverged_at == 1 and "became" in run.why
    assert result.steps == 1  # nothing after a NaN means anything
    json.dumps(result.curve, allow_nan=False)  # the NaN is recorded as null, not as NaN
    assert result.extra["prompt_norm_end"] is None


def small_run(**overrides):
    return run_lab("gradient-descent", {"steps": 6, **overrides})


def test_the_sweep_shows_the_regimes_and_repeats_per_seed():
    result, again = small_run(), small_run()
    assert list(result.methods) == ["sgd η=0.001", "sgd η=0.01", "sgd η=100", "adam η=0.01"]
    too_large = next(c for c in result.claims if c.text.startswith("η=100 is too large"))
    assert too_large.holds and "step 1" in too_large.text
    assert result.methods["sgd η=100"].extra["diverged_at"] == 1
    assert result.methods["sgd η=100"].steps == 6  # a finite blow-up is flagged, not stopped
    same = next(c for c in result.claims if "same prompt" in c.text)
    assert same.holds
    assert next(c for c in result.claims if c.text.startswith("torch.optim.SGD")).holds
    assert next(c for c in result.claims if c.text.startswith("Adam's first step")).holds
    assert result.base_checksum_before == result.base_checksum_after
    json.dumps(result.to_json(), allow_nan=False)
    for key, method in result.methods.items():
        assert method.curve == again.methods[key].curve


def test_the_too_large_claim_flips_when_no_rate_diverges():
    result = small_run(lrs="0.001,0.002", steps=3)
    too_large = next(c for c in result.claims if "is too large" in c.text)
    assert not too_large.holds
    assert "none was" in too_large.text


def test_the_converged_claim_flips_with_too_few_steps():
    result = small_run(steps=2)
    converged = next(c for c in result.claims if "converged" in c.text)
    assert not converged.holds  # two steps cannot cut the loss by 90%


def test_cli_reports_bad_rates_in_one_line_and_json_survives_a_nan():
    from typer.testing import CliRunner

    from studykit.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["lab", "gradient-descent", "--lrs", "0.1,fast"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    last = bad.output.strip().splitlines()[-1]  # after the "Running lab ..." line
    assert last.startswith("studykit: lab gradient-descent: lrs must be numbers")
    out = runner.invoke(
        app, ["lab", "gradient-descent", "--lrs", "0.01,1e30", "--steps", "2", "--json"]
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["methods"]["sgd η=1e+30"]["extra"]["diverged_at"] == 1
    assert result["curve_metrics"] == ["loss", "exact_match"]


def test_a_stop_request_returns_what_was_measured():
    calls = []

    def stop_after_two_steps():
        calls.append(1)
        return len(calls) > 2

    result = run_lab("gradient-descent", {"steps": 6}, should_stop=stop_after_two_steps)
    assert result.interrupted
    assert list(result.methods) == ["sgd η=0.001"]
    assert 1 <= result.methods["sgd η=0.001"].steps < 6
    json.dumps(result.to_json(), allow_nan=False)
