"""From task examples (words) to tensors: token ids, answer labels, and a held-out evaluation set.

Labels follow the Hugging Face convention: the token id on answer positions, -100 elsewhere, so
the loss and the exact match look only at what the model must produce after `=`.
Sequences are right-padded; a causal model never attends to padding that comes after a token, so
no attention mask is needed. Batches are built on the CPU and handed over on the model's device
(`Encoder(tokenizer, device=...)`), so a lab on a GPU never mixes devices.

A tokenizer that cannot write what every example is made of (a digit, `:`, `=`, the end of
sequence) is a `VocabularyError`, one line naming the word. Instruction words are checked only
where a lab relies on them (`Encoder.require`, which `LabRun.data(task, words=...)` calls): the
prompt-engineering lab feeds words the model never saw on purpose, and they read as <unk>.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from studykit.lab.errors import VocabularyError
from studykit.lab.tasks import ASK, EOS, SEP, Example, Task, make_example

IGNORE = -100  # label of positions that are not part of the answer
SYMBOLS = frozenset([*map(str, range(10)), SEP, ASK])  # in every example of every task


class Encoder:
    """Words to token ids for one tokenizer, each distinct word encoded once and cached.

    With the bundled word-level tokenizer every word is one token. With a subword tokenizer (a real
    GPT-2, say) a word may become several tokens; words after the first get a leading space so they
    tokenize as they would inside a sentence.
    """

    def __init__(self, tokenizer, device: torch.device | str = "cpu", source: str = "the model"):
        self.tokenizer, self.device, self.source = tokenizer, torch.device(device), source
        if tokenizer.eos_token_id is None:
            raise VocabularyError(
                f"the tokenizer of {source} has no end-of-sequence token, which ends every "
                "answer of the synthetic tasks; set eos_token in its tokenizer_config.json"
            )
        self.eos_id: int = tokenizer.eos_token_id
        pad = tokenizer.pad_token_id
        self.pad_id: int = pad if pad is not None else self.eos_id
        self._cache: dict[tuple[str, bool], list[int]] = {}

    def word(self, word: str, first: bool = False) -> list[int]:
        key = (word, first)
        if key not in self._cache:
            if word == EOS:
                ids = [self.eos_id]
            else:
                ids = self.tokenizer.encode(word if first else " " + word, add_special_tokens=False)
                if word in SYMBOLS:
                    self._check(word, ids)
            self._cache[key] = ids
        return self._cache[key]

    def require(self, words: tuple[str, ...] | list[str]) -> None:
        """`VocabularyError` unless the tokenizer writes each of `words` as itself."""
        for n, word in enumerate(words):
            self._check(word, self.word(word, first=n == 0))

    def _check(self, word: str, ids: list[int]) -> None:
        """The word must come out as itself: no unknown token, no characters lost."""
        unknown = self.tokenizer.unk_token_id
        written = self.tokenizer.decode(ids).strip() if ids else ""
        if not ids or (unknown is not None and unknown in ids) or written != word:
            raise VocabularyError(
                f'the tokenizer of {self.source} cannot write "{word}", a word the synthetic '
                f'tasks use (it comes out as "{written}"); give a model whose tokenizer has '
                "the digits 0-9, : and = and the task words (any byte-level BPE, such as GPT-2's)"
            )

    def words(self, words: list[str]) -> list[int]:
        return [i for n, w in enumerate(words) for i in self.word(w, first=n == 0)]


@dataclass
class Batch:
    input_ids: torch.Tensor  # (B, T) token ids, right-padded
    labels: torch.Tensor  # (B, T) answer token ids, IGNORE elsewhere

    def __len__(self) -> int:
        return self.input_ids.shape[0]


def encode(examples: list[Example], encoder: Encoder) -> Batch:
    """Examples -> one right-padded batch (B, T)."""
    rows, labels = [], []
    for example in examples:
        prompt = encoder.words(example.prompt)
        answer = [i for w in example.answer for i in encoder.word(w)]
        rows.append(prompt + answer)
        labels.append([IGNORE] * len(prompt) + answer)
    width = max(map(len, rows))
    # Padded as lists, one tensor each (a tensor per row cost half of a batch's encoding);
    # made on the CPU, moved once (a no-op on the CPU): row by row to a GPU would be B copies.
    input_ids = torch.tensor([row + [encoder.pad_id] * (width - len(row)) for row in rows])
    label_ids = torch.tensor([label + [IGNORE] * (width - len(label)) for label in labels])
    return Batch(input_ids.to(encoder.device), label_ids.to(encoder.device))


class TaskData:
    """Training batches and a held-out evaluation set for one task.

    The evaluation set depends only on the task (the same for every seed and method, so runs compare
    fairly); training batches come from `seed` and never repeat an evaluation prompt.
    `batches()` starts the same sequence afresh on every call, so every method trained on this data
    (`train.train` uses it) sees exactly the same batches; `next_batch()` continues one shared
    stream instead.
    """

    def __init__(
        self,
        task: Task,
        encoder: Encoder,
        *,
        words: tuple[str, ...] = (),
        seed: int = 0,
        batch_size: int = 64,
        eval_size: int = 256,
    ):
        self.task, self.encoder, self.words, self.batch_size = task, encoder, words, batch_size
        eval_rng = random.Random(f"eval:{task.name}")  # str seeds are hashed with sha512: stable
        held_out: dict[tuple[str, ...], Example] = {}
        while len(held_out) < eval_size:
            example = make_example(task, eval_rng, words)
            held_out.setdefault(example.key(), example)
        self.eval_examples = list(held_out.values())
        self.eval_batch = encode(self.eval_examples, encoder)
        self._held_out = set(held_out)
        self._seed = seed
        self._rng = self._train_rng()

    def _train_rng(self) -> random.Random:
        return random.Random(f"train:{self.task.name}:{self._seed}")

    def next_examples(self, rng: random.Random | None = None) -> list[Example]:
        rng = rng or self._rng
        examples: list[Example] = []
        while len(examples) < self.batch_size:
            example = make_example(self.task, rng, self.words)
            if example.key() not in self._held_out:
                examples.append(example)
        return examples

    def next_batch(self) -> Batch:
        return encode(self.next_examples(), self.encoder)

    def batches(self) -> Iterator[Batch]:
        """An endless stream of training batches, the same one on every call."""
        rng = self._train_rng()
        while True:
            yield encode(self.next_examples(rng), self.encoder)
