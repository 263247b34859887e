"""Lab `rl-prompt`: searching discrete prompts with reinforcement learning, gradient-free.

    studykit lab rl-prompt [--task reverse] [--prompt-tokens 1] [--steps 40] [--seed 0]

In the spirit of RLPrompt (Deng et al. 2022, arXiv 2205.12548), with the parts cut down to fit:

- the policy: for each of k prompt positions, a categorical distribution over the vocabulary's
  tokens (k×C logits; RLPrompt uses an MLP inside a frozen distilGPT-2);
- the reward: how many answer tokens the frozen model gets right behind a sampled prompt,
  computed from forward passes only, under `torch.no_grad()`;
- the update: REINFORCE, with the rewards of one step's samples turned into z-scores (the mean
  is the baseline; dividing by the spread is RLPrompt's reward stabilisation).

The learned prompt is real tokens, so it prints as text. A soft prompt trained by gradient
descent on the same task is the comparison: accuracy, and how many forward and backward passes
each needed, counted by hooks on the language model.

What the miniature cannot show: with 18 candidate tokens and one prompt position, every prompt
can be tried, so the search here is a demonstration of the mechanics, not of RLPrompt's point
that a policy finds good prompts in a space (50,257 tokens per position) too large to try; nor
can a 100k-parameter model show how prompting methods change with scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from studykit.lab.engine.data import IGNORE, Batch, TaskData
from studykit.lab.engine.discrete_prompt import DiscretePrompt
from studykit.lab.engine.evaluate import evaluate, scores
from studykit.lab.engine.harness import LabRun
from studykit.lab.engine.instruments import CallCounter, Calls, snapshot
from studykit.lab.engine.measure import generator
from studykit.lab.engine.methods import build
from studykit.lab.engine.train import TrainConfig, train
from studykit.lab.results import MethodResult, Progress, ProgressCallback, StopCheck
from studykit.lab.tasks import get_task

TARGET = 0.95  # held-out exact match that counts as "reached"
SOFT_TOKENS = 4  # the soft prompt's length, as in the other labs
EXHAUSTIVE_LIMIT = 2000  # try every prompt only when there are at most this many


# -- the lab -----------------------------------------------------------------------------------


def run(lab: LabRun, params: dict[str, Any]) -> None:
    lab.curves("reward", "loss", "exact_match")
    lm, task, k = lab.base.model, get_task(params["task"]), params["prompt_tokens"]
    lab.measure("no-prompt", lab.data(task))
    lab.measure("hand-written", lab.data(task, words=task.words))

    config = SearchConfig(
        steps=params["steps"],
        samples=params["samples"],
        examples=params["examples"],
        lr=params["policy_lr"],
    )
    policy = TokenPolicy(k, candidate_tokens(lab.base.tokenizer))
    search = reinforce(
        lm,
        policy,
        lab.data(task, batch_size=config.examples),
        config,
        CallCounter(lm),
        generator(lab.seed, "rl-prompt"),
        lab.base.num_params,
        lab.on_progress,
        lab.should_stop,
    )
    lab.record("rl-prompt", search.result)
    grads = Grads(
        lm_with_grad=sum(p.grad is not None for p in lm.parameters()),
        lm_total=sum(1 for _ in lm.parameters()),
        policy_has_grad=policy.logits.grad is not None,
    )

    soft = None
    if not lab.stopped:
        soft = _soft_prompt(lab, task, params, config.eval_every)
    ranking = None
    if not lab.stopped and len(policy.candidates) ** k <= EXHAUSTIVE_LIMIT:
        with CallCounter(lm) as calls:
            ranking = exhaustive(lm, policy, lab.data(task).eval_batch, k, lab.base.tokenizer)
        ranking.calls = calls
    _report(lab, task, policy, search, soft, ranking, grads)


# -- the policy --------------------------------------------------------------------------------


class TokenPolicy(nn.Module):
    """k independent categorical distributions over C candidate tokens: logits (k, C).

    All logits start at zero, so every prompt is equally likely at first.
    """

    def __init__(self, k: int, candidates: list[int]):
        super().__init__()
        self.candidates = torch.tensor(candidates)  # (C,) token ids
        self.logits = nn.Parameter(torch.zeros(k, len(candidates)))  # (k, C)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n prompts as candidate indexes (n, k), drawn without gradients."""
        probs = torch.softmax(self.logits.detach(), dim=-1)  # (k, C)
        return torch.multinomial(probs, n, replacement=True, generator=gen).T

    def log_prob(self, choices: torch.Tensor) -> torch.Tensor:
        """log π(prompt) for choices (n, k): the sum over positions, (n,)."""
        log_probs = torch.log_softmax(self.logits, dim=-1)  # (k, C)
        return log_probs.gather(1, choices.T).sum(dim=0)

    def token_ids(self, choices: torch.Tensor) -> torch.Tensor:
        """Candidate indexes (..., k) -> token ids (..., k)."""
        return self.candidates[choices]

    def greedy(self) -> torch.Tensor:
        """The most likely prompt, as candidate indexes (k,)."""
        return self.logits.argmax(dim=-1)

    def confidence(self) -> float:
        """The smallest, over positions, of the top token's probability."""
        return torch.softmax(self.logits.detach(), dim=-1).max(dim=-1).values.min().item()


