"""How much text a card may hold is bounded (docs/deck-format.md, "Text"), so a hostile deck is a
deck error at load instead of minutes of rendering, grading or lint."""

from __future__ import annotations

import random
import time

from studykit.deck.lint import _similar_pairs, lint
from studykit.deck.loader import load_decks
from studykit.deck.model import MAX_ANSWER, MAX_ITEM, MAX_PARTS, MAX_TEXT

HEAD = "id: big\ntitle: Big\ndescription: d\ntopics: [{id: big-t, title: T}]\ncards:\n"


def load_cards(tmp_path, cards: str):
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + cards, encoding="utf-8")
    return path, load_decks([path])


def test_a_megabyte_flashcard_back_is_one_deck_error_at_once(tmp_path):
    back = "x" * 1_000_000
    # CPU time, not wall time: other processes' load must not fail it
    start = time.process_time()
    card = f"  - id: big-1\n    kind: flashcard\n    topic: big-t\n    front: F\n    back: {back}\n"
    path, result = load_cards(tmp_path, card)
    assert time.process_time() - start < 5  # measured 0.1 s; reading 1 MB of YAML dominates
    assert [str(p) for p in result.errors] == [
        f'{path}:10:11: card big-1: "back" is longer than {MAX_TEXT:,} characters; shorten it'
    ]


def test_texts_at_the_limits_load_and_one_more_character_does_not(tmp_path):
    def cards(text: int, item: int, answer: int) -> str:
        return (
            f"  - id: big-1\n    kind: flashcard\n    topic: big-t\n    front: {'f' * text}\n"
            f"    back: B\n    tags: [{'t' * item}]\n"
            f"  - id: big-2\n    kind: mcq\n    topic: big-t\n    question: Q\n"
            f"    choices: [{'c' * item}, other]\n    answer: A\n"
            f"  - id: big-3\n    kind: short\n    topic: big-t\n    question: Q\n"
            f"    answers: [{'a' * answer}]\n"
        )

    _, result = load_cards(tmp_path, cards(MAX_TEXT, MAX_ITEM, MAX_ANSWER))
    assert result.errors == []
    _, result = load_cards(tmp_path, cards(MAX_TEXT + 1, MAX_ITEM + 1, MAX_ANSWER + 1))
    assert sorted(p.message for p in result.errors) == [
        f'"answers[0]" is longer than {MAX_ANSWER:,} characters; shorten it',
        f'"choices[0]" is longer than {MAX_ITEM:,} characters; shorten it',
        f'"front" is longer than {MAX_TEXT:,} characters; shorten it',
        f'"tags[0]" is longer than {MAX_ITEM:,} characters; shorten it',
    ]


def test_a_matching_card_holds_at_most_one_pair_per_letter(tmp_path):
    pairs = "".join(f"      - {{left: l{i}, right: r{i}}}\n" for i in range(MAX_PARTS + 1))
    _, result = load_cards(
        tmp_path,
        f"  - id: big-1\n    kind: matching\n    topic: big-t\n    prompt: P\n    pairs:\n{pairs}",
    )
    assert [p.message for p in result.errors] == [
        f'"pairs" has more than {MAX_PARTS} items; remove some'
    ]


def test_the_near_duplicate_check_caps_its_work_on_long_words():
    # Two questions sharing a word, each with one 300,000-character word of many different
    # letters (so difflib's junk heuristic does not help), took about 30 s in difflib.
    rng = random.Random(0)
    first, second = (
        "".join(chr(rng.randrange(0x4E00, 0x4E00 + 2000)) for _ in range(300_000)) for _ in "12"
    )
    # CPU time, not wall time: other processes' load must not fail it
    start = time.process_time()
    assert list(_similar_pairs([["explain", first], ["explain", second]])) == []
    assert time.process_time() - start < 2  # measured under 0.01 s


def test_lint_still_finds_a_small_typo_next_to_long_words(tmp_path):
    long_word = "z" * (MAX_TEXT - 100)
    _, result = load_cards(
        tmp_path,
        "  - {id: big-1, kind: flashcard, topic: big-t, front: What does a soft prompt train, "
        "back: B, explanation: E}\n"
        "  - {id: big-2, kind: flashcard, topic: big-t, front: What does a soft promt train, "
        "back: B, explanation: E}\n"
        f"  - {{id: big-3, kind: flashcard, topic: big-t, front: {long_word}, back: B, "
        "explanation: E}\n"
        f"  - {{id: big-4, kind: flashcard, topic: big-t, front: {long_word}y, back: B, "
        "explanation: E}\n",
    )
    assert result.errors == []
    duplicates = [p for p in lint(result) if "nearly the same" in p.message]
    assert [p.card for p in duplicates] == ["big-2"]
