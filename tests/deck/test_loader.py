"""The loader: good decks out, every problem reported once with file:line:column and a fix."""

from __future__ import annotations

import pytest
from deck_helpers import load, write

from studykit.deck.errors import DeckError, Problem
from studykit.deck.loader import load_deck, load_decks
from studykit.deck.model import MultipleChoice, ShortAnswer, TrueFalse
from studykit.deck.safe_yaml import Limits
from studykit.lab.catalog import Catalog

HEAD = """\
id: pt
title: Prompt tuning
description: Soft prompts.
topics:
  - id: pt-basics
    title: Basics
cards:
"""

MCQ_E = (
    HEAD
    + """\
  - id: pt-06
    kind: flashcard
    topic: pt-basics
    front: What is frozen?
    back: The base model.
  - id: pt-07
    kind: mcq
    topic: pt-basics
    question: Which tensor does prompt tuning train?
    choices: [The soft prompt, Every weight, The output head, Nothing]
    answer: E
"""
)


def test_the_error_line_has_file_line_column_card_and_what_is_wrong(tmp_path, labs_dir):
    path = write(tmp_path, "prompt-tuning.yaml", MCQ_E)
    result = load(path, labs_dir)
    assert [str(p) for p in result.problems] == [
        f'{path}:18:13: card pt-07: answer "E" is not one of the choices A-D; '
        "name a choice by its letter"
    ]
    assert result.decks == [] and result.files == 1
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.card, problem.severity) == (
        18,
        13,
        "pt-07",
        "error",
    )


def test_a_valid_deck_loads_with_normalised_answers(tmp_path, labs_dir):
    text = MCQ_E.replace("answer: E", "answer: c")  # letters are case-insensitive
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    assert result.problems == []
    (deck,) = result.decks
    mcq = deck.cards[1]
    assert isinstance(mcq, MultipleChoice) and mcq.answer == "C" and mcq.correct_index == 2
    assert result.sources["pt"].file == str(tmp_path / "pt.yaml")
    assert result.sources["pt"].where("cards", 1, "answer") == (18, 13)


