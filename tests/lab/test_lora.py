"""LoRA computes what peft's LoRA does: the same starting A, the same batches and Adam give the
same loss step after step, on the bundled GPT-2 (fused c_attn, a Conv1D) and on a tiny random
Llama (separate q_proj and v_proj). It trains r·(d_in + d_out) numbers per adapted matrix,
starts at the base model, and merges into a plain model that gives the same logits."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from studykit.lab.engine.data import IGNORE, Encoder, TaskData
from studykit.lab.engine.evaluate import answer_loss
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import REGISTRY, MethodError, build
from studykit.lab.engine.methods.lora import LoRA, LoraConfig
from studykit.lab.tasks import get_task

# peft 0.21 calls a transformers method that transformers 5.23 marks as deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing`:FutureWarning")

STEPS, TOLERANCE, LR = 5, 1e-5, 1e-2


def _peft_lora(peft, model: torch.nn.Module):
    """peft's LoraConfig with its defaults (r = α = 8, no dropout, its default targets).
    fan_in_fan_out=True is what peft switches on by itself for GPT-2's Conv1D, with a warning."""
    fan_in_fan_out = model.config.model_type == "gpt2"
    config = peft.LoraConfig(task_type=peft.TaskType.CAUSAL_LM, fan_in_fan_out=fan_in_fan_out)
    return peft.get_peft_model(model, config)


def _same_start(ours: LoRA, theirs) -> None:
    """Copy peft's random A into ours, matrix by matrix (both list them in model order)."""
    a_matrices = [m.weight for n, m in theirs.named_modules() if n.endswith("lora_A.default")]
    assert len(a_matrices) == len(ours.low_ranks())
    for adapter, theirs_a in zip(ours.low_ranks(), a_matrices, strict=True):
        adapter.A.data.copy_(theirs_a.data)


def _trainable(model):
    return [p for p in model.parameters() if p.requires_grad]


def _worst_loss_gap(ours, theirs, batches) -> float:
    """Train both side by side with Adam; the largest loss difference seen."""
    ours_opt = torch.optim.Adam(_trainable(ours), lr=LR)
    theirs_opt = torch.optim.Adam(_trainable(theirs), lr=LR)
    worst = 0.0
    for input_ids, labels in batches:
        ours_loss = answer_loss(ours(input_ids), labels)
        theirs_loss = answer_loss(theirs(input_ids=input_ids).logits, labels)
        worst = max(worst, abs(ours_loss.item() - theirs_loss.item()))
        for loss, opt in ((ours_loss, ours_opt), (theirs_loss, theirs_opt)):
            opt.zero_grad()
            loss.backward()
            opt.step()
    return worst


def _task_batches(base, n):
    data = TaskData(get_task("rotate"), Encoder(base.tokenizer), seed=0, batch_size=16)
    return [(b.input_ids, b.labels) for b in (data.next_batch() for _ in range(n))]


def test_lora_matches_peft_on_the_bundled_gpt2(base, fresh_base, peft):
    ours = build("lora", base)
    theirs = _peft_lora(peft, fresh_base.model)
    _same_start(ours, theirs)
    # c_attn is d → 3d in each of the L layers: r·(d + 3d) numbers per layer
    L, d, r = base.config.num_hidden_layers, base.config.hidden_size, 8
    expected = L * r * (d + 3 * d)
    assert sum(p.numel() for p in _trainable(ours)) == expected == 4096
    assert sum(p.numel() for p in _trainable(theirs)) == expected
    count = REGISTRY["lora"].expected_trainable(ours)
    assert count.value == expected and "8·(64 + 192) × 2" in count.numbers
    assert _worst_loss_gap(ours, theirs, _task_batches(base, STEPS)) < TOLERANCE
    assert all(a.B.abs().sum() > 0 for a in ours.low_ranks())  # B moved: the steps tested B·A


def test_lora_starts_at_the_base_model_and_leaves_it_unchanged(base):
    before = checksum(base.model)
    lora = build("lora", base, seed=1)
    d = base.config.hidden_size
    for adapter in lora.low_ranks():
        assert torch.count_nonzero(adapter.B) == 0  # ΔW = B·A = 0 at the start
        bound = 1 / math.sqrt(d)  # kaiming-uniform with a = √5, as nn.Linear and peft
        assert adapter.A.abs().max() <= bound and adapter.A.abs().max() > 0.9 * bound
    ids = _task_batches(base, 1)[0][0]
    with torch.no_grad():
        assert torch.equal(lora(ids), base.model(input_ids=ids, use_cache=False).logits)
    answer_loss(lora(ids), _task_batches(base, 1)[0][1]).backward()
    assert all(p.grad is None for p in base.model.parameters())  # the base is frozen
    assert all(not m._forward_hooks for m in base.model.modules())  # no hook left behind
    assert checksum(base.model) == before


