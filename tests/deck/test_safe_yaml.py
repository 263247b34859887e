"""Safe YAML: plain values only, YAML 1.2 scalars, duplicate keys caught, hostile input bounded,
and a position for every key and value."""

from __future__ import annotations

import math
import time

import pytest
import yaml

from studykit.deck import safe_yaml
from studykit.deck.safe_yaml import Limits, parse_yaml, plain_scalar


def parse(text: str | bytes, limits: Limits = Limits()):
    data = text.encode() if isinstance(text, str) else text
    document, problems = parse_yaml(data, limits)
    return (document.data if document else None), [(p.line, p.column, p.message) for p in problems]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("null", None),
        ("~", None),
        ("", None),
        ("nulls", "nulls"),
        ("42", 42),
        ("-7", -7),
        ("0o17", 15),
        ("0x1F", 31),
        ("017", 17),
        ("1.5", 1.5),
        ("-1e-3", -0.001),
        (".5", 0.5),
        ("1.", 1.0),
        ("1:30", "1:30"),
        ("2021-04-18", "2021-04-18"),
        ("1_000", "1_000"),
        ("0b11", "0b11"),
        ("forward", "forward"),
        ("-", "-"),
        ("+", "+"),
        (".", "."),
        ("e3", "e3"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    assert plain_scalar(text) == value and type(plain_scalar(text)) is type(value)


def test_special_floats():
    assert plain_scalar(".inf") == math.inf and plain_scalar("-.Inf") == -math.inf
    assert math.isnan(plain_scalar(".nan"))


def test_quoted_and_block_scalars_are_always_text():
    data, problems = parse("a: 'true'\nb: \"42\"\nc: |\n  yes\nd: !!str 7\ne: ! 8\n")
    assert data == {"a": "true", "b": "42", "c": "yes\n", "d": "7", "e": "8"} and problems == []


def test_the_same_document_as_pyyaml_for_ordinary_decks():
    text = "id: x\nlist: [1, 2.5, text]\nnested:\n  - {k: v}\n  - null\nflag: false\n"
    assert parse(text)[0] == yaml.safe_load(text)


def test_duplicate_keys_are_reported_and_the_first_value_kept():
    data, problems = parse("a: 1\nb: {c: 1, c: 2}\na: 3\n")
    assert data == {"a": 1, "b": {"c": 1}}
    assert problems == [
        (2, 11, 'duplicate key "c" (first given on line 2); keep one of them'),
        (3, 1, 'duplicate key "a" (first given on line 1); keep one of them'),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!python/object:os.system ls", "the tag !!python/object:os.system is not allowed"),
        ("a: !!python/name:os.system", "the tag !!python/name:os.system is not allowed"),
        ("a: !custom {x: 1}", "the tag !custom is not allowed"),
        ("a: !!binary aGVsbG8=", "the tag !!binary is not allowed"),
        ("a: !!int ten", '"ten" is not a valid !!int'),
        ("a: 1\n---\nb: 2", "a deck file holds one YAML document"),
        ("a: &x [*x]", "alias *x is used inside its own anchor &x"),
        ("a: *nope", "alias *nope has no matching anchor &nope above it"),
        ("? [a, b]\n: 1", "a mapping key must be a plain value, not a collection"),
        ("a: [1, 2", "YAML syntax error: the [ list that starts here never ends; close it"),
        ("a: b: c", "YAML syntax error: "),  # then PyYAML's words, which are not ours to pin
        ("a: \x07", "character U+0007 is not allowed in YAML; delete it"),
        ("<<: 3", "a merge key (<<) needs a mapping or a list of mappings"),
    ],
)
def test_refused_yaml_is_one_problem_with_a_position(text, message):
    data, problems = parse(text)
    assert data is None and len(problems) == 1
    line, column, said = problems[0]
    assert line >= 1 and column >= 1 and said.startswith(message), said


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('a: 1\nb: "open\nc: 3\nd: 4\n', (2, 4), "the quoted text that starts here never ends"),
        ("a: 1\nb: {x: 1,\n  y: 2\n", (2, 4), "the { mapping that starts here never ends"),
    ],
)
def test_an_unclosed_quote_or_bracket_is_reported_where_it_opens(text, where, message):
    _, problems = parse(text)
    line, column, said = problems[0]
    assert (line, column) == where and message in said


def test_a_key_cut_off_at_the_end_of_the_file_is_not_called_unclosed():
    # a truncated file ending in a key without its colon: nothing opened, so no "never ends"
    _, problems = parse("a: 1\nb:\n  - x: 1\n    y")
    line, column, said = problems[0]
    assert "never ends" not in said and said.startswith("YAML syntax error: "), said
    assert line >= 4  # at the cut, not at the top of the file


def test_not_utf8_or_binary_is_refused_before_parsing():
    assert parse(b"a: \xff\xfe")[1] == [
        (1, 4, "byte 0xff is not valid UTF-8; save the file as UTF-8")
    ]
    assert parse(b"ok: 1\nb: \x00")[1] == [
        (2, 4, "file contains NUL bytes: this is not a text file")
    ]


def test_a_byte_order_mark_is_accepted():
    assert parse(b"\xef\xbb\xbfa: 1")[0] == {"a": 1}


def test_size_limit():
    _, problems = parse("a: " + "x" * 100, Limits(max_bytes=50))
    assert problems == [
        (0, 0, "file is 103 bytes, over the 50-byte limit; split the deck into several files")
    ]


TOO_DEEP = "values are nested more than 50 levels deep; a deck never needs that"


