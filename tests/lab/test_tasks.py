"""The synthetic tasks and their encoding into tensors."""

from __future__ import annotations

import random

import pytest

from studykit.lab.engine.data import IGNORE, Encoder, TaskData, encode
from studykit.lab.tasks import NEW, PRETRAINING, get_task, make_example, task_names


@pytest.mark.parametrize(
    ("name", "digits", "answer"),
    [
        ("copy", [3, 1, 4], [3, 1, 4]),
        ("reverse", [3, 1, 4], [4, 1, 3]),
        ("sort", [3, 1, 4], [1, 3, 4]),
        ("add1", [9, 1, 4], [0, 2, 5]),
        ("max", [3, 1, 4], [4]),
        ("count", [3, 1, 4, 1], [4]),
        ("rotate", [3, 1, 4], [1, 4, 3]),
        ("swap", [3, 1, 4, 1, 5], [1, 3, 1, 4, 5]),
        ("mul2", [3, 6], [6, 2]),
        ("min", [3, 1, 4], [1]),
        ("reverse+add1", [3, 1, 9], [0, 2, 4]),
        ("sort+reverse", [3, 1, 4], [4, 3, 1]),
    ],
)
def test_task_answers(name, digits, answer):
    assert get_task(name).solve(digits) == answer


def test_known_and_new_tasks_are_separate():
    assert all(t.known for t in PRETRAINING.values())
    assert not any(t.known for t in NEW.values())
    assert not get_task("reverse+add1").known
    assert get_task("reverse+add1").words == ("reverse", "add1")
    assert set(PRETRAINING) | set(NEW) <= set(task_names())
    with pytest.raises(KeyError, match="unknown task"):
        get_task("juggle")


def test_example_words():
    example = make_example(get_task("reverse"), random.Random(0), ("reverse",))
    assert example.prompt[0] == "reverse" and example.prompt[1] == ":"
    assert example.prompt[-1] == "=" and example.answer[-1] == "<eos>"
    digits = example.prompt[2:-1]
    assert example.answer[:-1] == digits[::-1]


def test_labels_cover_only_the_answer(base):
    encoder = Encoder(base.tokenizer)
    example = make_example(get_task("reverse"), random.Random(1))
    batch = encode([example], encoder)
    labels = batch.labels[0].tolist()
    answer_ids = encoder.words(example.answer)
    assert [x for x in labels if x != IGNORE] == answer_ids
    assert labels[: len(example.prompt)] == [IGNORE] * len(example.prompt)


def test_held_out_prompts_never_appear_in_training(base):
    # 3-digit count prompts are few (1,000), so collisions would show up if allowed
    data = TaskData(get_task("count"), Encoder(base.tokenizer), seed=0, batch_size=512)
    held_out = {example.key() for example in data.eval_examples}
    assert len(held_out) == len(data.eval_examples) == 256
    seen = [example.key() for _ in range(4) for example in data.next_examples()]
    assert len(seen) == 4 * 512
    assert not held_out & set(seen)


def test_training_batches_depend_on_the_seed_and_the_held_out_set_does_not(base):
    encoder = Encoder(base.tokenizer)
    a, b, c = (TaskData(get_task("sort"), encoder, seed=s) for s in (0, 0, 1))
    first = [data.next_examples() for data in (a, b, c)]
    assert first[0] == first[1] and first[0] != first[2]
    assert a.eval_examples == c.eval_examples
