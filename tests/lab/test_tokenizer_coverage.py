"""A model whose tokenizer cannot write the synthetic tasks is refused in one line naming the
word, before training; the bundled tokenizer and a real BPE-style one write every word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_models import save_tiny
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.errors import VocabularyError
from studykit.lab.runner import run_lab
from studykit.lab.tasks import EOS, PAD, UNK, get_task, vocabulary


def word_level(words: list[str], eos: bool = True):
    """A word-level tokenizer over `words`, built as `studykit model pretrain` builds its own."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    from studykit.lab.engine.base import import_transformers

    core = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.decoder = decoders.WordPiece(prefix="##")
    specials = {"eos_token": EOS, "bos_token": EOS} if eos else {}
    return import_transformers().PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token=UNK, pad_token=PAD, **specials
    )


def without(*missing: str) -> list[str]:
    return [w for w in vocabulary() if w not in missing]


def test_the_bundled_tokenizer_writes_every_task(base):
    encoder = Encoder(base.tokenizer)
    encoder.require(get_task("sort+reverse").words)
    TaskData(get_task("rotate"), encoder, eval_size=8)  # digits, ":" and "=" checked here


def test_a_missing_instruction_word_is_one_line_naming_it_and_the_folder(tmp_path):
    folder = save_tiny(tmp_path, "gpt2", tokenizer=word_level(without("reverse")))
    with pytest.raises(VocabularyError) as refused:
        run_lab("prompt-vs-prefix", {"model": str(folder), "steps": 1, "task": "reverse"})
    message = str(refused.value)
    assert '"reverse"' in message and str(folder) in message and "\n" not in message


def test_a_missing_digit_is_refused_even_where_no_word_is_written_by_hand(tmp_path):
    folder = save_tiny(tmp_path, "gpt2", tokenizer=word_level(without("7")))
    with pytest.raises(VocabularyError, match='cannot write "7"'):
        run_lab("soft-prompt", {"model": str(folder), "steps": 1, "seeds": 1})


def test_a_tokenizer_without_an_end_of_sequence_token_is_refused(base):
    with pytest.raises(VocabularyError, match="no end-of-sequence token"):
        Encoder(word_level(vocabulary(), eos=False))


def test_the_cli_says_so_in_one_line_with_no_traceback(tmp_path):
    folder = save_tiny(tmp_path, "gpt2", tokenizer=word_level(without("=")))
    args = ["lab", "run", "soft-prompt", "steps=1", "seeds=1", f"model={folder}"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2
    lines = [line for line in out.stderr.splitlines() if line.startswith("studykit:")]
    assert len(lines) == 1 and 'cannot write "="' in lines[0]
    assert "Traceback" not in out.output + out.stderr


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(vocabulary()[3:]), max_size=4))  # keep <pad>, <eos>, <unk>
def test_any_missing_word_is_named_or_nothing_is_missing(missing):
    """Whatever words a tokenizer lacks, the encoder either writes the task and its word or
    names one of the missing words; it never hands the model an <unk> in the task itself."""
    encoder = Encoder(word_level(without(*missing)))
    task = get_task("reverse")
    try:
        encoder.require(task.words)
        data = TaskData(task, encoder, words=task.words, eval_size=16)
    except VocabularyError as error:
        assert any(f'"{word}"' in str(error) for word in missing)
        return
    written = {word for example in data.eval_examples for word in example.prompt + example.answer}
    assert missing.isdisjoint(written - {EOS})  # every word the model reads is its own token