@pytest.fixture(params=["libyaml", "pure-python"])
def either_parser(request, monkeypatch):
    """Run a test with libyaml (which refuses 1,000 levels itself since 0.2.6, and reads ahead of
    the events it hands over) and with PyYAML's pure-Python parser (which does neither)."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CBaseLoader"):
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(safe_yaml, "_Loader", yaml.CBaseLoader)
    else:
        monkeypatch.setattr(safe_yaml, "_Loader", yaml.BaseLoader)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("[" * 1_000_000, (1, 51), id="a million ["),
        pytest.param("\ufeff" + "[" * 10_000, (1, 51), id="after a byte order mark"),
        pytest.param("a: 1\r\nb: " + "[" * 10_000, (2, 53), id="on a later line"),
        pytest.param("a: 1\rb: [\u00e9, " + "[" * 10_000, (2, 56), id="after a lone CR and text"),
        pytest.param("a:\n  b: " + "{x: " * 10 + "[" * 2_000, (2, 84), id="block, then flow"),
        pytest.param("- " * 2_000 + "x", (1, 101), id="block sequences on one line"),
        # the first 60 brackets are text, so the limit is passed 60 columns later
        pytest.param('a: ["' + "[" * 60 + '", ' + "[" * 2_000, (1, 117), id="brackets in quotes"),
    ],
)
def test_deep_nesting_stops_at_our_limit_whichever_parser_reads_it(either_parser, text, where):
    # the values are built from events, without recursion, so no depth crashes the interpreter
    # CPU time, not wall time: other processes' load must not fail it
    started = time.process_time()
    _, problems = parse(text)
    assert problems == [(*where, TOO_DEEP)]
    assert time.process_time() - started < 1.0


def test_a_syntax_error_on_a_line_of_quoted_brackets_is_still_a_syntax_error(either_parser):
    _, problems = parse('a: "' + "[" * 2_000 + '" b: c\n')
    ((line, _, said),) = problems
    assert line == 1 and said.startswith("YAML syntax error") and "nest" not in said


def test_nesting_up_to_the_limit_is_read(either_parser):
    # the mapping is one level, so 49 lists inside it make 50
    data, problems = parse("a: " + "[" * 49 + "]" * 49)
    innermost: list = []
    for _ in range(48):
        innermost = [innermost]
    assert problems == [] and data == {"a": innermost}
    assert parse("a: " + "[" * 50 + "]" * 50)[1] == [(1, 53, TOO_DEEP)]


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("1" * 200_000, id="200,000 digits"),
        pytest.param("-" + "9" * 4_301, id="just over Python's limit"),
        pytest.param("0x" + "f" * 2_000, id="hex"),
        pytest.param("!!int " + "1" * 5_000, id="tagged"),
    ],
)
def test_an_integer_too_long_to_use_is_one_problem_on_its_line(number):
    _, problems = parse(f"id: x\nn: {number}\n")
    ((line, column, said),) = problems
    assert (line, column) == (2, 4) and "integer" in said and "quote it" in said, said


def test_long_numbers_within_the_limit_and_quoted_ones_are_kept():
    data, problems = parse(f"a: {'9' * 1_000}\nb: '{'1' * 200_000}'\nc: {'1' * 5_000}.5\n")
    assert problems == []
    assert data["a"] == int("9" * 1_000) and data["b"] == "1" * 200_000
    assert data["c"] > 1e300  # a float: any length reads (a huge one is inf)


def test_alias_expansion_is_charged_in_full_so_a_billion_laughs_fails_at_once():
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    _, problems = parse(text, Limits(max_alias_nodes=5_000))
    # *a costs 11 values (the list and its 10 items), *b 111, *c 1,111: b's aliases add 110,
    # c's 1,110, and the 4th *c on line 4 takes the total past 5,000
    assert problems == [
        (
            4,
            20,
            "aliases expand to more than 5,000 values; write the values out "
            "or use fewer nested aliases",
        )
    ]


def test_aliases_within_budget_share_the_value_and_merge_keys_work():
    data, problems = parse(
        "base: &base {task: sort, steps: 20}\n"
        "one: {<<: *base, steps: 40}\n"
        "two:\n  <<: [*base, {lr: 0.1}]\n"
        "same: *base\n"
    )
    assert problems == []
    assert data["one"] == {"task": "sort", "steps": 40}
    assert data["two"] == {"task": "sort", "steps": 20, "lr": 0.1}
    assert data["same"] is data["base"]


def test_empty_and_comment_only_files_have_no_document():
    assert parse_yaml(b"") == (None, [])
    assert parse_yaml(b"# just a comment\n") == (None, [])


def test_locate_points_at_values_keys_and_items():
    document, _ = parse_yaml(
        b"id: x\ncards:\n  - id: c1\n    choices:\n      - a\n      - text: b\n        why: w\n"
    )
    assert document.locate(("id",)) == (1, 5)
    assert document.locate(("id",), at_key=True) == (1, 1)
    assert document.locate(("cards", 0, "choices", 1, "why")) == (7, 14)
    assert document.locate(("cards", 0, "choices", 0)) == (5, 9)
    # path parts that are not in the data (pydantic's union tags, missing keys) are skipped
    assert document.locate(("cards", 0, "mcq", "choices")) == (5, 7)
    assert document.locate(("cards", 0, "missing")) == (3, 5)
    assert document.locate(()) == (1, 1)


def test_numbers_written_back_differently_are_listed_with_their_spelling():
    document, problems = parse_yaml(b"a: 0.10\nb: [1e-4, 42, '0.10', 1.5]\nc: {d: +3, e: .inf}\n")
    assert problems == [] and document is not None
    found = sorted(document.respelled_numbers())
    assert found == [(("a",), "0.10", 0.1), (("b", 0), "1e-4", 0.0001), (("c", "d"), "+3", 3)] + [
        (("c", "e"), ".inf", float("inf"))
    ]
    assert document.locate(("b", 0)) == (2, 5)