def test_every_problem_in_a_file_is_reported_in_one_run(tmp_path, labs_dir):
    text = HEAD + (
        "  - id: c1\n    kind: mcq\n    topic: pt-basics\n    question: Q?\n"
        "    choices: [a, b]\n    answer: Z\n"  # line 13: bad letter
        "  - id: c2\n    kind: true_false\n    topic: pt-basics\n    statement: S\n"
        "    answer: yes\n"  # line 18: not a boolean
        "    explaination: typo\n"  # line 19: unknown key
        "  - id: c3\n    kind: flashcard\n    topic: nowhere\n    front: F\n"  # line 22: topic
        "  - id: c4\n    kind: quiz\n"  # line 24: unknown kind
        "  - id: c1\n    kind: short\n    topic: pt-basics\n    question: Q\n"  # 26: dup id
        "    answers: [x]\n"
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    found = [(p.line, p.card, p.message) for p in result.problems]
    assert found == [
        (13, "c1", 'answer "Z" is not one of the choices A-B; name a choice by its letter'),
        (18, "c2", '"answer" must be true or false, got the text "yes"'),
        (19, "c2", 'unknown key "explaination" in a true_false card; did you mean "explanation"?'),
        (20, "c3", 'a flashcard card needs "back"; add it'),
        (22, "c3", 'topic "nowhere" is not a topic of this deck; add it under topics:'),
        (
            24,
            "c4",
            'unknown kind "quiz"; use one of flashcard, mcq, multi, true_false, matching, '
            "order, short, cloze, predict",
        ),
        (
            26,
            "c1",
            'id "c1" is already used by another card (line 8); give this card another id '
            "(it is left out until then)",
        ),
    ]


def test_a_broken_deck_does_not_take_down_the_others(tmp_path, labs_dir):
    write(tmp_path, "a.yaml", MCQ_E.replace("answer: E", "answer: A"))
    write(tmp_path, "b.yaml", "id: b\ntitle: [broken\n")
    write(tmp_path, "c.yaml", "")
    result = load(tmp_path, labs_dir)
    assert [d.id for d in result.decks] == ["pt"]
    assert result.files == 3
    assert [(p.file.split("/")[-1], p.line) for p in result.errors] == [
        ("b.yaml", 2),  # where the unclosed [ opens, not the end of the file
        ("c.yaml", 1),
    ]
    assert "YAML syntax error" in result.errors[0].message
    assert "the file is empty" in result.errors[1].message


CROSS_A = """\
id: deck-a
title: A
description: First.
topics:
  - id: backprop
    title: Backpropagation
cards:
  - {id: shared-id, kind: flashcard, topic: backprop, front: F, back: B}
"""
CROSS_B = """\
id: deck-b
title: B
description: Second.
topics:
  - id: soft-prompts
    title: Soft prompts
    learn_before: backprop
  - id: backprop
    title: Again
cards:
  - {id: shared-id, kind: flashcard, topic: soft-prompts, front: F, back: B}
"""


def test_ids_are_unique_across_decks_and_the_first_one_wins(tmp_path, labs_dir):
    a = write(tmp_path, "a.yaml", CROSS_A)
    b = write(tmp_path, "b.yaml", CROSS_B)
    result = load([a, b], labs_dir)
    assert [d.id for d in result.decks] == ["deck-a"]
    assert [str(p) for p in result.problems] == [
        f'{b}:8:9: id "backprop" is already used by another topic ({a}:5:9); '
        "give this topic another id",
        f'{b}:11:10: card shared-id: id "shared-id" is already used by another card ({a}:8:10); '
        "give this card another id (it is left out until then)",
    ]
    # the same in the other file order: which side is wrong never depends on file names
    swapped = load(
        [write(tmp_path, "z.yaml", CROSS_A), write(tmp_path, "0.yaml", CROSS_B)], labs_dir
    )
    assert [d.id for d in swapped.decks] == ["deck-a"]
    assert [p.file for p in swapped.problems] == [str(tmp_path / "0.yaml")] * 2


def test_learn_before_may_name_a_topic_of_another_deck(tmp_path, labs_dir):
    a = write(tmp_path, "a.yaml", CROSS_A)
    fixed = CROSS_B.replace("  - id: backprop\n    title: Again\n", "").replace("shared-id", "b-1")
    b = write(tmp_path, "b.yaml", fixed)
    result = load([a, b], labs_dir)
    assert result.problems == []
    assert result.decks[1].topics[0].learn_before == ["backprop"]  # one id is short for a list
    # alone, deck b names a topic no loaded deck has: a warning, and deck b still loads
    alone = load([b], labs_dir)
    assert [(p.line, p.column, p.severity, p.message) for p in alone.problems] == [
        (
            7,
            19,
            "warning",
            'learn_before: no loaded deck has a topic "backprop"; load its deck or check the id',
        )
    ]
    assert [d.id for d in alone.decks] == ["deck-b"]


def test_a_deck_leaning_on_a_broken_deck_still_loads_with_a_warning(tmp_path, labs_dir):
    a = write(tmp_path, "a.yaml", CROSS_A.replace("back: B}", "back: [B]}"))  # a type error
    fixed = CROSS_B.replace("  - id: backprop\n    title: Again\n", "").replace("shared-id", "b-1")
    b = write(tmp_path, "b.yaml", fixed)
    result = load([a, b], labs_dir)
    assert [d.id for d in result.decks] == ["deck-b"]
    assert [(p.file, p.line, p.severity, p.message) for p in result.problems] == [
        (str(a), 8, "error", '"back" should be text, got a list'),
        (
            str(b),
            7,
            "warning",
            f'learn_before: topic "backprop" is in a deck that has errors ({a}); until it is '
            "fixed, this deck is studied without that prerequisite",
        ),
    ]


def test_lab_params_are_checked_against_the_lab_catalog(tmp_path, labs_dir):
    text = HEAD + (
        "  - id: c1\n    kind: flashcard\n    topic: pt-basics\n    front: F\n    back: B\n"
        "    lab: {name: prompt-vs-prefix, params: {task: sort, steps: 9999, lr: 1}}\n"
        "  - id: c2\n    kind: flashcard\n    topic: pt-basics\n    front: F2\n    back: B\n"
        "    lab: prompt-vs-prefx\n"
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    assert [(p.line, p.column, p.card, p.severity, p.message) for p in result.problems] == [
        (
            13,
            63,
            "c1",
            "error",
            "lab prompt-vs-prefix: steps must be ≤ 500, got 9999; fix the card's lab params",
        ),
        (
            13,
            73,
            "c1",
            "error",
            'lab prompt-vs-prefix has no parameter "lr"; fix the card\'s lab params',
        ),
        (
            19,
            10,
            "c2",
            "warning",
            'lab "prompt-vs-prefx" does not exist (yet); did you mean "prompt-vs-prefix"?',
        ),
    ]
    assert result.decks == []  # the param errors hold the deck back; the warning alone would not


def test_an_unknown_lab_is_only_a_warning(tmp_path, labs_dir):
    text = HEAD + (
        "  - id: c1\n    kind: flashcard\n    topic: pt-basics\n    front: F\n    back: B\n"
        "    lab: {name: rl-prompt, params: {anything: 1}}\n"
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    assert [p.severity for p in result.problems] == ["warning"]
    assert len(result.decks) == 1 and result.decks[0].cards[0].lab.name == "rl-prompt"


def test_an_unreadable_lab_catalog_is_a_warning_not_a_crash(tmp_path):
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "bad.yaml").write_text("name: [unclosed\n")
    text = HEAD + "  - {id: c1, kind: flashcard, topic: pt-basics, front: F, back: B, lab: x}\n"
    result = load_decks([write(tmp_path, "pt.yaml", text)], lab_catalog=Catalog(labs))
    assert len(result.decks) == 1
    assert [(p.file, p.severity) for p in result.problems] == [(str(labs), "warning")]
    assert "cannot read the lab catalog" in result.problems[0].message


class FakeCatalog:
    """A lab catalog that is not the lab layer's: the loader takes any object of this shape."""

    where = "fake-labs"

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict]] = []

    def names(self) -> list[str]:
        return ["count-up"]

    def check_params(self, name: str, params: dict) -> list[str]:
        self.asked.append((name, params))
        return [f"lab {name}: {key} is not welcome" for key in params]