def test_merging_gives_a_plain_model_with_the_same_logits(base, fresh_base, peft):
    lora = build("lora", base)
    theirs = _peft_lora(peft, fresh_base.model)
    _same_start(lora, theirs)
    batches = _task_batches(base, STEPS)
    _worst_loss_gap(lora, theirs, batches)  # train both, so that B·A is not zero
    merged = lora.merged()
    ids = batches[0][0]
    with torch.no_grad():
        adapter_logits = lora(ids)
        merged_logits = merged(input_ids=ids, use_cache=False).logits
        peft_merged = theirs.merge_and_unload()(input_ids=ids).logits
        base_logits = base.model(input_ids=ids, use_cache=False).logits
    # W + (α/r)·B·A rounds differently from W·x + B·A·x: equal to float32 precision
    assert (merged_logits - adapter_logits).abs().max() <= 1e-5 * adapter_logits.abs().max()
    assert (merged_logits - peft_merged).abs().max() <= 1e-6 * adapter_logits.abs().max()
    # a plain model: the base's class and parameter count, no hooks, nothing extra to run
    assert type(merged) is type(base.model)
    assert sum(p.numel() for p in merged.parameters()) == base.num_params
    assert all(not m._forward_hooks for m in merged.modules())
    assert checksum(merged) != checksum(base.model)  # the update is in the weights
    assert (merged_logits - base_logits).abs().max() > 1e-3  # and it changes the answers


def _tiny_llama() -> torch.nn.Module:
    """A random 2-layer Llama from a config (4 query heads sharing 2 key/value heads)."""
    import transformers

    config = transformers.LlamaConfig(
        vocab_size=32,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(config).eval().requires_grad_(False)


def test_lora_matches_peft_on_a_tiny_llama(peft):
    model = _tiny_llama()
    ours = LoRA(model, LoraConfig(), torch.Generator().manual_seed(0))
    theirs = _peft_lora(peft, copy.deepcopy(model))
    _same_start(ours, theirs)
    assert [a.target.rsplit(".", 1)[-1] for a in ours.low_ranks()] == ["q_proj", "v_proj"] * 2
    # q_proj: 64 → 4·16 = 64; v_proj: 64 → 2·16 = 32 (grouped-query attention)
    assert ours.shapes() == [(64, 64), (64, 32)] * 2
    expected = 2 * (8 * (64 + 64) + 8 * (64 + 32))
    assert sum(p.numel() for p in _trainable(ours)) == expected
    assert sum(p.numel() for p in _trainable(theirs)) == expected
    assert REGISTRY["lora"].expected_trainable(ours).value == expected
    gen = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(STEPS):
        ids = torch.randint(1, 32, (8, 12), generator=gen)
        labels = ids.clone()
        labels[:, :6] = IGNORE  # the answer is the second half
        batches.append((ids, labels))
    assert _worst_loss_gap(ours, theirs, batches) < TOLERANCE
    merged = ours.merged()
    with torch.no_grad():
        gap = (merged(input_ids=batches[0][0]).logits - ours(batches[0][0])).abs().max()
    assert gap <= 1e-5 * ours(batches[0][0]).abs().max()


def test_options_lora_cannot_use_are_refused_in_one_line(base):
    for options, message in (
        ({"r": 0}, "lora: r must be a whole number ≥ 1, got 0"),
        ({"alpha": float("nan")}, "lora: alpha must be a number > 0, got nan"),
        ({"r": 65}, "lora: r=65 is not low rank for transformer.h.0.attn.c_attn (64 → 192); "),
        ({"targets": ("wq",)}, "lora: gpt2 has no layers named wq; name its attention "),
        ({"targets": ("ln_1",)}, "lora: cannot adapt a LayerNorm; "),
    ):
        with pytest.raises(MethodError) as error:
            build("lora", base, **options)
        assert str(error.value).startswith(message) and "\n" not in str(error.value)