# -- the reward, from forward passes only ------------------------------------------------------


def with_prompt(prompt_ids: torch.Tensor, batch: Batch) -> Batch:
    """Put the token ids prompt_ids (n, k) in front of every example of batch (M, T): one row
    per (prompt, example) pair, prompt-major: (n·M, k+T). The prompt positions are not scored."""
    n, k = prompt_ids.shape
    M, device = batch.input_ids.shape[0], batch.input_ids.device
    prompt_ids = prompt_ids.to(device)  # the policy samples on the CPU; the model may be on a GPU
    ids = torch.cat((prompt_ids.repeat_interleave(M, dim=0), batch.input_ids.repeat(n, 1)), dim=1)
    ignored = torch.full((n * M, k), IGNORE, device=device)
    labels = torch.cat((ignored, batch.labels.repeat(n, 1)), dim=1)
    return Batch(ids, labels)


@torch.no_grad()
def prompt_rewards(lm: nn.Module, prompt_ids: torch.Tensor, batch: Batch) -> torch.Tensor:
    """The reward of each of n prompts (n, k): the share of answer tokens the frozen model gets
    right behind it, over the M examples of batch. One forward pass, no gradients. -> (n,)"""
    n, M = prompt_ids.shape[0], batch.input_ids.shape[0]
    joined = with_prompt(prompt_ids, batch)
    logits = lm(input_ids=joined.input_ids, use_cache=False).logits  # (n·M, k+T, V)
    return torch.tensor(
        [
            scores(logits[i * M : (i + 1) * M], joined.labels[i * M : (i + 1) * M]).token_accuracy
            for i in range(n)
        ]
    )


# -- the search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchConfig:
    steps: int = 40
    samples: int = 16  # prompts sampled per step
    examples: int = 16  # training examples each sampled prompt is scored on
    lr: float = 0.2
    eval_every: int = 5


@dataclass
class Search:
    result: MethodResult
    policy: TokenPolicy
    calls_to_target: Calls | None
    calls: Calls
    rewards: list[list[float]] = field(default_factory=list)  # every sample's reward, per step
    # (step, the policy's most likely prompt as token ids, its held-out exact match)
    trail: list[tuple[int, list[int], float]] = field(default_factory=list)


