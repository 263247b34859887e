"""The soft prompt, the prefix and full fine-tuning on the bundled model: what trains, what stays
frozen, what the counts are, and that a seed repeats a run bit for bit."""

from __future__ import annotations

import pytest
import torch

from studykit.lab.engine.data import Encoder, TaskData
from studykit.lab.engine.evaluate import answer_loss, evaluate, scores
from studykit.lab.engine.finetune import FullFineTune
from studykit.lab.engine.measure import checksum
from studykit.lab.engine.methods import build
from studykit.lab.engine.prefix import Prefix
from studykit.lab.engine.soft_prompt import SoftPrompt
from studykit.lab.engine.train import TrainConfig, count_trainable, train
from studykit.lab.tasks import get_task

K = 4


@pytest.fixture
def data(base):
    return TaskData(
        get_task("reverse"), Encoder(base.tokenizer), seed=0, batch_size=16, eval_size=64
    )


def test_trainable_counts(base):
    L, d, _, _ = base.shape
    assert count_trainable(SoftPrompt(base.model, K)) == K * d
    assert count_trainable(Prefix(base.model, K)) == K * 2 * L * d
    mlp = Prefix(base.model, K, mlp_hidden=32)
    assert count_trainable(mlp) == K * d + (d * 32 + 32) + (32 * 2 * L * d + 2 * L * d)
    assert count_trainable(FullFineTune(base.model)) == base.num_params
    assert count_trainable(base.model) == 0  # building methods never unfreezes the base


@pytest.mark.parametrize("method", ["prompt-tuning", "prefix-tuning", "prefix-tuning-mlp"])
def test_gradients_reach_only_the_trainable_parameters(base, data, method):
    model = build(method, base, virtual_tokens=K)
    batch = data.next_batch()
    answer_loss(model(batch.input_ids), batch.labels).backward()
    for name, param in model.named_parameters():
        if name.startswith("base."):
            assert param.grad is None, name
        else:
            assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.parametrize("method", ["prompt-tuning", "prefix-tuning", "prefix-tuning-mlp"])
def test_training_leaves_the_base_bit_identical_and_learns(base, data, method):
    before = checksum(base.model)
    model = build(method, base, virtual_tokens=K)
    lr = 0.01 if method.endswith("mlp") else 0.1  # the MLP's weights need a gentler step
    config = TrainConfig(steps=8, lr=lr, eval_every=4)
    result = train(method, model, data, config, base_params=base.num_params)
    assert checksum(base.model) == before
    losses = [p["loss"] for p in result.curve if "loss" in p]
    assert len(losses) == 8 and losses[-1] < losses[0]


def test_full_fine_tuning_changes_a_copy_only(base, data):
    before = checksum(base.model)
    model = build("full-finetune", base)
    train("full-finetune", model, data, TrainConfig(steps=2, lr=1e-3), base_params=base.num_params)
    assert checksum(base.model) == before
    assert checksum(model.model) != before


def test_frozen_forward_matches_the_base_model(base, data):
    batch = data.eval_batch
    frozen = build("no-prompt", base)
    expected = base.model(input_ids=batch.input_ids).logits
    assert torch.equal(frozen(batch.input_ids), expected)


def test_prefix_cache_is_rebuilt_each_forward(base, data):
    """The model appends to the cache it is given; a reused cache would grow every call."""
    prefix = Prefix(base.model, K)
    ids = data.eval_batch.input_ids[:2]
    assert torch.equal(prefix(ids), prefix(ids))


def test_soft_prompt_inits(base):
    table = base.model.get_input_embeddings().weight
    vocab = SoftPrompt(base.model, K, init="vocab", generator=torch.Generator().manual_seed(0))
    assert all(any(torch.equal(row, word) for word in table) for row in vocab.prompt)
    with pytest.raises(ValueError, match="init"):
        SoftPrompt(base.model, K, init="zeros")


def test_prefix_vocab_init_uses_the_models_own_keys_and_values(base):
    prefix = Prefix(base.model, K, init="vocab", generator=torch.Generator().manual_seed(0))
    assert prefix.prefix.shape == (K, 2 * 2 * 64)
    assert prefix.prefix.std() > 0


@pytest.mark.parametrize("method", ["prompt-tuning", "prefix-tuning", "prefix-tuning-mlp"])
def test_starting_values_depend_only_on_the_seed(base, method):
    first = build(method, base, seed=1)
    torch.manual_seed(123)  # the global generator plays no part
    again, other = build(method, base, seed=1), build(method, base, seed=2)
    for a, b, c in zip(first.parameters(), again.parameters(), other.parameters(), strict=True):
        if a.requires_grad:
            assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("method", ["prompt-tuning", "prefix-tuning"])
