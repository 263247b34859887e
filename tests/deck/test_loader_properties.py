"""Property tests: whatever bytes a deck file holds, loading it never raises.

The loader's promise is that nothing but `DeckError` leaves it, and `DeckError` itself only for
bugs (an "internal error"). So for every input below we call `load_decks` directly (any other
exception fails the test with its traceback) and also require that no `DeckError` was needed:
hostile or broken files become problems, each a single line that names the file.
"""

from __future__ import annotations

import random
import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.deck.loader import LoadResult, load_decks
from studykit.deck.safe_yaml import Limits
from studykit.deck.scaffold import scaffold_text
from studykit.lab.catalog import Catalog

VALID = scaffold_text("prop")
SMALL = Limits(max_bytes=64 * 1024, max_depth=50, max_alias_nodes=2_000)
FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load_bytes(tmp_path, data: bytes) -> LoadResult:
    path = tmp_path / "deck.yaml"
    path.write_bytes(data)
    result = load_decks([path], lab_catalog=Catalog(tmp_path / "no-labs"), limits=SMALL)
    for problem in result.problems:
        line = str(problem)
        assert "\n" not in line and "\r" not in line, line
        assert problem.file in (str(path), str(tmp_path / "no-labs")), line
        assert problem.message
        assert "internal error" not in problem.message
    if any("it is left out until then" not in p.message for p in result.errors):
        assert result.decks == []  # only a card whose id is taken is left out on its own
    return result


def test_the_scaffold_used_as_a_seed_loads_clean(tmp_path):
    result = load_bytes(tmp_path, VALID.encode())
    assert result.errors == [] and len(result.decks) == 1


@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_raise(tmp_path, data):
    load_bytes(tmp_path, data)


@FAST
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=600))
def test_random_text_never_raises(tmp_path, text):
    load_bytes(tmp_path, text.encode("utf-8", errors="surrogatepass"))


YAML_BITS = list("{}[]:,-?&*!|>'\"#%@` \n\t") + ["  ", "- ", ": ", "\n  ", "&a ", "*a", "<<: "]


@FAST
@given(tokens=st.lists(st.sampled_from(YAML_BITS + list(string.ascii_letters[:6])), max_size=200))
def test_yaml_punctuation_soup_never_raises(tmp_path, tokens):
    load_bytes(tmp_path, "".join(tokens).encode())


def _mutate(text: str, rng: random.Random, steps: int) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(steps):
        action = rng.randrange(7)
        i = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines = ["x\n"]
        elif action == 0:  # delete a line
            del lines[i]
        elif action == 1:  # duplicate a line (duplicate keys, duplicate ids)
            lines.insert(i, lines[i])
        elif action == 2:  # swap two lines
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == 3:  # change the indentation
            lines[i] = " " * rng.randrange(0, 9) + lines[i].lstrip(" ")
        elif action == 4:  # overwrite a character with YAML punctuation
            line = lines[i]
            k = rng.randrange(len(line)) if line else 0
            lines[i] = line[:k] + rng.choice(YAML_BITS) + line[k + 1 :]
        elif action == 5:  # replace a value with another type
            if ": " in lines[i]:
                key, _ = lines[i].split(": ", 1)
                value = rng.choice(
                    [
                        "",
                        "~",
                        "42",
                        "-1.5e3",
                        "yes",
                        "true",
                        "[]",
                        "{}",
                        "[a, b]",
                        "{x: 1}",
                        "!!binary aGk=",
                        "&x 1",
                        "*x",
                        "'",
                        "|",
                        "no",
                    ]
                )
                lines[i] = f"{key}: {value}\n"
        else:  # truncate the line
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    return "".join(lines)


@FAST
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 8))
def test_mutated_valid_decks_never_raise(tmp_path, seed, steps):
    load_bytes(tmp_path, _mutate(VALID, random.Random(seed), steps).encode())


# Arbitrary YAML data, dumped and reloaded: wrong types in every position the model has.
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@FAST
@given(value=json_like)
def test_arbitrary_yaml_data_never_raises(tmp_path, value):
    load_bytes(tmp_path, yaml.safe_dump(value, allow_unicode=True).encode())


DECK_KEYS = [
    "id",
    "title",
    "description",
    "topics",
    "cards",
    "kind",
    "topic",
    "front",
    "back",
    "question",
    "choices",
    "answer",
    "answers",
    "statement",
    "pairs",
    "steps",
    "prompt",
    "lab",
    "params",
    "name",
    "learn_before",
    "why",
    "text",
    "left",
    "right",
]


@FAST
@given(data=st.data())
def test_valid_deck_with_random_values_swapped_in_never_raises(tmp_path, data):
    deck = yaml.safe_load(VALID)
    for _ in range(data.draw(st.integers(1, 5))):
        # walk down to a random dict inside the deck and put a random value under a deck key
        node = deck
        while True:
            children = list(node.values()) if isinstance(node, dict) else list(node)
            children = [c for c in children if isinstance(c, dict | list) and c]
            if not children or data.draw(st.booleans()):
                break
            node = data.draw(st.sampled_from(children))
        value = data.draw(json_like)
        if isinstance(node, dict):
            node[data.draw(st.sampled_from(DECK_KEYS))] = value
        else:
            node[data.draw(st.integers(0, len(node) - 1))] = value
    load_bytes(tmp_path, yaml.safe_dump(deck, allow_unicode=True).encode())


# Nesting deep enough that libyaml (0.2.6 and later) would refuse it first, on its own terms.
@FAST
@given(
    opener=st.sampled_from(["[", "{a: ", "[a, "]),
    levels=st.integers(SMALL.max_depth, 5_000),
    quoted=st.integers(0, 2_000),
)
def test_deep_nesting_is_refused_by_our_limit_in_one_line(tmp_path, opener, levels, quoted):
    # brackets inside a quoted string come first: they are text, and must not fool the count
    text = VALID + 'zz: ["' + "[" * quoted + '", ' + opener * levels + "\n"
    (problem,) = load_bytes(tmp_path, text.encode()).problems
    assert problem.line == VALID.count("\n") + 1, str(problem)
    assert f"nested more than {SMALL.max_depth} levels" in problem.message, str(problem)


@FAST
@given(digits=st.integers(1_001, 50_000), sign=st.sampled_from(["", "-", "+", "0x", "0o"]))
def test_an_integer_too_long_to_use_is_refused_in_one_line(tmp_path, digits, sign):
    text = VALID + f"zz: {sign}{'7' * digits}\n"
    (problem,) = load_bytes(tmp_path, text.encode()).problems
    assert problem.line == VALID.count("\n") + 1 and "integer" in problem.message, str(problem)
