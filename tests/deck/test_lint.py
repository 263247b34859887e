"""Lint: each warning fires on the deck that earns it, at the right line, and not otherwise."""

from __future__ import annotations

import random
import string

from deck_helpers import load, write

from studykit.deck.lint import _nearly_same, _similar_pairs, lint

HEAD = """\
id: gd
title: Gradient descent
description: Steps downhill.
topics:
  - id: gd-basics
    title: Basics
cards:
"""


def flash(n: int, front: str, explanation: str = "Because.") -> str:
    return (
        f"  - id: gd-{n}\n    kind: flashcard\n    topic: gd-basics\n"
        f"    front: {front}\n    back: B\n    explanation: {explanation}\n"
    )


def mcq(n: int, answer: str, whys: bool = True) -> str:
    why = "\n        why: Wrong because." if whys else ""
    choices = "".join(
        f"\n      - text: choice {c} of {n}{why if c != answer else ''}" for c in "ABC"
    )
    return (
        f"  - id: gd-{n}\n    kind: mcq\n    topic: gd-basics\n    question: Question number {n}?"
        f"\n    choices:{choices}\n    answer: {answer}\n    explanation: Because.\n"
    )


def lint_text(tmp_path, labs_dir, text: str) -> list[tuple[int, str | None, str]]:
    result = load(write(tmp_path, "gd.yaml", text), labs_dir)
    assert result.errors == []
    warnings = lint(result)
    assert all(w.severity == "warning" and w.file.endswith("gd.yaml") for w in warnings)
    return [(w.line, w.card, w.message) for w in warnings]


def test_a_clean_deck_has_no_warnings(tmp_path, labs_dir):
    text = HEAD + flash(1, "What is a learning rate?") + mcq(2, "A") + mcq(3, "B") + mcq(4, "C")
    assert lint_text(tmp_path, labs_dir, text) == []


def test_missing_explanation(tmp_path, labs_dir):
    text = HEAD + flash(1, "What is a step?", explanation="''")
    assert lint_text(tmp_path, labs_dir, text) == [
        (
            8,
            "gd-1",
            'no "explanation"; say why the answer is right, so a learner who got it '
            "wrong learns something",
        )
    ]


def test_wrong_choices_without_why(tmp_path, labs_dir):
    text = HEAD + mcq(1, "B", whys=False)
    multi = (
        "  - id: gd-2\n    kind: multi\n    topic: gd-basics\n    question: Which?\n"
        "    choices: [a, b, {text: c, why: no}, d]\n    answers: [A, B]\n    explanation: E.\n"
    )
    assert lint_text(tmp_path, labs_dir, text + multi) == [
        (13, "gd-1", 'wrong choices A, C have no "why"; say why each is wrong'),
        (22, "gd-2", 'wrong choice D has no "why"; say why each is wrong'),
    ]


def test_answers_in_the_same_position(tmp_path, labs_dir):
    same = HEAD + "".join(mcq(n, "B") for n in range(1, 5))
    assert lint_text(tmp_path, labs_dir, same) == [
        (1, None, "all 4 mcq cards have answer B; put the correct choice in different positions")
    ]
    mostly = HEAD + "".join(mcq(n, "B") for n in range(1, 7)) + mcq(7, "A") + mcq(8, "C")
    assert lint_text(tmp_path, labs_dir, mostly)[0][2].startswith("6 of 8 mcq cards have answer B")
    varied = HEAD + "".join(mcq(n, "AABBC"[n % 5]) for n in range(1, 6))
    assert lint_text(tmp_path, labs_dir, varied) == []


