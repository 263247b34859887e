"""Loss and scores on the answer tokens.

A causal LM's logits at position t predict token t+1, so logits[:, :-1] are compared with
labels[:, 1:]. Exact match comes from one teacher-forced forward pass: an example counts when the
most likely next token is right at every answer position. That is exactly what greedy decoding
would produce, because greedy decoding feeds back those same tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from studykit.lab.engine.data import IGNORE, Batch

Forward = Callable[[torch.Tensor], torch.Tensor]  # input_ids (B, T) -> logits (B, T, V)


def answer_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over answer tokens. logits (B, T, V), labels (B, T) -> scalar.
    At least in float32: a bfloat16 or float16 model's logits are widened first."""
    vocab = logits.shape[-1]
    if logits.dtype in (torch.bfloat16, torch.float16):
        logits = logits.float()
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, vocab), labels[:, 1:].reshape(-1), ignore_index=IGNORE
    )


@dataclass(frozen=True)
class Scores:
    exact_match: float  # share of examples with every answer token right
    token_accuracy: float  # share of answer tokens right
    loss: float

    def as_metrics(self) -> dict[str, float]:
        return {
            "exact_match": self.exact_match,
            "token_accuracy": self.token_accuracy,
            "eval_loss": self.loss,
        }


def scores(logits: torch.Tensor, labels: torch.Tensor) -> Scores:
    """Scores of logits (B, T, V) against labels (B, T)."""
    predicted = logits[:, :-1].argmax(-1)  # (B, T-1)
    target = labels[:, 1:]  # (B, T-1)
    is_answer = target != IGNORE
    right = predicted == target
    exact = (right | ~is_answer).all(dim=1).float().mean()
    tokens = right[is_answer].float().mean()
    return Scores(exact.item(), tokens.item(), answer_loss(logits, labels).item())


EVAL_CHUNK = 128  # rows per forward pass when scoring


@torch.no_grad()
def evaluate(forward: Forward, batch: Batch) -> Scores:
    """Score a model (any input_ids -> logits function) on a batch, without gradients.
    A held-out set of 256 runs as two forward passes of 128 rows: the same logits bit for bit
    (each row's are its own), a quarter less CPU time on the 2-core project machine."""
    ids = batch.input_ids
    if len(ids) <= EVAL_CHUNK:
        return scores(forward(ids), batch.labels)
    chunks = [forward(ids[start : start + EVAL_CHUNK]) for start in range(0, len(ids), EVAL_CHUNK)]
    return scores(torch.cat(chunks), batch.labels)