def test_lab_links_are_checked_against_the_catalog_the_caller_passes(tmp_path):
    text = HEAD + (
        "  - {id: c1, kind: flashcard, topic: pt-basics, front: F, back: B,\n"
        "     lab: {name: count-up, params: {steps: 3}}}\n"
        "  - {id: c2, kind: flashcard, topic: pt-basics, front: G, back: B, lab: count-upp}\n"
    )
    path = write(tmp_path, "pt.yaml", text)
    catalog = FakeCatalog()
    result = load_decks([path], lab_catalog=catalog)
    assert [str(p) for p in result.problems] == [
        f"{path}:9:44: card c1: lab count-up: steps is not welcome; fix the card's lab params",
        f'{path}:10:73: warning: card c2: lab "count-upp" does not exist (yet); '
        'did you mean "count-up"?',
    ]
    assert catalog.asked == [("count-up", {"steps": 3})]
    unchecked = load_decks([path])  # no catalog given: lab links are not checked at all
    assert unchecked.problems == [] and len(unchecked.decks) == 1


def test_yaml_1_1_booleans_stay_text_and_numbers_are_taken_as_text(tmp_path, labs_dir):
    text = HEAD + (
        "  - id: c1\n    kind: mcq\n    topic: pt-basics\n    question: Is it on?\n"
        "    choices:\n      - text: yes\n      - text: no\n        why: no\n      - 1:30\n"
        "    answer: a\n"
        "  - id: c2\n    kind: short\n    topic: pt-basics\n    question: 6 x 7?\n"
        "    answers: [42, '1e-3', 0.5]\n"
        "  - id: c3\n    kind: true_false\n    topic: pt-basics\n    statement: S\n"
        "    answer: false\n"
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    assert result.problems == []
    mcq, short, true_false = result.decks[0].cards
    assert isinstance(mcq, MultipleChoice) and isinstance(short, ShortAnswer)
    assert [c.text for c in mcq.choices] == ["yes", "no", "1:30"] and mcq.choices[1].why == "no"
    assert short.answers == ["42", "1e-3", "0.5"]
    assert isinstance(true_false, TrueFalse) and true_false.answer is False


def test_paths_that_are_not_decks_are_problems(tmp_path, labs_dir):
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    (empty_dir / "notes.txt").write_text("not a deck")
    result = load([tmp_path / "missing.yaml", empty_dir], labs_dir)
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'missing.yaml'}: no such file or folder",
        f"{empty_dir}: no deck files (*.yaml, *.yml) in this folder",
    ]
    assert result.files == 0


