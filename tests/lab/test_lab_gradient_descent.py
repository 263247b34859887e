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
    run = gd.Descent("sgd", 1.0, start_norm=1.0)
    run.losses, run.norms = losses, norms
    return run


def test_check_divergence_names_what_blew_up_and_a_huge_norm_alone_is_not_divergence():
    assert gd.check_divergence(descent([2.0, 1.5], [1.0, 1.1])) == ""
    assert "loss became nan" in gd.check_divergence(descent([2.0, math.nan], [1.0, 1.0]))
    assert "‖θ‖ became inf" in gd.check_divergence(descent([2.0, 2.0], [1.0, math.inf]))
    assert "loss blew up" in gd.check_divergence(descent([2.0, 9, 9, 9, 9], [1.0] * 5))
    overshoot = descent([2.0, 1.9], [1.0, 500.0])
    assert gd.check_divergence(overshoot) == "" and gd.check_overshoot(overshoot)
    assert overshoot.outcome == "falls"  # a huge ‖θ‖ with a falling loss is no divergence


@pytest.fixture
def data(base):
    return TaskData(get_task("reverse"), Encoder(base.tokenizer), seed=0, batch_size=16)


def test_a_nan_is_caught_and_the_run_stops_cleanly(base, data):
    prompt = SoftPrompt(base.model, 4, init="random", generator=torch.Generator().manual_seed(0))
    run, result = gd.descend(prompt, data, "sgd", 1e30, steps=5)
    assert run.diverged_at == 1 and "became" in run.why
    assert result.steps == 1  # nothing after a NaN means anything
    json.dumps(result.curve, allow_nan=False)  # the NaN is recorded as null, not as NaN
    assert result.extra["prompt_norm_end"] is None and result.extra["outcome"] == "non-finite"


def small_run(**overrides):
    return run_lab("gradient-descent", {"steps": 8, **overrides})


def finding(result, start):
    return next(c for c in result.claims if c.text.startswith(start))


@pytest.fixture(scope="module")
def default_run():
    return small_run()


def test_the_huge_step_overshoots_on_the_prompt_and_diverges_on_every_weight(default_run):
    result = default_run
    assert list(result.methods) == [
        "sgd η=0.001",
        "sgd η=0.02",
        "sgd η=100",
        "sgd η=100 every weight",
        "adam η=0.01",
    ]
    prompt = result.methods["sgd η=100"].extra
    assert prompt["diverged_at"] is None and prompt["overshot_at"] == 1  # not called diverged
    weights = result.methods["sgd η=100 every weight"]
    assert weights.extra["outcome"] == "non-finite" and weights.extra["diverged_at"] is not None
    assert weights.steps < 8  # the NaN ended that run; the lab went on to Adam
    assert all(p.get("loss") is None for p in weights.curve)  # off the loss chart, in the table
    status = {row[0]: row[-1] for row in result.tables["runs"]["rows"]}
    assert (
        status["sgd η=100"].startswith("overshot: ‖θ‖ ×") and "diverged" not in status["sgd η=100"]
    )
    assert status["sgd η=100 every weight"].startswith("diverged at step")
    for start in ("η=100 on the prompt overshot once", "after that jump", "the same η=100"):
        assert finding(result, start).holds, start
    assert finding(result, "at the same η=100").holds
    kinds = {c.text.split(" ")[0]: c.kind for c in result.claims}
    assert kinds["torch.optim.SGD(lr=0.02)"] == kinds["Adam's"] == "invariant"
    assert result.base_checksum_before == result.base_checksum_after
    json.dumps(result.to_json(), allow_nan=False)


def test_the_observables_are_measured_from_the_runs(default_run):
    observed = {name: o.value for name, o in default_run.observables.items()}
    assert observed == {
        "loss_at_largest_lr": "falls",
        "loss_with_every_weight": "non-finite",
        "lowest_sgd_rate": "middle",
    }
    every = default_run.observables["loss_with_every_weight"]
    assert every.rows == ("sgd η=100 every weight",) and "→" in every.detail


def test_a_run_repeats_bit_for_bit_per_seed(default_run):
    again = small_run()
    for key, method in default_run.methods.items():
        assert method.curve == again.methods[key].curve


def test_the_findings_flip_when_no_rate_is_huge():
    result = small_run(lrs="0.001,0.002", steps=3)
    assert not finding(result, "η=0.002 on the prompt overshot once").holds
    assert not finding(result, "the same η=0.002 on the prompt and every weight").holds
    assert result.observables["loss_with_every_weight"].value != "non-finite"
    assert result.methods["sgd η=0.002 every weight"].extra["diverged_at"] is None


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
    assert not result.observables["loss_at_largest_lr"].measured
    json.dumps(result.to_json(), allow_nan=False)
