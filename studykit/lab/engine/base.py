"""Loading the frozen base model: the bundled tiny GPT-2, or any local causal LM directory.

Nothing is ever fetched from a model hub: `HF_HUB_OFFLINE=1` is set before transformers loads,
and a directory that is missing or holds no model fails with one readable line (`ModelDirError`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from studykit.lab.errors import ModelDirError
from studykit.paths import bundled_model_dir

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

    from studykit.lab.engine.geometry import Geometry


@dataclass
class Base:
    """A frozen causal LM, its tokenizer and where it came from."""

    model: PreTrainedModel  # a transformers *ForCausalLM in eval mode with requires_grad False
    tokenizer: PreTrainedTokenizerBase
    path: Path

    @property
    def config(self) -> PreTrainedConfig:
        return self.model.config

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return self.model.dtype

    @cached_property
    def geometry(self) -> Geometry:
        """Layers, widths and key/value heads as the model caches them (one probe, then kept);
        raises `UnsupportedModel` for a model without a per-layer key/value cache."""
        from studykit.lab.engine.geometry import read_geometry

        return read_geometry(self.model)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(layers L, width d, heads H, key/value heads) from the config; the prefix and the
        labs' formulas read `geometry` instead (configs name key/value heads differently)."""
        c = self.model.config
        heads = c.num_attention_heads
        return c.num_hidden_layers, c.hidden_size, heads, getattr(c, "num_key_value_heads", heads)


def import_transformers():
    """transformers, offline and quiet: no hub access, no warnings or progress bars for learners."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


def use_one_thread() -> None:
    """Run torch on one thread. The labs' tensors are tiny: a second thread saves nothing and,
    on a busy 2-core machine, spin-waiting threads made a step 15x slower (18 ms -> 300 ms).
    One thread also makes every run bit-for-bit identical whatever the core count."""
    import torch

    torch.set_num_threads(1)


def default_model_dir() -> Path:
    return bundled_model_dir()


def check_model_dir(path: str | Path | None = None) -> Path:
    """The model directory to use, or `ModelDirError` if it is missing or holds no config.json.
    Cheap (no torch), so the CLI can reject a bad --model before loading anything."""
    path = Path(path) if path else default_model_dir()
    if not path.exists():
        raise ModelDirError(
            f"model directory {path} does not exist; give a folder "
            "holding config.json and the weights (e.g. --model DIR)"
        )
    if not path.is_dir() or not (path / "config.json").is_file():
        raise ModelDirError(
            f"{path} is not a model directory (no config.json); pass a folder "
            "saved with save_pretrained, e.g. studykit model pretrain --out DIR"
        )
    return path


def _load_tokenizer(transformers, path: Path) -> PreTrainedTokenizerBase:
    """The tokenizer the folder declares. For some families AutoTokenizer prefers the family's
    own class to a generic one (Qwen2 in transformers 5.24), which rebuilds a word-level
    tokenizer.json as a BPE that writes no word at all; a folder that declares the generic
    class (as `studykit model pretrain` and save_pretrained of such a tokenizer do) gets it."""
    config = path / "tokenizer_config.json"
    declared = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    generic = ("TokenizersBackend", "PreTrainedTokenizerFast")
    if declared.get("tokenizer_class") in generic and (path / "tokenizer.json").is_file():
        return transformers.PreTrainedTokenizerFast.from_pretrained(path)
    return transformers.AutoTokenizer.from_pretrained(path)


def load_base(
    path: str | Path | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype | None = None,
) -> Base:
    """Load a local causal LM directory (default: the bundled model), frozen, in eval mode, on
    `device` in `dtype` (default float32; see `studykit.lab.engine.device` for auto and checks)."""
    import torch

    path = check_model_dir(path)
    transformers = import_transformers()
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            path, dtype=dtype or torch.float32
        ).to(device)
        tokenizer = _load_tokenizer(transformers, path)
    except Exception as error:  # transformers raises many kinds; all mean "not usable here"
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelDirError(
            f"{path} could not be loaded as a causal language model: {reason}"
        ) from None
    model.eval().requires_grad_(False)
    return Base(model=model, tokenizer=tokenizer, path=path)
