"""The method registry: every method module registers itself, checks its options in one line,
trains the numbers its own formula predicts, and says what one more task stores; the `build`
façade builds what it built before the registry existed, and no core module names a method."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.lab.engine import methods
from studykit.lab.engine.measure import generator
from studykit.lab.engine.methods import REGISTRY, TRAINED, UNTRAINED, MethodError, build, get
from studykit.lab.engine.methods.registry import MethodSpec, register
from studykit.lab.engine.soft_prompt import SoftPrompt

PACKAGE = Path(methods.__file__).parent
CORE = ["__init__.py", "registry.py"]  # the only modules that are not a method
# Methods that need options to be built at all (a discrete prompt needs its tokens).
NEEDS_OPTIONS = {"discrete-prompt"}
DEFAULT_BUILT = [name for name in REGISTRY if name not in NEEDS_OPTIONS]


def _trainable(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def test_every_module_of_the_package_is_core_or_registers_a_method():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    registered_from = {
        spec.build.__module__.rsplit(".", 1)[-1] + ".py" for spec in REGISTRY.values()
    }
    assert sorted(set(CORE) | registered_from) == modules
    assert {"no-prompt", "hand-written", "prompt-tuning", "prefix-tuning", "full-finetune"} <= set(
        REGISTRY
    )
    assert set(TRAINED) | set(UNTRAINED) <= set(REGISTRY)
    assert all(REGISTRY[name].learns == "by gradient" for name in TRAINED)


def _string_constants_outside_docstrings(source: str) -> set[str]:
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


@pytest.mark.parametrize("core", CORE)
def test_no_core_module_names_a_method(core):
    """Adding a method is one new file: the registry and the façade never list the methods."""
    strings = _string_constants_outside_docstrings((PACKAGE / core).read_text(encoding="utf-8"))
    assert not strings & set(REGISTRY)


@pytest.mark.parametrize("name", DEFAULT_BUILT)
def test_each_method_trains_what_its_formula_says_and_stores_what_it_learned(name, base):
    spec = REGISTRY[name]
    model = build(name, base)
    count = spec.expected_trainable(model)
    assert _trainable(model) == count.value, str(count)
    assert str(count).endswith(f"= {count.value:,}")
    stored = spec.per_task(model)
    if spec.learns == "nothing":
        assert count.value == 0 and stored == {}
    else:
        assert stored and all(isinstance(t, torch.Tensor) for t in stored.values())
        assert not any(t.requires_grad for t in stored.values())  # saved values, not the graph
    own = spec.own_weights(model)
    if own is not None:  # it answers with its own weights: the trained ones
        assert _trainable(own) == count.value
    assert all(p.grad is None and not p.requires_grad for p in base.model.parameters())


def test_the_facade_builds_what_it_built_before_the_registry(base):
    """The same seed gives bit-for-bit the starting values the old if-chain gave."""
    ours = build("prompt-tuning", base, seed=3)
    before = SoftPrompt(base.model, 4, init="vocab", generator=generator(3, "prompt-tuning"))
    assert torch.equal(ours.prompt, before.prompt)


def test_a_shared_knob_is_ignored_by_a_method_without_it_and_an_unknown_one_is_an_error(base):
    assert _trainable(build("full-finetune", base, virtual_tokens=2, init="random")) > 0
    assert build("prompt-tuning", base, virtual_tokens=2, init=None).prompt.shape[0] == 2
    with pytest.raises(MethodError, match=r'^prompt-tuning: unknown option "rank" \(options: '):
        build("prompt-tuning", base, rank=3)


def test_an_unknown_method_names_the_closest_one():
    with pytest.raises(
        MethodError, match=r'unknown method "prompt-tunning" .*did you mean "prompt-tuning"'
    ):
        get("prompt-tunning")


def test_two_methods_cannot_share_a_name():
    with pytest.raises(MethodError, match='two methods are named "full-finetune"'):
        register(dataclasses.replace(REGISTRY["full-finetune"]))
    assert isinstance(REGISTRY["full-finetune"], MethodSpec)


hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=3),
    st.tuples(st.text(max_size=3)),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(REGISTRY)), data=st.data())
def test_any_option_value_makes_a_config_or_one_line_method_error(name, data):
    """Options come from labs, cards and the command line: whatever the value, the config is
    made or refused with one line naming the method, never another exception."""
    spec = REGISTRY[name]
    options = {field: data.draw(hostile, label=field) for field in spec.config.options()}
    try:
        config = spec.configure(**options)
    except MethodError as error:
        message = str(error)
        assert message.startswith(f"{name}: ") and "\n" not in message
    else:
        assert isinstance(config, spec.config)


def test_a_discrete_prompt_serves_its_tokens_and_stores_only_their_ids(base):
    spec = REGISTRY["discrete-prompt"]
    prompt = build("discrete-prompt", base, tokens=(5, 7))
    ids = torch.tensor([[3, 4, 8]])
    with torch.no_grad():
        by_hand = base.model(input_ids=torch.tensor([[5, 7, 3, 4, 8]]), use_cache=False).logits
        assert torch.equal(prompt(ids), by_hand[:, 2:])
    assert _trainable(prompt) == spec.expected_trainable(prompt).value == 0
    assert spec.per_task(prompt)["prompt_ids"].tolist() == [5, 7]
    vocabulary = base.config.vocab_size
    with pytest.raises(MethodError, match=f"token id {vocabulary} is not in the model's vocab"):
        build("discrete-prompt", base, tokens=(1, vocabulary))
    with pytest.raises(MethodError, match="^discrete-prompt: tokens must be a tuple of one or"):
        build("discrete-prompt", base)
