"""The prefix really reaches the model: logits change with it and gradients flow back into it, on
the bundled GPT-2 and on the grouped-query architectures `--model DIR` accepts (Llama, Qwen2).

transformers renamed the cache argument (`past_key_values` -> `cache`, 5.24); a name the model
does not know is swallowed by `**kwargs` and ignored without an error, so these tests compare
against the model run without any prefix instead of trusting the call."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from studykit.lab.engine.prefix import Prefix
from studykit.lab.errors import LabError

K = 4


def _tiny(kind: str) -> nn.Module:
    """A randomly initialised 2-layer model of `kind`, 4 query heads sharing 2 key/value heads."""
    import transformers

    shape = dict(
        vocab_size=32,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
    )
    config = getattr(transformers, f"{kind}Config")(**shape)
    torch.manual_seed(0)
    model = getattr(transformers, f"{kind}ForCausalLM")(config)
    return model.eval().requires_grad_(False)


@pytest.fixture(params=["bundled", "Llama", "Qwen2"])
def model(request, base):
    return base.model if request.param == "bundled" else _tiny(request.param)


@pytest.mark.parametrize("mlp_hidden", [0, 16], ids=["direct", "mlp"])
@pytest.mark.parametrize("init", ["random", "vocab"])
def test_the_prefix_changes_the_logits_and_learns(model, init, mlp_hidden):
    prefix = Prefix(
        model, K, mlp_hidden=mlp_hidden, init=init, generator=torch.Generator().manual_seed(0)
    )
    ids = torch.randint(
        3, model.config.vocab_size, (2, 6), generator=torch.Generator().manual_seed(1)
    )
    with_prefix = prefix(ids)
    without = model(input_ids=ids, use_cache=False).logits
    assert with_prefix.shape == without.shape
    assert (with_prefix - without).abs().max() > 1e-3  # an ignored prefix gives equal logits
    with_prefix.sum().backward()
    trainable = [p for p in prefix.parameters() if p.requires_grad]
    assert trainable and all(p.grad is not None and p.grad.abs().sum() > 0 for p in trainable)
    assert all(p.grad is None for p in model.parameters())  # the base stays frozen


class _DropsTheCache(nn.Module):
    """A model whose forward pass swallows unknown arguments, as transformers' do, and so never
    sees the prefix: what a renamed cache argument looks like from our side."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner, self.config = inner, inner.config

    def get_input_embeddings(self):
        return self.inner.get_input_embeddings()

    def forward(self, input_ids, use_cache=False, **ignored):
        return self.inner(input_ids=input_ids, use_cache=use_cache)  # a cache of its own


def test_a_model_that_ignores_the_prefix_is_an_error_not_a_silent_no_op(base):
    prefix = Prefix(_DropsTheCache(base.model), K)
    with pytest.raises(LabError, match="ignored the prefix"):
        prefix(torch.tensor([[3, 4, 5]]))