def reinforce(
    lm: nn.Module,
    policy: TokenPolicy,
    data: TaskData,
    config: SearchConfig,
    counter: CallCounter,
    gen: torch.Generator,
    base_params: int,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> Search:
    """Train the policy with REINFORCE on rewards from the frozen model's forward passes: hooks
    on the one training loop (the policy-gradient loss, the step's rewards, the greedy prompt's
    held-out score), with Adam on the policy's logits."""
    rewards: list[torch.Tensor] = []  # every step's rewards (n,)
    trail: list[tuple[int, list[int], float]] = []
    at_target: Calls | None = None

    def policy_loss(batch: Batch) -> torch.Tensor:
        choices = policy.sample(config.samples, gen)  # (n, k)
        reward = prompt_rewards(lm, policy.token_ids(choices), batch)  # (n,)
        rewards.append(reward)
        # z-scores: the step's mean reward is the baseline; dividing by the spread keeps the
        # update's size steady as rewards get noisier or more alike
        advantage = (reward - reward.mean()) / (reward.std() + 1e-6)
        return -(advantage * policy.log_prob(choices)).mean()

    def step_figures(step: int, point: dict[str, float | None]) -> str:
        point["reward"] = rewards[-1].mean().item()
        point["confidence"] = policy.confidence()
        return ""

    def greedy_prompt(step: int) -> dict[str, float]:
        nonlocal at_target
        prompt_ids = policy.token_ids(policy.greedy())
        score = evaluate(DiscretePrompt(lm, prompt_ids), data.eval_batch).exact_match
        trail.append((step, prompt_ids.tolist(), score))
        if at_target is None and score >= TARGET:
            at_target = snapshot(counter.calls)
        return {"exact_match": score}

    loop = TrainConfig(config.steps, config.lr, eval_every=config.eval_every, target=TARGET)
    with counter as calls:
        result = train(
            "rl-prompt",
            policy,
            data,
            loop,
            base_params=base_params,
            loss=policy_loss,
            evaluate=greedy_prompt,
            on_step=step_figures,
            on_progress=on_progress,
            should_stop=should_stop,
        )
    all_rewards = [r.tolist() for r in rewards]
    return Search(result, policy, at_target, snapshot(calls), all_rewards, trail)


def candidate_tokens(tokenizer) -> list[int]:
    """Every token of the vocabulary but the special ones (padding, end, unknown)."""
    special = set(tokenizer.all_special_ids)
    return [i for i in range(len(tokenizer)) if i not in special]


@dataclass
class Ranking:
    """Every possible prompt scored by the reward on one batch, best first."""

    prompts: list[str]
    rewards: list[float]
    calls: Calls | None = None


@torch.no_grad()
def exhaustive(lm: nn.Module, policy: TokenPolicy, batch: Batch, k: int, tokenizer) -> Ranking:
    """Score every possible k-token prompt on batch (token accuracy), best first."""
    C = len(policy.candidates)
    grid = torch.cartesian_prod(*[torch.arange(C)] * k).view(-1, k)  # (C^k, k)
    rewards = torch.cat(
        [prompt_rewards(lm, policy.token_ids(chunk), batch) for chunk in grid.split(16)]
    )
    order = rewards.argsort(descending=True, stable=True).tolist()
    return Ranking(
        [_tokens_text(tokenizer, policy.token_ids(grid[i])) for i in order],
        [rewards[i].item() for i in order],
    )


def _tokens_text(tokenizer, token_ids: torch.Tensor) -> str:
    """Token ids (k,) as the text a person would copy ("reverse", or "reverse 6")."""
    return tokenizer.decode(token_ids.tolist()).strip()


@dataclass
class Grads:
    lm_with_grad: int  # the language model's parameter tensors with a .grad after the search
    lm_total: int
    policy_has_grad: bool


@dataclass
class SoftRun:
    result: MethodResult
    calls: Calls
    calls_to_target: Calls | None


def _soft_prompt(lab: LabRun, task, params: dict, eval_every: int) -> SoftRun:
    """Prompt tuning on the same task, by gradient descent through the frozen model, counted."""
    model = build(
        "prompt-tuning", lab.base, virtual_tokens=SOFT_TOKENS, seed=lab.seed, init="random"
    )
    config = TrainConfig(
        steps=params["soft_steps"],
        lr=params["soft_lr"],
        eval_every=eval_every,
        target=TARGET,
        stop_at_target=True,
    )
    counter = CallCounter(lab.base.model)
    watch = _TargetWatch(counter, lab.on_progress)
    with counter as calls:
        result = train(
            "soft prompt",
            model,
            lab.data(task),
            config,
            base_params=lab.base.num_params,
            on_progress=watch,
            should_stop=lab.should_stop,
        )
    lab.record("soft prompt", result)
    return SoftRun(result, snapshot(calls), watch.at_target)


class _TargetWatch:
    """Pass progress on, and note the call counts when held-out exact match first reaches TARGET."""

    def __init__(self, counter: CallCounter, on_progress: ProgressCallback | None):
        self.counter, self.on_progress = counter, on_progress
        self.at_target: Calls | None = None

    def __call__(self, event: Progress) -> None:
        if self.at_target is None and event.metrics.get("exact_match", 0.0) >= TARGET:
            self.at_target = snapshot(self.counter.calls)
        if self.on_progress:
            self.on_progress(event)


# -- tables and claims -------------------------------------------------------------------------


def _report(
    lab: LabRun,
    task,
    policy: TokenPolicy,
    search: Search,
    soft: SoftRun | None,
    ranking: Ranking | None,
    grads: Grads,
) -> None:
    tokenizer = lab.base.tokenizer
    best = policy.token_ids(policy.greedy())
    text = _tokens_text(tokenizer, best)
    probs = torch.softmax(policy.logits.detach(), dim=-1).max(dim=-1).values
    word = " ".join(task.words)
    found = word in text.split()
    name = "The prompt the policy learned"
    lab.table(
        name,
        ["position", "token", "policy's probability"],
        [
            [i + 1, tok, p]
            for i, (tok, p) in enumerate(
                zip(tokenizer.convert_ids_to_tokens(best.tolist()), probs.tolist(), strict=True)
            )
        ],
        note=(
            f'As text: "{text}". The task\'s own instruction word "{word}" is '
            + (
                "in it: the search rediscovered it."
                if found
                else "not in it: the search settled on other tokens."
            )
            + f" Candidates: {len(policy.candidates)} tokens per position."
        ),
    )
    _reward_table(lab, search, tokenizer)
    _calls_table(lab, search, soft, ranking)
    if ranking:
        _ranking_table(lab, ranking, text)
    _claims(lab, task, policy, search, soft, ranking, grads, text, best)


def _reward_table(lab: LabRun, search: Search, tokenizer) -> None:
    by_step = {step: (ids, em) for step, ids, em in search.trail}
    rows = []
    for step, rewards in enumerate(search.rewards, start=1):
        if step in by_step:
            ids, em = by_step[step]
            rows.append(
                [
                    step,
                    sum(rewards) / len(rewards),
                    min(rewards),
                    max(rewards),
                    _tokens_text(tokenizer, torch.tensor(ids)),
                    em,
                ]
            )
    name = f"Reward per step ({len(search.rewards[0]) if search.rewards else 0} sampled prompts)"
    lab.table(
        name,
        [
            "step",
            "mean reward",
            "lowest",
            "highest",
            "most likely prompt",
            "its held-out exact match",
        ],
        rows,
        note=(
            "Reward: the share of answer tokens the frozen model gets right behind a sampled "
            "prompt, on a fresh batch each step; the policy learns from nothing else. Rewards are "
            "turned into z-scores within each step (mean as baseline), RLPrompt's stabilisation."
        ),
    )


def _calls_table(lab, search: Search, soft: SoftRun | None, ranking: Ranking | None) -> None:
    def to_target(at: Calls | None) -> str:
        return f"{at.forward:,} / {at.sequences:,}" if at else "not reached"

    def counts(c: Calls) -> list[str]:
        return [f"{c.forward:,}", f"{c.forward_with_grad:,}", f"{c.sequences:,}", f"{c.backward:,}"]

    rows = [["RL search", *counts(search.calls), to_target(search.calls_to_target)]]
    if soft:
        rows.append(["soft prompt", *counts(soft.calls), to_target(soft.calls_to_target)])
    if ranking and ranking.calls:
        rows.append([f"all {len(ranking.prompts):,} prompts", *counts(ranking.calls), "-"])
    name = "What each method asked of the language model"
    lab.table(
        name,
        ["method", "forward", "with grad", "sequences", "backward", f"to {TARGET:.0%}"],
        rows,
        note=(
            "Counted by hooks on the language model; evaluations on the held-out set included. "
            "forward: forward calls (one RL call scores every sampled prompt on its examples at "
            "once); with grad: those run with autograd on; sequences: rows sent through the "
            "model; backward: backward passes through it; soft prompt: trained by gradients; "
            f"to {TARGET:.0%}: calls / sequences until the held-out exact match first reached it."
        ),
    )


def _ranking_table(lab: LabRun, ranking: Ranking, learned: str) -> None:
    rank = ranking.prompts.index(learned) + 1
    rows = [
        [i + 1, p, r]
        for i, (p, r) in enumerate(zip(ranking.prompts[:5], ranking.rewards[:5], strict=True))
    ]
    name = f"Every possible prompt, scored on the held-out set (top 5 of {len(ranking.prompts):,})"
    note = (
        f'The policy\'s prompt "{learned}" ranks {rank}. With a vocabulary this small every '
        "prompt can be tried; a real one (GPT-2: 50,257 tokens per position) rules that out, "
        "and a learned policy is what scales."
    )
    lab.table(name, ["rank", "prompt", "reward (token accuracy)"], rows, note=note)


def _claims(lab, task, policy, search, soft, ranking, grads, text, best) -> None:
    calls = search.calls
    lab.invariant(
        f"the search never differentiated the language model: all {calls.forward} of its forward "
        f"calls ran under no_grad, and {calls.backward} backward passes reached it",
        calls.forward > 0 and calls.forward_with_grad == 0 and calls.backward == 0,
    )
    lab.invariant(
        f"after the search none of the model's {grads.lm_total} parameter tensors has a .grad; "
        "only the policy's logits do",
        grads.lm_with_grad == 0 and grads.policy_has_grad,
    )
    lab.invariant(
        "the language model's weights are bit-for-bit unchanged (sha256 of the state_dict)",
        lab.base_unchanged(),
    )
    tokenizer = lab.base.tokenizer
    again = tokenizer(text, add_special_tokens=False)["input_ids"]
    lab.invariant(
        f'the learned prompt is plain text: "{text}" tokenizes back to the same '
        f"{len(best)} token(s)",
        again == best.tolist(),
    )
    if soft:
        steps = soft.result.steps
        lab.invariant(
            f"the soft prompt needed a backward pass through the model at each of its {steps} "
            "training steps",
            soft.calls.backward == steps and steps > 0,
        )
    word = " ".join(task.words)
    lab.claim(
        f'the search rediscovered the task\'s own instruction word: "{word}" is in "{text}"',
        word in text.split(),
    )
    rl_em = search.result.exact_match_after
    lab.claim(
        f"the learned prompt reaches ≥ {TARGET:.0%} exact match on the held-out set ({rl_em:.1%})",
        rl_em >= TARGET,
    )
    if ranking:
        rank = ranking.prompts.index(text) + 1
        lab.claim(
            f'no prompt scores better than the learned "{text}" when all '
            f"{len(ranking.prompts):,} are tried (it ranks {rank})",
            ranking.rewards[rank - 1] >= ranking.rewards[0],
        )
    _observe(lab, task, search, soft, text)


def _observe(lab, task, search: Search, soft: SoftRun | None, text: str) -> None:
    word = " ".join(task.words)
    lab.observe(
        "found_own_word",
        "yes" if word in text.split() else "no",
        detail=f'learned prompt "{text}"; the task\'s word is "{word}"',
        rows=["rl-prompt"],
    )
    lab.observe(
        "rl_backward_passes",
        search.calls.backward,
        detail=f"{search.calls.forward} forward calls, {search.calls.sequences:,} sequences, "
        f"{search.calls.backward} backward passes through the language model",
        rows=["rl-prompt"],
    )
    if soft is not None:
        rl, grad = search.calls_to_target, soft.calls_to_target
        if rl and grad:
            first = "rl-prompt" if rl.sequences < grad.sequences else "soft prompt"
            first = "tie" if rl.sequences == grad.sequences else first
        else:
            first = "rl-prompt" if rl else "soft prompt" if grad else "neither"
        lab.observe(
            "fewer_sequences_to_target",
            first,
            detail=f"sequences through the model until {TARGET:.0%}: RL search "
            f"{f'{rl.sequences:,}' if rl else 'not reached'}, soft prompt "
            f"{f'{grad.sequences:,}' if grad else 'not reached'}",
            rows=["rl-prompt", "soft prompt"],
        )
