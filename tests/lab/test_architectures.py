"""The architecture matrix: on tiny random models of twelve causal-LM families (built from
configs, see tiny_models.py) the soft prompt, the prefix and LoRA compute what peft's do, the
prefix is sized from the key/value geometry the model really caches (grouped-query and
multi-query attention included), the labs print the formula that fits the model, and one short
lab runs on each saved model. A model the engine cannot adapt is refused in one line.

peft 0.21 sizes a prefix by num_attention_heads, which is wrong for multi-query Falcon (one
key/value head): there the prefix is checked against the model itself instead (a prefix made of
the keys and values of k words gives the logits of reading those k words first), a check every
family also passes.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest
import torch
from tiny_models import FAMILIES, KV_HEADS, save_tiny, tiny_model

from studykit.lab.engine.base import Base
from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.geometry import prefix_count, read_geometry, soft_prompt_count
from studykit.lab.engine.prefix import Prefix
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.errors import LabError, UnsupportedModel
from studykit.lab.runner import run_lab
from studykit.lab.tasks import get_task

# peft 0.21 calls a transformers method that transformers 5.23 marks as deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing`:FutureWarning")

K, STEPS, TOLERANCE = 4, 3, 1e-5
ALL = list(FAMILIES)
PEFT_PREFIX = [family for family in ALL if family != "falcon"]  # see the module docstring


@pytest.fixture(scope="module")
def models() -> dict[str, torch.nn.Module]:
    """Each family's tiny model, built once for the module (about 0.1 s each)."""
    return {}


@pytest.fixture
def model(request, models):
    family = request.param
    if family not in models:
        models[family] = tiny_model(family)
    return models[family]


@pytest.fixture(scope="module")
def batches(base):
    data = TaskData(get_task("rotate"), Encoder(base.tokenizer), seed=0, batch_size=8, eval_size=8)
    return [data.next_batch() for _ in range(STEPS)]


def _trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


def _worst_loss_gap(ours, theirs, batches, lr=0.1) -> float:
    """Train both side by side with Adam; the largest loss difference seen."""
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


@pytest.mark.parametrize("model", ALL, indirect=True)
def test_the_prefix_is_sized_from_the_cache_the_model_keeps(model):
    family = model.config.model_type
    shape = read_geometry(model)
    assert (shape.layers, shape.kv_heads, shape.head_dim) == (2, KV_HEADS.get(family, 4), 16)
    count = prefix_count(shape, K)
    prefix = Prefix(model, K)
    assert sum(p.numel() for p in _trainable(prefix)) == count.value
    if family in KV_HEADS:  # keys and values narrower than the width: the formula says so
        assert str(count).startswith(f"k·2·L·H_kv·d_head = {K}·2·2·{KV_HEADS[family]}·16 = ")
    else:
        assert str(count) == f"k·2·L·d = {K}·2·2·64 = 1,024"
    assert str(soft_prompt_count(model, K)) == f"k·d = {K}·64 = 256"


@pytest.mark.parametrize("model", ALL, indirect=True)
def test_a_prefix_of_words_reads_like_those_words_first(model):
    """init="vocab" takes the keys and values the model makes for k random words: with that
    prefix the model must give the logits it gives when it reads those words itself."""
    prefix = Prefix(model, K, init="vocab", generator=torch.Generator().manual_seed(0))
    words = torch.randint(
        model.config.vocab_size, (1, K), generator=torch.Generator().manual_seed(0)
    )
    ids = torch.randint(
        3, model.config.vocab_size, (2, 6), generator=torch.Generator().manual_seed(1)
    )
    with torch.no_grad():
        ours = prefix(ids)
        reading = model(input_ids=torch.cat((words.expand(2, -1), ids), dim=1)).logits[:, K:]
        without = model(input_ids=ids).logits
    assert (ours - reading).abs().max() < 1e-4
    assert (ours - without).abs().max() > 1e-3  # the prefix did something


@pytest.mark.parametrize("model", ALL, indirect=True)
def test_soft_prompt_matches_peft(model, batches, peft):
    ours = SoftPrompt(model, K, generator=torch.Generator().manual_seed(0))
    config = peft.PromptTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=K)
    theirs = peft.get_peft_model(copy.deepcopy(model), config)
    theirs.prompt_encoder["default"].embedding.weight.data.copy_(ours.prompt.data)
    assert _worst_loss_gap(ours, theirs, batches) < TOLERANCE


