"""`device` and `dtype`, which every lab takes: checked in one line, stated in the result, and a
bfloat16 run keeps what the labs check (trainable numbers in float32, the same counts, the base
unchanged). Only the CPU is tested here; the CUDA path is the same code with another device."""

from __future__ import annotations

import json

import pytest
import torch
from held_out import few_held_out
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.catalog import all_labs, check_params
from studykit.lab.engine.device import resolve_device, resolve_dtype
from studykit.lab.errors import DeviceError
from studykit.lab.runner import run_lab

NO_CUDA = not torch.cuda.is_available()
NO_GPU = NO_CUDA and not torch.backends.mps.is_available()


@pytest.mark.parametrize("name", sorted(all_labs()))
def test_every_lab_takes_device_and_dtype(name):
    spec = all_labs()[name]
    assert spec.params["device"].choices == ["auto", "cpu", "cuda", "mps"]
    assert spec.params["dtype"].choices == ["auto", "float32", "bfloat16", "float16"]
    assert check_params(spec, {"device": "cpu", "dtype": "bfloat16"}) == []  # a card may say so
    (problem,) = check_params(spec, {"device": "tpu"})
    assert "device must be one of auto, cpu, cuda, mps" in problem


@pytest.mark.skipif(not NO_GPU, reason="torch sees a GPU here")
def test_auto_is_the_cpu_without_a_gpu():
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_dtype("auto", torch.device("cpu")) == torch.float32


@pytest.mark.skipif(not NO_CUDA, reason="torch sees a CUDA GPU here")
def test_cuda_without_a_gpu_is_one_line_before_the_model_loads():
    with pytest.raises(DeviceError) as refused:
        run_lab("soft-prompt", {"device": "cuda", "steps": 1})
    assert "device cuda" in str(refused.value) and "\n" not in str(refused.value)
    out = CliRunner().invoke(app, ["lab", "soft-prompt", "--device", "cuda", "--steps", "1"])
    assert out.exit_code == 2 and "Traceback" not in out.output + out.stderr
    assert [line for line in out.stderr.splitlines() if line.startswith("studykit:")] == [
        f"studykit: {refused.value}"
    ]


def test_an_unknown_device_from_the_cli_is_one_line():
    out = CliRunner().invoke(app, ["lab", "run", "soft-prompt", "device=tpu"])
    assert out.exit_code == 2 and out.stderr.count("\n") == 1 and "device" in out.stderr


@pytest.fixture(scope="module")
def bfloat16_run():
    # part two trains 1 step (its default 50 x 4 methods were 95% of the run), every method is
    # scored on 16 held-out examples: the test checks part one's counts and steps and the
    # checksum, none of which depends on either
    params = {"steps": 2, "new_steps": 1, "device": "cpu", "dtype": "bfloat16"}
    with few_held_out():
        return run_lab("prompt-vs-prefix", params)


def test_the_result_states_where_it_ran(small_held_out):  # it reads labels, not scores
    out = CliRunner().invoke(app, ["lab", "soft-prompt", "--steps", "1", "--seeds", "1", "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert (result["device"], result["dtype"]) == ("cpu", "float32")
    shown = CliRunner().invoke(app, ["lab", "soft-prompt", "--steps", "1", "--seeds", "1"])
    header = " ".join(shown.stdout.split())  # the header wraps where the model's path is long
    assert "device cpu" in header and "dtype float32" in header


def test_a_bfloat16_run_keeps_the_counts_and_the_base(bfloat16_run):
    result = bfloat16_run
    assert (result.device, result.dtype) == ("cpu", "bfloat16")
    assert result.base_checksum_before == result.base_checksum_after
    counts = [claim for claim in result.invariants if " trains " in claim.text]
    assert len(counts) >= 2 and all(claim.holds for claim in counts)  # prompt, prefix (direct, MLP)
    assert result.methods["skill/prompt-tuning"].steps == 2  # it trained, on bfloat16 activations


def test_trainable_numbers_stay_float32_in_a_bfloat16_model(base):
    from studykit.lab.engine.prefix import Prefix
    from studykit.lab.engine.soft_prompt import SoftPrompt

    model = base.model.__class__(base.config).to(torch.bfloat16).eval().requires_grad_(False)
    ids = torch.tensor([[3, 4, 5]])
    for method in (SoftPrompt(model, 4), Prefix(model, 4)):
        assert all(p.dtype == torch.float32 for p in method.parameters() if p.requires_grad)
        logits = method(ids)
        assert logits.dtype == torch.bfloat16
        logits.float().sum().backward()
        assert all(p.grad is not None for p in method.parameters() if p.requires_grad)