def test_folders_are_searched_recursively_skipping_hidden_ones(tmp_path, labs_dir):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    write(tmp_path / "sub", "a.yml", CROSS_A)
    write(tmp_path / ".git", "b.yaml", "garbage: [")
    result = load(tmp_path, labs_dir)
    assert result.problems == [] and [d.id for d in result.decks] == ["deck-a"]


def test_a_file_named_twice_is_loaded_once(tmp_path, labs_dir):
    a = write(tmp_path, "a.yaml", CROSS_A)
    result = load([a, tmp_path], labs_dir)
    assert result.files == 1 and result.problems == []


def test_hostile_files_fail_fast_with_one_line(tmp_path, labs_dir):
    laughs = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write(tmp_path, "laughs.yaml", laughs)
    write(tmp_path, "deep.yaml", "[" * 4000)
    write(tmp_path, "big.yaml", "x: " + "y" * 5000 + "\n")
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    result = load_decks([tmp_path], lab_catalog=Catalog(labs_dir), limits=Limits(max_bytes=4096))
    messages = {p.file.split("/")[-1]: p.message for p in result.problems}
    assert len(result.problems) == 4 and result.decks == []
    assert messages["big.yaml"].startswith("file is 5,004 bytes, over the 4,096-byte limit")
    assert messages["binary.yaml"] == "file contains NUL bytes: this is not a text file"
    assert messages["laughs.yaml"].startswith("aliases expand to more than")
    # our depth limit, whatever limit the installed libyaml has of its own
    (deep,) = [p for p in result.problems if p.file.endswith("deep.yaml")]
    assert deep.line == 1 and "nest" in deep.message and "\n" not in str(deep)


def test_an_integer_too_long_to_use_is_a_deck_error_on_its_line(tmp_path, labs_dir):
    # Python refuses to read an int of over 4,300 digits: that was an "internal error"
    card = "  - {id: c1, kind: flashcard, topic: pt-basics, front: F, back: %s}\n"
    path = write(tmp_path, "pt.yaml", HEAD + card % ("1" * 200_000))
    (problem,) = load(path, labs_dir).problems
    assert (problem.file, problem.line, problem.severity) == (str(path), 8, "error")
    assert "integer" in problem.message and "internal error" not in problem.message


def test_default_limits_refuse_a_billion_laughs(tmp_path, labs_dir):
    levels = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    result = load(write(tmp_path, "laughs.yaml", levels), labs_dir)
    (problem,) = result.problems
    assert "aliases expand to more than 100,000 values" in problem.message
    assert problem.line == 6  # stops at the first alias past the budget, not the end


def test_load_deck_returns_the_deck_or_raises_deck_error_with_every_error(tmp_path, labs_dir):
    good = write(tmp_path, "good.yaml", CROSS_A)
    assert load_deck(good, lab_catalog=Catalog(labs_dir)).id == "deck-a"
    bad = write(tmp_path, "bad.yaml", MCQ_E)
    with pytest.raises(DeckError) as caught:
        load_deck(bad, lab_catalog=Catalog(labs_dir))
    assert [p.card for p in caught.value.problems] == ["pt-07"]
    assert str(caught.value) == str(caught.value.problems[0])


def test_a_loader_bug_surfaces_as_deck_error_not_a_traceback(tmp_path, labs_dir, monkeypatch):
    import studykit.deck.loader as loader

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(loader, "parse_yaml", broken)
    with pytest.raises(DeckError, match=r"internal error while loading decks \(ZeroDivisionError"):
        load_decks([write(tmp_path, "a.yaml", CROSS_A)], lab_catalog=Catalog(labs_dir))