@pytest.mark.parametrize("model", PEFT_PREFIX, indirect=True)
def test_prefix_matches_peft(model, batches, peft):
    ours = Prefix(model, K, generator=torch.Generator().manual_seed(0))
    config = peft.PrefixTuningConfig(task_type=peft.TaskType.CAUSAL_LM, num_virtual_tokens=K)
    theirs = peft.get_peft_model(copy.deepcopy(model), config)
    theirs.prompt_encoder["default"].embedding.weight.data.copy_(ours.prefix.data)
    assert sum(p.numel() for p in _trainable(theirs)) == sum(p.numel() for p in _trainable(ours))
    assert _worst_loss_gap(ours, theirs, batches) < TOLERANCE


@pytest.mark.parametrize("model", ALL, indirect=True)
def test_lora_matches_peft(model, batches, base, peft):
    methods = pytest.importorskip("studykit.lab.engine.methods")
    ours = methods.build("lora", Base(model, base.tokenizer, Path("tiny")), seed=0)
    fan_in_fan_out = model.config.model_type == "gpt2"  # GPT-2's Conv1D stores W transposed
    # the layers ours adapts, by name: peft 0.21 has no default for Phi-3's fused qkv_proj
    targets = sorted({adapter.target.rsplit(".", 1)[-1] for adapter in ours.low_ranks()})
    config = peft.LoraConfig(
        task_type=peft.TaskType.CAUSAL_LM, fan_in_fan_out=fan_in_fan_out, target_modules=targets
    )
    theirs = peft.get_peft_model(copy.deepcopy(model), config)
    peft_a = [m.weight for n, m in theirs.named_modules() if n.endswith("lora_A.default")]
    ours_a = [adapter.A for adapter in ours.low_ranks()]
    assert len(peft_a) == len(ours_a) > 0  # the same matrices adapted
    with torch.no_grad():
        for mine, theirs_a in zip(ours_a, peft_a, strict=True):
            mine.copy_(theirs_a)
    assert sum(p.numel() for p in _trainable(theirs)) == sum(p.numel() for p in _trainable(ours))
    assert _worst_loss_gap(ours, theirs, batches, lr=0.01) < TOLERANCE


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.mark.parametrize("family", ALL)
def test_a_short_lab_runs_on_each_family_and_states_its_formula(family, folders, small_held_out):
    folder = save_tiny(folders, family)
    # one step per method, scored on 16 held-out examples: what is asserted is counted from the
    # model, not learned or scored (part two's default 50 steps x 4 methods were 90% of this
    # test's time, then the 256-example evaluations 70% of what was left)
    params = {
        "model": str(folder),
        "steps": 1,
        "new_steps": 1,
        "new_task": "rotate",
        "device": "cpu",
    }
    result = run_lab("prompt-vs-prefix", params)
    assert (result.device, result.dtype) == ("cpu", "float32")
    assert result.base_checksum_before == result.base_checksum_after
    claims = {c.text.split(" numbers")[0]: c.holds for c in result.claims if "trains" in c.text}
    heads = KV_HEADS.get(family)
    prefix = f"k·2·L·H_kv·d_head = 4·2·2·{heads}·16" if heads else "k·2·L·d = 4·2·2·64"
    total = 4 * 2 * 2 * (heads * 16 if heads else 64)
    assert all(claims.values()), claims  # every count, the MLP prefix's included, holds
    assert (
        claims.items()
        >= {
            "Prompt tuning trains k·d = 4·64 = 256": True,
            f"Prefix tuning trains {prefix} = {total:,}": True,
        }.items()
    )


def _tiny_mamba() -> torch.nn.Module:
    """A state-space model: no attention, so no keys and values for a prefix to stand in for."""
    from studykit.lab.engine.base import import_transformers

    transformers = import_transformers()
    config = transformers.MambaConfig(vocab_size=21, hidden_size=32, num_hidden_layers=2)
    return transformers.MambaForCausalLM(config).eval()


def test_a_model_without_a_key_value_cache_is_refused_in_one_line_naming_its_type():
    with pytest.raises(UnsupportedModel) as refused:
        Prefix(_tiny_mamba(), K)
    message = str(refused.value)
    assert "mamba (MambaForCausalLM)" in message and "\n" not in message


class _Broken(torch.nn.Module):
    """A model whose forward pass fails with a multi-line error."""

    def __init__(self, inner: torch.nn.Module):
        super().__init__()
        self.inner, self.config = inner, inner.config

    def get_input_embeddings(self):
        return self.inner.get_input_embeddings()

    def forward(self, **kwargs):
        raise RuntimeError("shapes do not fit\n  a second line a learner should not see")


def test_a_model_whose_forward_pass_fails_is_refused_in_one_line(base):
    with pytest.raises(LabError) as refused:
        read_geometry(_Broken(base.model))
    assert "gpt2" in str(refused.value) and "\n" not in str(refused.value)
    assert "shapes do not fit" in str(refused.value)
