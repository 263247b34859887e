"""No Python warning reaches a learner: one lab of each kind of method, and every engine method
trained a step, run with every warning turned into an error and nothing written to stderr.

pyproject's filterwarnings turns only FutureWarning and DeprecationWarning into errors suite-wide;
here every category is one, so a UserWarning from torch or transformers fails too."""

from __future__ import annotations

import warnings

import pytest
from held_out import few_held_out

from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.evaluate import EVAL_CHUNK, evaluate
from studykit.lab.engine.methods import TRAINED, UNTRAINED, build
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task

# Each lab with the fewest steps that still runs every phase of it.
LABS = {
    # frozen (no prompt), hand-written prompt, soft prompt and prefix
    "prompt-vs-prefix": {"steps": 1, "new_steps": 1},
    # soft prompt against full fine-tuning, forgetting and mixed-batch serving
    "prompt-vs-finetune": {"steps": 1, "new_steps": 1, "serve_tasks": 2},
    # prompt, MLP prefix, LoRA (merged too) and full fine-tuning side by side
    "peft-methods": {"steps": 1},
    # a discrete prompt found by REINFORCE, against a soft prompt
    "rl-prompt": {"steps": 1, "soft_steps": 1, "samples": 4, "examples": 4},
}


@pytest.mark.parametrize("name", LABS)
def test_a_lab_runs_without_a_warning(name, base, capfd):
    events = []
    # held-out sets of 129, not 256: still scored in two forward passes (EVAL_CHUNK rows, then
    # one), the path every full-size evaluation takes, at half the cost
    with warnings.catch_warnings(), few_held_out(EVAL_CHUNK + 1):
        warnings.simplefilter("error")
        result = run_lab(name, LABS[name], on_progress=events.append)
    assert result.methods and events  # it ran and reported progress
    assert capfd.readouterr().err == ""  # nor anything logged past the warnings module


@pytest.mark.parametrize("method", UNTRAINED + TRAINED)
def test_every_method_runs_without_a_warning(method, base, capfd):
    data = TaskData(get_task("reverse"), Encoder(base.tokenizer), seed=0, batch_size=8, eval_size=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = build(method, base, virtual_tokens=2, mlp_hidden=16, init="vocab")
        if method in TRAINED:  # one step: a forward pass, backward, Adam, an evaluation
            result = train(method, model, data, TrainConfig(steps=1), base_params=1)
            assert result.steps == 1
        else:  # nothing trains: the lab only evaluates it
            evaluate(model, data.eval_batch)
    assert capfd.readouterr().err == ""
