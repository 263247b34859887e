"""studykit's soft prompt and prefix compute what peft's do: the same model, batches and starting
vectors give the same loss, step after step (peft is a test dependency, never a runtime one)."""

from __future__ import annotations

import warnings

import pytest
import torch

from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.prefix import Prefix
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.tasks import get_task

# peft 0.21 calls a transformers method that transformers 5.23 marks as deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing`:FutureWarning")

K, STEPS, TOLERANCE = 4, 5, 1e-5


def _batches(base, n):
    data = TaskData(get_task("rotate"), Encoder(base.tokenizer), seed=0, batch_size=16)
    return [data.next_batch() for _ in range(n)]


def _trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


def _compare(ours, theirs, batches, lr):
    """Train both side by side with Adam; return the largest loss difference seen."""
    ours_opt = torch.optim.Adam(_trainable(ours), lr=lr)
    theirs_opt = torch.optim.Adam(_trainable(theirs), lr=lr)
    worst = 0.0
    for batch in batches:
        ours_loss = answer_loss(ours(batch.input_ids), batch.labels)
        with warnings.catch_warnings():  # only around peft's call, so ours stays checked
            # peft 0.21 passes its prefix as `past_key_values=`, deprecated since transformers 5.24
            warnings.filterwarnings("ignore", "`past_key_values` is deprecated", FutureWarning)
            theirs_loss = theirs(input_ids=batch.input_ids, labels=batch.labels).loss
        worst = max(worst, abs(ours_loss.item() - theirs_loss.item()))
        for loss, opt in ((ours_loss, ours_opt), (theirs_loss, theirs_opt)):
            opt.zero_grad()
            loss.backward()
            opt.step()
    return worst


def test_soft_prompt_matches_peft_prompt_tuning(base, fresh_base, peft):
    ours = SoftPrompt(base.model, K, generator=torch.Generator().manual_seed(0))
    config = peft.PromptTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=K)
    theirs = peft.get_peft_model(fresh_base.model, config)
    theirs.prompt_encoder["default"].embedding.weight.data.copy_(ours.prompt.data)
    assert sum(p.numel() for p in _trainable(theirs)) == sum(p.numel() for p in _trainable(ours))
    assert _compare(ours, theirs, _batches(base, STEPS), lr=0.1) < TOLERANCE


def test_prefix_matches_peft_prefix_tuning(base, fresh_base, peft):
    ours = Prefix(base.model, K, generator=torch.Generator().manual_seed(0))
    config = peft.PrefixTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=K)
    theirs = peft.get_peft_model(fresh_base.model, config)
    theirs.prompt_encoder["default"].embedding.weight.data.copy_(ours.prefix.data)
    assert sum(p.numel() for p in _trainable(theirs)) == sum(p.numel() for p in _trainable(ours))
    assert _compare(ours, theirs, _batches(base, STEPS), lr=0.1) < TOLERANCE


def test_prefix_mlp_matches_peft_prefix_projection(base, fresh_base, peft):
    hidden = 32
    ours = Prefix(base.model, K, mlp_hidden=hidden, generator=torch.Generator().manual_seed(0))
    config = peft.PrefixTuningConfig(
        task_type=peft.TaskType.CAUSAL_LM,
        num_virtual_tokens=K,
        prefix_projection=True,
        encoder_hidden_size=hidden,
    )
    theirs = peft.get_peft_model(fresh_base.model, config)
    encoder = theirs.prompt_encoder["default"]
    encoder.embedding.weight.data.copy_(ours.embedding.data)
    encoder.transform.load_state_dict(ours.mlp.state_dict())
    assert _compare(ours, theirs, _batches(base, STEPS), lr=0.01) < TOLERANCE