def test_answers_that_are_usually_the_longest_choice(tmp_path, labs_dir):
    def long_answer(n: int, answer: str) -> str:
        return mcq(n, answer).replace(f"choice {answer} of {n}", f"the much longer choice {n}")

    answers = "ABCA"
    telling = HEAD + "".join(long_answer(n, answers[n - 1]) for n in range(1, 4)) + mcq(4, "A")
    assert lint_text(tmp_path, labs_dir, telling) == [
        (
            1,
            None,
            "3 of 4 mcq cards have the longest choice as the answer (gd-1, gd-2, gd-3); "
            "make wrong choices as specific as the right one",
        )
    ]
    # half is not a pattern; nor are choices of equal length (the helper's all tie)
    half = HEAD + "".join(long_answer(n, answers[n - 1]) for n in range(1, 3))
    half += mcq(3, "C") + mcq(4, "A")
    assert lint_text(tmp_path, labs_dir, half) == []


def multi(n: int, answers: str) -> str:
    """A multi card with five choices; the letters in `answers` are the right ones."""
    choices = "".join(
        f"\n      - text: choice {c} of {n}" + ("" if c in answers else "\n        why: Wrong.")
        for c in "ABCDE"
    )
    return (
        f"  - id: gd-{n}\n    kind: multi\n    topic: gd-basics\n    question: Which hold, {n}?"
        f"\n    choices:{choices}\n    answers: [{', '.join(answers)}]\n    explanation: E.\n"
    )


def test_multi_cards_all_with_the_same_number_of_correct_answers(tmp_path, labs_dir):
    same = HEAD + multi(1, "ABD") + multi(2, "BCE") + multi(3, "ACE")
    assert lint_text(tmp_path, labs_dir, same) == [
        (
            1,
            None,
            "all 3 multi cards have 3 correct answers; vary how many are right (from one to "
            "all but one), or a learner learns to pick that many",
        )
    ]
    singles = HEAD + multi(1, "A") + multi(2, "C") + multi(3, "E") + multi(4, "B")
    assert lint_text(tmp_path, labs_dir, singles)[0][2].startswith(
        "all 4 multi cards have 1 correct answer;"
    )
    # one card with another count breaks the pattern; two cards are too few to make one
    varied = HEAD + multi(1, "ABD") + multi(2, "BCE") + multi(3, "AC")
    assert lint_text(tmp_path, labs_dir, varied) == []
    assert lint_text(tmp_path, labs_dir, HEAD + multi(1, "ABD") + multi(2, "BCE")) == []


def test_true_false_all_one_way(tmp_path, labs_dir):
    cards = "".join(
        f"  - id: gd-{n}\n    kind: true_false\n    topic: gd-basics\n"
        f"    statement: Statement {n} about descent\n    answer: true\n    explanation: E.\n"
        for n in range(1, 5)
    )
    assert lint_text(tmp_path, labs_dir, HEAD + cards) == [
        (1, None, "all 4 true_false cards are true; write some the other way round")
    ]


def test_unused_topic(tmp_path, labs_dir):
    text = HEAD.replace("cards:\n", "  - id: gd-extra\n    title: Extra\ncards:\n")
    text += flash(1, "What is a step?")
    assert lint_text(tmp_path, labs_dir, text) == [
        (7, None, 'topic "gd-extra" has no cards; add some or remove the topic')
    ]


def test_prerequisite_cycles_across_decks(tmp_path, labs_dir):
    write(
        tmp_path,
        "a.yaml",
        """\
        id: a
        title: A
        description: D
        topics:
          - {id: x, title: X, learn_before: [y]}
          - {id: y, title: Y, learn_before: [z]}
          - {id: solo, title: Solo, learn_before: [solo]}
        cards:
          - {id: a1, kind: flashcard, topic: x, front: F1, back: B, explanation: E}
          - {id: a2, kind: flashcard, topic: y, front: F2, back: B, explanation: E}
          - {id: a3, kind: flashcard, topic: solo, front: F3, back: B, explanation: E}
        """,
    )
    write(
        tmp_path,
        "b.yaml",
        """\
        id: b
        title: B
        description: D
        topics:
          - {id: z, title: Z, learn_before: [x]}
          - {id: w, title: W, learn_before: [z]}
        cards:
          - {id: b1, kind: flashcard, topic: z, front: F4, back: B, explanation: E}
          - {id: b2, kind: flashcard, topic: w, front: F5, back: B, explanation: E}
        """,
    )
    result = load(tmp_path, labs_dir)
    assert result.errors == []
    assert [(w.file.split("/")[-1], w.line, w.message) for w in lint(result)] == [
        ("a.yaml", 5, "prerequisite cycle: x → y → z → x; remove one of these learn_before links"),
        ("a.yaml", 7, "prerequisite cycle: solo → solo; remove one of these learn_before links"),
    ]


