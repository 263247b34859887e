"""Grading a short answer stays fast whatever is typed: accepted answers are normalised once, and
a typed reply is read up to MAX_TYPED characters (Unicode NFKC is quadratic in runs of combining
marks: a 240 KB card froze the study screen for 16.6 s after Enter)."""

from __future__ import annotations

import time

from studykit.deck.model import MAX_TYPED, ShortAnswer
from studykit.study import typed
from studykit.study.grading import grade

# Combining marks of two alternating classes: the worst case for canonical reordering.
MARKS = "\u0301\u0316"


def short_card(*answers: str) -> ShortAnswer:
    return ShortAnswer.model_validate(
        {"id": "s-1", "kind": "short", "topic": "t", "question": "Q?", "answers": list(answers)}
    )


def test_a_huge_typed_reply_of_combining_marks_is_graded_at_once():
    card = short_card("chain rule")
    start = time.perf_counter()
    verdict = grade(card, "a" + MARKS * 120_000)  # 240 KB
    assert time.perf_counter() - start < 1  # measured about 0.01 s (truncated to MAX_TYPED)
    assert not verdict.correct


def test_a_reply_is_read_up_to_max_typed_characters():
    card = short_card("yes")
    assert grade(card, "yes" + " " * (MAX_TYPED - 3)).correct
    assert grade(card, "yes" + " " * (MAX_TYPED - 3) + "no").correct  # cut before "no"
    assert not grade(card, " " * (MAX_TYPED - 2) + "yes").correct  # cut inside "yes"


def test_accepted_answers_are_normalised_once_not_per_reply(monkeypatch):
    card = short_card("Prefix  Tuning", "prefix-tuning", "p-tuning once")
    seen: list[str] = []
    real = typed.fold

    def counting(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(typed, "fold", counting)
    replies = ["prefix tuning", "PREFIX-TUNING", "nope", " p-tuning  ONCE "]
    assert [grade(card, reply).correct for reply in replies] == [True, True, False, True]
    accepted = [text for text in seen if text in card.answers]
    assert sorted(accepted) == sorted(card.answers)  # each once, for four replies