def test_a_seed_repeats_a_run_bit_for_bit(base, method):
    def run(seed):
        data = TaskData(
            get_task("sort"), Encoder(base.tokenizer), seed=seed, batch_size=16, eval_size=32
        )
        model = build(method, base, virtual_tokens=K, seed=seed)
        result = train(
            method, model, data, TrainConfig(steps=5, eval_every=5), base_params=base.num_params
        )
        return [p.get("loss") for p in result.curve], [
            p.detach().clone() for p in model.parameters() if p.requires_grad
        ]

    (curve_a, params_a), (curve_b, params_b), (curve_c, _) = run(7), run(7), run(8)
    assert curve_a == curve_b
    assert all(torch.equal(a, b) for a, b in zip(params_a, params_b, strict=True))
    assert curve_a != curve_c


def test_stop_request_ends_training_and_keeps_measurements(base, data):
    events, polls = [], []

    def should_stop():  # polled once per step; says "stop" on the third poll
        polls.append(1)
        return len(polls) >= 3

    model = build("prompt-tuning", base, virtual_tokens=K)
    result = train(
        "prompt-tuning",
        model,
        data,
        TrainConfig(steps=50, eval_every=25),
        base_params=base.num_params,
        on_progress=events.append,
        should_stop=should_stop,
    )
    assert result.steps == 3 and [e.step for e in events] == [1, 2, 3]
    assert "exact_match" in result.curve[-1]  # evaluated at the stop
    assert events[-1].metrics["exact_match"] == result.exact_match_after


def test_stop_at_target(base, data):
    model = build("prompt-tuning", base, virtual_tokens=K)
    # a target of 0 is met before training: nothing to do
    result = train(
        "prompt-tuning",
        model,
        data,
        TrainConfig(steps=50, target=0.0, stop_at_target=True),
        base_params=base.num_params,
    )
    assert result.steps == 0 and result.steps_to_target == 0 and result.ms_per_step == 0
    # an easy target is met at the first evaluation, and training ends there
    result = train(
        "prompt-tuning",
        model,
        data,
        TrainConfig(steps=50, eval_every=2, target=0.01, stop_at_target=True),
        base_params=base.num_params,
    )
    assert result.steps == result.steps_to_target and result.steps < 50


def test_exact_match_agrees_with_greedy_generation(base):
    data = TaskData(get_task("sort"), Encoder(base.tokenizer), words=("sort",), eval_size=32)
    scores = evaluate(build("no-prompt", base), data.eval_batch)
    right = 0
    for example in data.eval_examples:
        ids = torch.tensor([Encoder(base.tokenizer).words(example.prompt)])
        out = base.model.generate(
            ids,
            max_new_tokens=len(example.answer),
            do_sample=False,
            pad_token_id=base.tokenizer.pad_token_id,
        )
        produced = base.tokenizer.convert_ids_to_tokens(out[0, ids.shape[1] :].tolist())
        right += produced[: len(example.answer)] == example.answer
    assert scores.exact_match == right / len(data.eval_examples)


def test_every_method_trained_on_the_same_data_sees_the_same_batches(base, data):
    runs = []
    for _ in range(2):  # the second run reuses `data` after the first consumed batches from it
        model = build("prefix-tuning", base, virtual_tokens=K, seed=0)
        result = train("prefix-tuning", model, data, TrainConfig(steps=3), base_params=1)
        runs.append([p.get("loss") for p in result.curve])
    assert runs[0] == runs[1]
    first, again = data.batches(), data.batches()
    assert all(torch.equal(next(first).input_ids, next(again).input_ids) for _ in range(3))


def test_a_large_held_out_set_is_scored_in_chunks_with_the_same_scores(base):
    data = TaskData(get_task("reverse"), Encoder(base.tokenizer), eval_size=300)
    model = build("prefix-tuning", base, virtual_tokens=K, seed=0)
    rows = []

    def forward(input_ids):
        rows.append(len(input_ids))
        return model(input_ids)

    chunked = evaluate(forward, data.eval_batch)
    with torch.no_grad():
        whole = model(data.eval_batch.input_ids)
    assert rows == [128, 128, 44]  # never more than EVAL_CHUNK rows at once
    assert chunked == scores(whole, data.eval_batch.labels)  # bit for bit


def test_encoding_pads_answers_and_prompts_on_the_right(base):
    data = TaskData(get_task("count"), Encoder(base.tokenizer), eval_size=64)
    batch, encoder = data.eval_batch, data.encoder
    widths = set()
    for n, example in enumerate(data.eval_examples):
        prompt = encoder.words(example.prompt)
        answer = [i for w in example.answer for i in encoder.word(w)]
        width, used = batch.input_ids.shape[1], len(prompt) + len(answer)
        assert batch.input_ids[n].tolist() == prompt + answer + [encoder.pad_id] * (width - used)
        assert batch.labels[n].tolist() == [-100] * len(prompt) + answer + [-100] * (width - used)
        widths.add(used)
    assert len(widths) > 1  # some rows were padded
