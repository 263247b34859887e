"""Pretraining the bundled base model: a tiny GPT-2 that knows six digit skills by name.

    studykit model pretrain --out DIR --seed 0     # what built studykit/lab/base_model/

Each training line is `word : digits = answer <eos>` with the word of one of the `PRETRAINING`
tasks; the loss covers the answer tokens only. Every example starts at a random position offset
(0..max_offset): GPT-2 has learned absolute position embeddings, so without this, k virtual tokens
prepended by a soft prompt or a prefix would push the real tokens to positions the model never saw,
and prompt tuning would stall.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from studykit.lab.engine.base import import_transformers, use_one_thread
from studykit.lab.engine.data import Batch, Encoder, TaskData, encode
from studykit.lab.engine.evaluate import Scores, answer_loss, evaluate
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.results import ProgressCallback, StopCheck
from studykit.lab.tasks import EOS, PAD, PRETRAINING, UNK, Example, make_example, vocabulary

RECIPE_FILE = "studykit_pretrain.json"  # the settings a model directory was pretrained with


@dataclass(frozen=True)
class PretrainConfig:
    seed: int = 0
    steps: int = 5000
    batch_size: int = 64
    lr: float = 3e-3  # peak; cosine decay to 0 (without the decay `sort` oscillates for long)
    warmup: int = 100  # steps of linear warm-up
    max_offset: int = 8  # random position offsets 0..max_offset for prepended virtual tokens
    eval_every: int = 250
    layers: int = 2
    width: int = 64
    heads: int = 4
    positions: int = 32  # longest line (16 tokens) + max_offset + room for a prompt
    # GPT-2's tanh-approximated GELU as one fused PyTorch op ("gelu_new" spells it out in five
    # elementwise ops): every training step of every method ran 20-30% faster with it.
    activation: str = "gelu_pytorch_tanh"


def build_tokenizer():
    """A word-level tokenizer over `tasks.vocabulary()`: one token per whitespace-separated word."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    PreTrainedTokenizerFast = import_transformers().PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate(vocabulary())}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    return PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token=UNK, pad_token=PAD, eos_token=EOS, bos_token=EOS
    )


def build_model(config: PretrainConfig, tokenizer):
    """A fresh GPT-2 with the config's shape, initialised from torch's global generator."""
    transformers = import_transformers()
    gpt2 = transformers.GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=config.positions,
        n_embd=config.width,
        n_layer=config.layers,
        n_head=config.heads,
        activation_function=config.activation,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,  # no dropout: runs repeat bit for bit
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return transformers.GPT2LMHeadModel(gpt2)


def task_scores(model, tokenizer) -> dict[str, Scores]:
    """Exact match of every pretraining task with its instruction word, on the held-out sets."""
    encoder = Encoder(tokenizer)
    model.eval()
    out = {}
    for name, task in PRETRAINING.items():
        data = TaskData(task, encoder, words=task.words, eval_size=256)
        out[name] = evaluate(
            lambda ids: model(input_ids=ids, use_cache=False).logits, data.eval_batch
        )
    return out


def _lr_factor(step: int, config: PretrainConfig) -> float:
    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))


def pretrain(
    out_dir: Path,
    config: PretrainConfig = PretrainConfig(),
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> dict[str, Scores] | None:
    """Train a base model from scratch and save it (weights, tokenizer, recipe) to `out_dir`.

    Returns the per-task scores of the saved model, or None when `should_stop` stopped the run
    before its last step (then nothing is saved). Deterministic for a given seed and thread count.
    """
    use_one_thread()
    torch.manual_seed(config.seed)
    tokenizer = build_tokenizer()
    model = build_model(config, tokenizer)
    encoder = Encoder(tokenizer)

    def loss(batch: tuple[Batch, torch.Tensor]) -> torch.Tensor:
        tokens, position_ids = batch
        logits = model(input_ids=tokens.input_ids, position_ids=position_ids, use_cache=False)
        return answer_loss(logits.logits, tokens.labels)

    def every_task(step: int) -> dict[str, float]:
        scores = {name: s.exact_match for name, s in task_scores(model, tokenizer).items()}
        model.train()  # task_scores left it in eval mode
        return {**scores, "exact_match": sum(scores.values()) / len(scores)}

    start = time.perf_counter()
    model.train()
    result = train(
        "pretrain",
        model,
        None,
        TrainConfig(steps=config.steps, lr=config.lr, eval_every=config.eval_every),
        base_params=sum(p.numel() for p in model.parameters()),
        loss=loss,
        optimizer=ScheduledAdamW(model, config),
        batches=_mixed_batches(encoder, config),
        evaluate=every_task,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    if result.steps < config.steps:
        # An unfinished model is not saved: in a model folder it would pass for a trained
        # one (and, over the shipped model, quietly break every lab).
        return None
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    final = task_scores(model, tokenizer)
    recipe = {
        "config": asdict(config),
        "steps_done": result.steps,
        "seconds": round(time.perf_counter() - start, 1),
        "exact_match": {name: s.exact_match for name, s in final.items()},
    }
    (out_dir / RECIPE_FILE).write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")
    return final


class ScheduledAdamW:
    """One optimizer step of pretraining: clip the gradient norm at 1.0, AdamW (weight decay
    0.01), then the learning rate's next warm-up/cosine factor."""

    def __init__(self, model: nn.Module, config: PretrainConfig):
        self.params = list(model.parameters())
        self.adamw = torch.optim.AdamW(self.params, lr=config.lr, weight_decay=0.01)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.adamw, lambda s: _lr_factor(s, config)
        )

    @property
    def state(self) -> dict:
        return self.adamw.state  # what adam_state_bytes counts

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.adamw.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.adamw.step()
        self.schedule.step()


def _mixed_batches(
    encoder: Encoder, config: PretrainConfig
) -> Iterator[tuple[Batch, torch.Tensor]]:
    """Endless batches of every pretraining task mixed (never a held-out example), each row at a
    random position offset: (batch (B, T), position_ids (B, T))."""
    held_out = {
        ex.key()
        for task in PRETRAINING.values()
        for ex in TaskData(task, encoder, words=task.words).eval_examples
    }
    rng = random.Random(f"pretrain:{config.seed}")
    tasks = list(PRETRAINING.values())
    while True:
        examples: list[Example] = []
        while len(examples) < config.batch_size:
            task = rng.choice(tasks)
            example = make_example(task, rng, task.words)
            if example.key() not in held_out:
                examples.append(example)
        batch = encode(examples, encoder)
        B, T = batch.input_ids.shape
        offsets = torch.tensor([rng.randint(0, config.max_offset) for _ in range(B)])
        yield batch, torch.arange(T).unsqueeze(0) + offsets.unsqueeze(1)  # (B, T)