def test_near_duplicate_questions(tmp_path, labs_dir):
    text = (
        HEAD
        + flash(1, "What does the learning rate control?")
        + flash(2, "What does a learning-rate control")  # stopwords and punctuation differ
        + flash(3, "What does the learnin rate controls?")  # typos
        + flash(4, "What does the momentum control?")  # a different question
    )
    found = lint_text(tmp_path, labs_dir, text)
    assert [(line, card) for line, card, _ in found] == [(14, "gd-2"), (20, "gd-3"), (20, "gd-3")]
    assert found[0][2].startswith("asks nearly the same as card gd-1 (")
    assert found[0][2].endswith("gd.yaml:8); merge them or make them ask different things")


def words(text: str) -> list[str]:
    return text.split()


def test_nearly_same_is_about_words_not_characters():
    assert _nearly_same(
        words("what does prompt tuning update"), words("update does prompt tuning what")
    )
    assert _nearly_same(words("prompt tuning update"), words("prompt tunning updates"))
    # one swapped key word is a different question, however similar the characters
    assert not _nearly_same(
        words("what does prompt tuning update"), words("what does prefix tuning update")
    )
    assert not _nearly_same(["backprop"], ["softmax"])
    assert not _nearly_same([], [])


def test_similar_pairs_scales_by_comparing_only_texts_sharing_rare_words():
    rng = random.Random(0)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=8))

    texts = [[word(), word(), "what", "common", "shared"] for _ in range(3000)]
    texts.append(list(reversed(texts[7])))  # the same words as text 7
    assert list(_similar_pairs(texts)) == [(7, 3000)]


def short(n: int, answers: str, tolerance: str = "") -> str:
    extra = f"\n    tolerance: {tolerance}" if tolerance else ""
    return (
        f"  - id: gd-{n}\n    kind: short\n    topic: gd-basics\n    question: How many, card {n}?"
        f"\n    answers: {answers}{extra}\n    explanation: Because.\n"
    )


def test_two_different_numbers_in_one_short_card(tmp_path, labs_dir):
    # A European "1.024" for 1,024 is the number one and a bit: grading would accept 1.02400.
    text = HEAD + short(1, '["1024", "1,024", "1.024"]') + short(2, '["2.4", "2.40", "2.400"]')
    text += short(3, '["9.8", "9.81"]', tolerance="0.05")  # within the tolerance: fine
    assert lint_text(tmp_path, labs_dir, text) == [
        (
            12,
            "gd-1",
            'answers "1024" and "1.024" are different numbers (a "." is always the decimal '
            "point); keep the right one, or set a tolerance",
        )
    ]


def test_a_siblings_name_on_one_card_only(tmp_path, labs_dir):
    first = flash(1, "What does the chain rule say?").replace(
        "    front:", "    siblings: chain-rule\n    front:"
    )
    second = flash(2, "Which rule does backpropagation apply?").replace(
        "    front:", "    siblings: [chain-rul]\n    front:"
    )
    assert lint_text(tmp_path, labs_dir, HEAD + first + second) == [
        (
            line,
            card,
            f'no other card of the deck has the siblings name "{name}"; give the card it gives '
            "away (or that gives it away) the same name, or remove it",
        )
        for line, card, name in [(11, "gd-1", "chain-rule"), (18, "gd-2", "chain-rul")]
    ]