def test_problem_lines_stay_on_one_line_and_serialise_to_json():
    problem = Problem("d.yaml", 3, 5, "c\n1", 'lab "a\nb" is odd', "warning")
    assert str(problem) == 'd.yaml:3:5: warning: card c 1: lab "a b" is odd'
    assert problem.to_json() == {
        "file": "d.yaml",
        "line": 3,
        "column": 5,
        "card": "c 1",
        "message": 'lab "a b" is odd',
    }
    assert str(Problem("d.yaml", 0, 0, None, "no such file")) == "d.yaml: no such file"


def test_did_you_mean_suggests_only_keys_allowed_where_the_typo_is(tmp_path, labs_dir):
    text = (
        "name: pt\n"
        + HEAD.replace("title: Prompt tuning\n", "titel: Prompt tuning\n")
        + (
            "  - id: c1\n    kind: mcq\n    topic: pt-basics\n    question: Q?\n"
            "    choices:\n      - text: a\n        whyy: no\n      - b\n    answer: B\n"
        )
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    messages = [p.message for p in result.problems]
    assert 'unknown key "name"; remove it' in messages  # never "did you mean "name"?"
    assert 'unknown key "titel"; did you mean "title"?' in messages
    assert 'unknown key "whyy"; did you mean "why"?' in messages


MISPLACED = """\
id: ind
title: Indentation
description: Misplaced keys.
topics:
  - id: ind-t
    title: T
    cards: oops
learn_before: [x]
cards:
  - id: i-1
    kind: mcq
    topic: ind-t
    question: Q?
    choices:
      - text: a
      - text: b
        answer: B
  - id: i-2
    kind: flashcard
    topic: ind-t
    front: F
    back: B
    lab:
      name: prompt-vs-prefix
    params:
      task: sort
  - id: i-3
    kind: mcq
    topic: ind-t
    question: Q?
    choices: [a, b]
    answer: A
    why: because
"""


def test_a_key_one_level_off_gets_check_the_indentation_not_remove_it(tmp_path, labs_dir):
    text = MISPLACED.replace("ind-t", "pt-basics").replace("i-", "c")
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    found = [(p.line, p.card, p.message) for p in result.problems if "indentation" in p.message]
    assert found == [
        (
            7,
            None,
            'unknown key "cards" in a topic; check the indentation: `cards` belongs to the deck, '
            "not to a topic",
        ),
        (
            8,
            None,
            'unknown key "learn_before" in the deck; check the indentation: `learn_before` '
            "belongs under a topic (in `topics:`)",
        ),
        (
            17,
            "c1",
            'unknown key "answer" in a choice; check the indentation: `answer` belongs to the card',
        ),
        (
            25,
            "c2",
            'unknown key "params" in a flashcard card; check the indentation: `params` belongs '
            "under `lab:`",
        ),
        (
            33,
            "c3",
            'unknown key "why" in a mcq card; check the indentation: `why` belongs under a choice '
            "(in `choices:`)",
        ),
    ]
    assert not any("remove it" in p.message for p in result.problems)


def test_numbers_that_would_be_reformatted_as_text_are_warnings(tmp_path, labs_dir):
    text = HEAD.replace(
        "description: Soft prompts.\n", "description: Soft prompts.\nversion: 0.10\n"
    )
    text += (
        "  - id: c1\n    kind: short\n    topic: pt-basics\n    question: Learning rate?\n"
        "    answers: [1e-4, '1e-3', 42, 0.5, +7]\n"
        "    lab: {name: prompt-vs-prefix, params: {steps: 0x10}}\n"
    )
    result = load(write(tmp_path, "pt.yaml", text), labs_dir)
    warned = [(p.line, p.column, p.card, p.message) for p in result.warnings]
    assert warned == [
        (
            4,
            10,
            None,
            'the number 0.10 becomes the text "0.1"; quote it ("0.10") to keep it as written',
        ),
        (
            13,
            15,
            "c1",
            'the number 1e-4 becomes the text "0.0001"; quote it ("1e-4") to keep it as written',
        ),
        (13, 38, "c1", 'the number +7 becomes the text "7"; quote it ("+7") to keep it as written'),
    ]  # 42 and 0.5 read back as written; lab params are numbers, not text
    (deck,) = result.decks
    assert deck.version == "0.1" and deck.cards[0].answers[0] == "0.0001"
