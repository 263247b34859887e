"""Cloze text on hostile input: checking and showing any text never fails, and a text that
passes the checks studies as one card per number with its answers in place."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.deck import cloze
from studykit.deck.model import MAX_ANSWER

pieces = st.sampled_from(["{{c", "1", "2", "0", "::", "}}", "{{", "}", "a", " ", "\n", "```"])
cloze_like = st.lists(pieces, max_size=30).map("".join) | st.text(max_size=60)


@given(cloze_like)
@settings(max_examples=200)
def test_any_text_is_checked_and_shown_without_failing(text):
    problems = cloze.cloze_problems(text, MAX_ANSWER)
    assert all(isinstance(p, str) and "\n" not in p for p in problems)
    if problems:
        return
    numbers = cloze.numbers(text)
    assert numbers and all(n >= 1 for n in numbers)
    for number in numbers:
        asked = cloze.show(text, number)
        assert cloze.GAP_START in asked
        answered = cloze.unmark(cloze.show(text, number, reveal=True))
        assert answered == cloze.filled(text)
        assert cloze.answers_of(text, number)


def test_a_long_hostile_text_is_checked_quickly():
    text = "{{c1::" * 2_000 + "}}" * 1_000 + "{{c" * 2_000
    # CPU time, not wall time: other processes' load must not fail it
    started = time.process_time()
    assert cloze.cloze_problems(text, MAX_ANSWER)
    assert time.process_time() - started < 1.0
