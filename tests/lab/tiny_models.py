"""Tiny random causal LMs of the architecture families `--model DIR` is meant to take, built from
configs (nothing is downloaded) with the bundled tokenizer's vocabulary, so the labs' tasks
tokenise exactly as on the bundled GPT-2.

    model = tiny_model("llama")          # 2 layers, width 64, 4 query heads, 2 key/value heads
    folder = save_tiny(tmp_path, "falcon")  # a model directory run_lab(model=...) loads

Every model has 2 layers of width 64 and 4 attention heads of 16; the grouped-query families
share 2 key/value heads between them (Gemma and Falcon: 1, multi-query), so a prefix trains
k·2·L·H_kv·d_head numbers there and k·2·L·d on the others.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

# model_type -> the config fields that give it the shape above (each family names them its way)
SHAPE = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4)
GQA = dict(SHAPE, intermediate_size=128, num_key_value_heads=2)
FAMILIES: dict[str, dict] = {
    "gpt2": dict(n_embd=64, n_layer=2, n_head=4, n_positions=64),
    "llama": GQA,
    "qwen2": GQA,
    "qwen3": dict(GQA, head_dim=16),  # Qwen3 and Gemma default to head_dim 128 and 256
    "mistral": GQA,
    "phi3": GQA,
    "gpt_neox": dict(SHAPE, intermediate_size=128),
    "gemma": dict(GQA, num_key_value_heads=1, head_dim=16),
    "opt": dict(SHAPE, ffn_dim=128, word_embed_proj_dim=64),
    "gptj": dict(n_embd=64, n_layer=2, n_head=4, rotary_dim=8, n_positions=64),
    "bloom": dict(hidden_size=64, n_layer=2, n_head=4),
    "falcon": dict(SHAPE, multi_query=True),  # one key/value head, named num_kv_heads
}
KV_HEADS = {"llama": 2, "qwen2": 2, "qwen3": 2, "mistral": 2, "phi3": 2, "gemma": 1, "falcon": 1}


@cache  # read once per test process: the models only read its size and ids, saving it copies it
def bundled_tokenizer():
    from studykit.lab.engine.base import default_model_dir, import_transformers

    return import_transformers().AutoTokenizer.from_pretrained(default_model_dir())


def tiny_model(family: str, seed: int = 0):
    """A randomly initialised model of `family`, frozen, in eval mode."""
    from studykit.lab.engine.base import import_transformers

    transformers = import_transformers()
    tokenizer = bundled_tokenizer()
    config = transformers.AutoConfig.for_model(
        family,
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        max_position_embeddings=64,
        **FAMILIES[family],
    )
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config)
    return model.eval().requires_grad_(False)


def save_tiny(folder: Path, family: str, tokenizer=None) -> Path:
    """`family`'s tiny model and a tokenizer (default: the bundled one) saved in folder/family."""
    out = folder / family
    tiny_model(family).save_pretrained(out)
    (tokenizer or bundled_tokenizer()).save_pretrained(out)
    return out
