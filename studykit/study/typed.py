"""Compare a typed answer with a card's accepted answers: right, almost (one typo), or wrong.

Both sides are folded the same way first (`fold`): Unicode compatibility forms (NFKC: full-width
letters, ligatures, non-breaking spaces), every dash and minus sign as `-`, curly quotes as
straight ones, case, runs of whitespace, and sentence punctuation at either end, so
`The Chain Rule.` is `the chain rule`. Numbers compare by value (`deck/numbers.py`): `2.400` is the
answer `2.4`, `1e-3` is `0.001`, within the card's `tolerance` when it has one. One typo in a long
word (an extra, missing, wrong or swapped letter in a word of `TYPO_WORD_LETTERS` letters or more)
is "almost": the learner knew it, so grading says so and shows where (as Anki's type-in compare
does) instead of calling it wrong. So is a number right but for a decimal comma (`2,4` for
`2.4`): the point is the only decimal mark, and grading says so.

Every step is linear in the text, and the typed text is cut to `MAX_TYPED` characters before
anything else (NFKC is quadratic in runs of combining marks), so grading stays in microseconds.
A card's accepted answers are folded once, not on every reply (`accepted_answers` is cached).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from studykit.deck.model import MAX_TYPED
from studykit.deck.numbers import parse_number

_DASHES = (
    "\u058a\u05be\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
)
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4`"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_FOLD = str.maketrans(
    {
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
    }
)
# Punctuation that ends (or quotes) a sentence, not part of an answer. A leading "." stays: `.5`.
_TRAILING = " .,;:!?'\"\u3002"
_LEADING = " '\"\u00a1\u00bf"
TYPO_WORD_LETTERS = 6  # a slip in a shorter word may be another word: "cat" / "car"


def fold(text: str) -> str:
    """`text` as grading compares it: ' “The  Chain—Rule.” ' -> 'the chain-rule'."""
    folded = " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).casefold().split())
    # An answer that is only punctuation ("?") is compared as it is.
    return folded.rstrip(_TRAILING).lstrip(_LEADING) or folded


@dataclass(frozen=True)
class Typo:
    """Where one typed slip is: `typed[typed_span]` stands for `expected[expected_span]` (an
    empty span is a letter missing on that side). Both texts are folded (see `fold`)."""

    typed: str
    expected: str
    typed_span: tuple[int, int]
    expected_span: tuple[int, int]


@dataclass(frozen=True)
class AcceptedAnswers:
    """A card's accepted answers, folded once."""

    texts: tuple[str, ...]  # in the card's order
    numbers: tuple[Decimal, ...]  # the answers that are numbers
    tolerance: Decimal  # how far a typed number may be from one of `numbers`

    def accepts(self, typed: str) -> bool:
        """Whether folded `typed` is one of the answers, as text or as a number."""
        if not typed:
            return False
        if typed in self.texts:
            return True
        value = parse_number(typed)
        return value is not None and any(
            abs(value - number) <= self.tolerance for number in self.numbers
        )

    def with_decimal_point(self, typed: str) -> str | None:
        """`typed` with its one comma read as a decimal point, when that reading is accepted:
        `2,4` -> `2.4`. The point is the only decimal mark (`2,400` is two thousand four
        hundred), so this is a hint, not a right answer."""
        if typed.count(",") != 1 or "." in typed:
            return None
        pointed = typed.replace(",", ".")
        return pointed if self.numbers and self.accepts(pointed) else None

    def typo(self, typed: str) -> Typo | None:
        """The first accepted answer that folded `typed` misses by one typo in a long word."""
        if parse_number(typed) is not None:
            return None  # 2.5 for 2.4 is a wrong number, not a slip
        for expected in self.texts:
            if abs(len(expected) - len(typed)) > 1 or parse_number(expected) is not None:
                continue
            spans = _one_edit(typed, expected)
            if spans is not None and _in_long_word(expected, typed, *spans):
                return Typo(typed, expected, *spans)
        return None


@lru_cache(maxsize=4096)
def accepted_answers(answers: tuple[str, ...], tolerance: float | None = None) -> AcceptedAnswers:
    texts = tuple(dict.fromkeys(fold(a) for a in answers))
    numbers = tuple(n for n in map(parse_number, texts) if n is not None)
    return AcceptedAnswers(texts, numbers, Decimal(repr(tolerance or 0.0)))


def fold_typed(answer: str) -> str:
    return fold(answer[:MAX_TYPED])


def _one_edit(typed: str, expected: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The spans of the one edit (Damerau-Levenshtein distance 1: an extra, missing, replaced
    or swapped adjacent character) that turns `typed` into `expected`; None for any other pair."""
    i = 0
    limit = min(len(typed), len(expected))
    while i < limit and typed[i] == expected[i]:
        i += 1
    if len(typed) == len(expected):
        if i == len(typed):
            return None  # the same text
        if typed[i + 1 :] == expected[i + 1 :]:
            return (i, i + 1), (i, i + 1)
        swapped = typed[i : i + 2] == expected[i : i + 2][::-1]
        if swapped and typed[i + 2 :] == expected[i + 2 :]:
            return (i, i + 2), (i, i + 2)
        return None
    if len(typed) == len(expected) + 1 and typed[i + 1 :] == expected[i:]:
        return (i, i + 1), (i, i)
    if len(typed) + 1 == len(expected) and typed[i:] == expected[i + 1 :]:
        return (i, i), (i, i + 1)
    return None


def _in_long_word(
    expected: str, typed: str, typed_span: tuple[int, int], expected_span: tuple[int, int]
) -> bool:
    """Whether the edit changes only letters inside one word of the answer, a long one."""
    changed = typed[slice(*typed_span)] + expected[slice(*expected_span)]
    if not changed or any(not ch.isalpha() for ch in changed):
        return False  # a space, digit or sign: a different answer, not a slip of the fingers
    start, end = expected_span
    # The word around the edit (an inserted letter sits between two of the word's letters).
    left = expected.rfind(" ", 0, start) + 1
    right = expected.find(" ", max(start, end - 1))
    word = expected[left : len(expected) if right < 0 else right]
    return sum(ch.isalpha() for ch in word) >= TYPO_WORD_LETTERS
