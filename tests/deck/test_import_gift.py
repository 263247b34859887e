# ruff: noqa: E501  (the Moodle bank below keeps its real one-line questions)
"""GIFT import: a realistic Moodle bank comes in whole, survives GIFT -> YAML -> GIFT, and every
malformed bank gets one line naming file:line:column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from studykit.deck import markup
from studykit.deck.export.gift import to_gift, uses_markup
from studykit.deck.importers import BankError, build_deck, import_bank
from studykit.deck.importers.gift import parse_gift
from studykit.deck.importers.naming import text_hash
from studykit.deck.importers.writer import deck_to_yaml
from studykit.deck.loader import load_decks
from studykit.deck.model import MAX_ANSWER, Deck

# Written the way Moodle exports banks (comments naming each question, $CATEGORY blocks,
# [html] question text) mixed with what instructors type by hand.
MOODLE_BANK = r"""// question: 0  name: Switch category to $course$/top/Default for ML 101
$CATEGORY: $course$/top/Default for ML 101

// question: 1001  name: Backprop chain rule
::Backprop chain rule::[html]<p>Backpropagation applies which rule of <b>calculus</b>?</p>{
	=the chain rule#Yes\: gradients multiply along the path.
	~the product rule#Close, but that is for a product of functions.
	~L'Hôpital's rule#That one is for limits.
	####Backprop is the chain rule applied layer by layer.
}

// A hand-written question over several lines, weights on every answer.
::Learning rate too large::What happens when the learning rate is far too large?
Think about the loss curve.
{
  ~%50%The loss oscillates or diverges#Right\: steps overshoot the minimum.
  ~%50%Training becomes unstable#Also right.
  ~%-100%Training always converges faster#No\: too large a step overshoots.
  ####The step size scales the update θ ← θ − η∇L.
}

::Frozen base::In prompt tuning the base model's weights are frozen.{T}

::Prefix everywhere::Prefix tuning only changes the input embeddings.{FALSE#It adds keys and values at every layer.#Correct\: every layer gets a prefix.####Li & Liang (2021) prepend trainable vectors to each layer's keys and values.}

::Gradients flow::Gradients flow through the frozen network during prompt tuning.{TRUE#They must, to reach the prompt.#Yes.}

$CATEGORY: $course$/top/Default for ML 101/Methods

::Match methods::Match each adaptation method to what it trains.{
	=Prompt tuning -> soft prompt vectors at the input
	=Prefix tuning -> key/value prefixes at every layer
	=Full fine-tuning -> every weight of the model
	####Parameter counts grow from top to bottom.
}

::Escapes\: all of them::Which sets \{x\} to 1 \= \~y \# z\: ok? Path C\:\\temp{
	=a \= 1#uses one \\ backslash
	~a \~ 1#a tilde\n(on two lines)
}

::Step name::One pass of forward, loss, backward, update is called a…{=training step =step#Good.}

// No title, and the answers fill a blank in the middle of the sentence.
The {=soft prompt ~hard prompt ~prefix} is what prompt tuning updates.

::Ordered::Put the training step in order.{
	=Step 1 -> forward pass
	=Step 2 -> compute the loss
	=Step 3 -> backward pass
	=Step 4 -> update the parameters
}

::Interpretable?::Explain why soft prompts are hard to interpret.{####They live in continuous embedding space, far from any token.}

::Numbers::How many steps does one training step have?{#4}

::Pi::Give π to two decimals.{#3.14:0.005}

::Intro::This part of the quiz covers adaptation methods.
"""


@pytest.fixture
def bank(tmp_path) -> Path:
    path = tmp_path / "ml101.gift"
    path.write_text(MOODLE_BANK, encoding="utf-8")
    return path


def test_a_moodle_bank_comes_in_whole(bank):
    result = import_bank(bank, "gift")
    deck = result.deck
    cards = {card.id: card for card in deck.cards}
    untitled = next(i for i in cards if re.fullmatch(r"ml101-[0-9a-f]{8}", i))
    assert list(cards) == [  # the deck id, then the question's name (or a hash of its text)
        "ml101-backprop-chain-rule",
        "ml101-learning-rate-too-large",
        "ml101-frozen-base",
        "ml101-prefix-everywhere",
        "ml101-gradients-flow",
        "ml101-match-methods",
        "ml101-escapes-all-of-them",
        "ml101-step-name",
        untitled,
        "ml101-ordered",
        "ml101-interpretable",
        "ml101-numbers",
    ]
    cards = {key.removeprefix("ml101-"): card for key, card in cards.items()}
    assert [(t.id, t.title) for t in deck.topics] == [
        ("ml101-default-for-ml-101", "Default for ML 101"),
        ("ml101-default-for-ml-101-methods", "Default for ML 101/Methods"),
    ]
    assert cards["gradients-flow"].topic == "ml101-default-for-ml-101"
    assert cards["match-methods"].topic == "ml101-default-for-ml-101-methods"

    mcq = cards["backprop-chain-rule"]
    assert mcq.kind == "mcq" and mcq.answer == "A"
    assert mcq.question == "Backpropagation applies which rule of **calculus**?"  # [html]
    assert [(c.text, c.why) for c in mcq.choices] == [
        ("the chain rule", "Yes: gradients multiply along the path."),
        ("the product rule", "Close, but that is for a product of functions."),
        ("L'Hôpital's rule", "That one is for limits."),
    ]
    assert mcq.explanation == "Backprop is the chain rule applied layer by layer."

    multi = cards["learning-rate-too-large"]
    assert multi.kind == "multi" and multi.answers == ["A", "B"]
    assert multi.question == (
        "What happens when the learning rate is far too large?\nThink about the loss curve."
    )
    assert multi.choices[2].why == "No: too large a step overshoots."

    assert (cards["frozen-base"].answer, cards["frozen-base"].why_true) == (True, None)
    prefix = cards["prefix-everywhere"]
    assert prefix.answer is False
    assert prefix.why_true == "It adds keys and values at every layer."  # Moodle: wrong first
    assert prefix.why_false == "Correct: every layer gets a prefix."
    assert prefix.explanation.startswith("Li & Liang (2021)")
    flow = cards["gradients-flow"]
    assert (flow.answer, flow.why_true, flow.why_false) == (
        True,
        "Yes.",
        "They must, to reach the prompt.",
    )

    match = cards["match-methods"]
    assert [(p.left, p.right) for p in match.pairs][1] == (
        "Prefix tuning",
        "key/value prefixes at every layer",
    )

    escapes = cards["escapes-all-of-them"]
    assert escapes.question == r"Which sets {x} to 1 = ~y # z: ok? Path C:\temp"
    assert [(c.text, c.why) for c in escapes.choices] == [
        ("a = 1", "uses one \\ backslash"),
        ("a ~ 1", "a tilde\n(on two lines)"),
    ]

    short = cards["step-name"]
    assert short.kind == "short" and short.answers == ["training step", "step"]
    assert short.explanation == 'Feedback for "step": Good.'

    blank = cards[untitled.removeprefix("ml101-")]
    assert blank.question == "The _____ is what prompt tuning updates."
    assert blank.choices[blank.correct_index].text == "soft prompt"

    assert cards["ordered"].kind == "order"
    assert cards["ordered"].steps[-1] == "update the parameters"
    assert (cards["numbers"].kind, cards["numbers"].answers) == ("short", ["4"])
    flash = cards["interpretable"]
    assert (flash.kind, flash.front) == (
        "flashcard",
        "Explain why soft prompts are hard to interpret.",
    )
    assert flash.back == "They live in continuous embedding space, far from any token."

    lines = MOODLE_BANK.splitlines()
    line_of = {title: lines.index(next(x for x in lines if x.startswith(title))) + 1
               for title in ("::Step name::", "::Numbers::", "::Pi::", "::Intro::")}  # fmt: skip
    assert result.warnings == [
        f'{bank}:{line_of["::Step name::"]}: question "Step name": per-answer feedback moved '
        "into the explanation",
        f'{bank}:{line_of["::Numbers::"]}: question "Numbers": is a numerical question; '
        "imported as a short answer matching the exact text",
        f'{bank}:{line_of["::Pi::"]}: question "Pi": is a numerical question whose answer '
        '"3.14:0.005" is not one exact number (a tolerance or a range), which studykit cannot '
        "grade; skipped",
        f'{bank}:{line_of["::Intro::"]}: question "Intro": has no answers (a Moodle '
        "description); skipped",
    ]


def _questions(text: str) -> list[tuple]:
    """Each question's category and content, as the GIFT parser reads them."""
    return [(d.category, d.card) for d in parse_gift(text, "bank.gift").drafts]


def test_gift_to_yaml_to_gift_keeps_every_question_answer_and_feedback(bank, tmp_path):
    deck = import_bank(bank, "gift").deck
    deck_file = tmp_path / "ml101.yaml"
    deck_file.write_text(deck_to_yaml(deck), encoding="utf-8")
    loaded = load_decks([deck_file])
    assert loaded.problems == []
    (reloaded,) = loaded.decks
    assert reloaded == deck

    exported = to_gift([reloaded])
    assert exported.skipped == []
    assert _questions(exported.text) == _questions(MOODLE_BANK)
    # Titles come back as the card ids, so a second round trip changes nothing at all.
    again = tmp_path / "again.gift"
    again.write_text(exported.text, encoding="utf-8")
    second = import_bank(again, "gift", deck_id="ml101", title="ml101").deck
    assert second.cards == deck.cards and second.topics == deck.topics
    assert to_gift([second]).text == exported.text


def test_round_trip_keeps_tricky_text_exactly(tmp_path):
    texts = [
        "a ~ b = c # d { e } f : g \\ h",
        "ends with a backslash \\",
        "two\nlines",
        "%25% looks like a weight",
        "[html] looks like a format",
        "-> arrow first",
        "θ ← θ − η∇L, “quotes” and ‘single’",
    ]
    bank = "\n\n".join(
        f"::q{n}::Question {n}? {{\n=right\n~{gift_escape(text)}#{gift_escape(text)}\n}}"
        for n, text in enumerate(texts)
    )
    path = tmp_path / "tricky.gift"
    path.write_text(bank, encoding="utf-8")
    deck = import_bank(path, "gift").deck
    assert [card.choices[1].text for card in deck.cards] == [t.strip() for t in texts]
    assert [card.choices[1].why for card in deck.cards] == [t.strip() for t in texts]
    # The bank had no category; the export names the default topic's, nothing else changes.
    exported = _questions(to_gift([deck]).text)
    assert [category for category, _ in exported] == ["Imported"] * len(texts)
    assert [card for _, card in exported] == [card for _, card in _questions(bank)]


def gift_escape(text: str) -> str:
    from studykit.deck.export.gift import escape

    return escape(text)


@pytest.mark.parametrize(
    ("bank", "where", "message"),
    [
        ("::Q1::What?{=yes ~no", "1:12", "\"Q1\": '{' is never closed"),
        ("::Q1::What? =yes ~no}", "1:21", "'}' without an opening '{'"),
        ("::Q1 What?{=yes ~no}", "1:1", "the title opened with '::' is never closed"),
        ("::Q1::What?{=yes {~no}", "1:18", "'{' inside the answers; write \\{"),
        ("::Q1::What?{=yes ~no} and {=x}", "1:27", "a second answer block"),
        ("// c\n\n::Q1::Match{\n=a -> b\n  =c d\n}", "5:3", 'matching answer "c d" has no "->"'),
        ("::Q1::Pick{\n=yes\n~\n~no\n}", "3:1", "an empty answer after '~'"),
        ("::Q1::Pick{~%0%a ~%0%b}", "1:11", "no answer has a positive weight"),
        ("::Q1::{=yes ~no}", "1:7", "has no question text"),
        ("::Q1::Pick{=only}\n\n::Q2::Pick{=yes}", None, None),  # short answers: valid
        ("::Q1::Pick{ oops ~a =b}", "1:13", 'answer "oops" has no "=" or "~" in front'),
        ("::Q1::Match{=a -> b}", "1:12", "a matching question needs at least two pairs"),
        (
            "::Q1::Match{=a -> b =a -> c}",
            "1",
            "two pairs share the same left item; make each unique",
        ),
    ],
)
def test_malformed_bank_gets_one_line_with_file_line_and_column(tmp_path, bank, where, message):
    path = tmp_path / "bad.gift"
    path.write_text(bank, encoding="utf-8")
    if where is None:
        assert len(import_bank(path, "gift").deck.cards) == 2
        return
    with pytest.raises(BankError) as caught:  # nothing else in the bank: nothing to import
        import_bank(path, "gift")
    assert str(caught.value) == (
        f"{path}: no question could be imported (1 broken, each named above); "
        "fix them and import again"
    )
    (line,) = caught.value.warnings
    assert "\n" not in line
    assert line.startswith(f"{path}:{where}: question ")
    assert message in line and line.endswith("; skipped")
    # with a good question after it, the broken one is skipped and the good one imported
    path.write_text(bank + "\n\n::Good::Fine?{T}\n", encoding="utf-8")
    result = import_bank(path, "gift")
    assert [card.id for card in result.deck.cards] == ["bad-good"]
    assert result.skipped == 1 and result.warnings[0].startswith(f"{path}:{where}: question ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no questions found"),
        (b"// only a comment\n\n   \n", "no questions found"),
        (b"::Q::Hello\n", "no questions found"),  # a description only
        (b"::Q::Caf\xe9?{T}", ":1: not UTF-8 text"),
    ],
)
def test_empty_or_binary_banks_get_one_line(tmp_path, content, message):
    path = tmp_path / "odd.gift"
    path.write_bytes(content)
    with pytest.raises(BankError, match=message) as caught:
        import_bank(path, "gift")
    assert str(caught.value).startswith(str(path))


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(BankError, match="nope.gift: no such file"):
        import_bank(tmp_path / "nope.gift", "gift")
    with pytest.raises(BankError, match='unknown format "xml"; choose one of gift, aiken'):
        import_bank(tmp_path / "nope.gift", "xml")


def test_ids_are_slugs_of_titles_made_unique_and_prefixable(tmp_path):
    path = tmp_path / "Week 3 Quiz.gift"
    path.write_text(
        "::Soft Prompts!::A?{T}\n\n::soft prompts::B?{F}\n\n::∑::C?{T}\n\nD?{T}", encoding="utf-8"
    )
    deck = import_bank(path, "gift").deck
    assert deck.id == "week-3-quiz" and deck.title == "Week 3 Quiz"
    ids = [c.id for c in deck.cards]
    assert ids[:2] == ["week-3-quiz-soft-prompts", "week-3-quiz-soft-prompts-2"]
    # a title with nothing usable, or none, gives a hash of the question's kind and text
    assert ids[2] == "week-3-quiz-" + text_hash({"kind": "true_false", "statement": "C?"})
    assert re.fullmatch(r"week-3-quiz-[0-9a-f]{8}", ids[3]) and ids[3] != ids[2]
    assert [t.id for t in deck.topics] == ["week-3-quiz"]  # no category: the deck id
    prefixed = import_bank(path, "gift", id_prefix="w3-", deck_id="w3").deck
    assert [c.id for c in prefixed.cards][:2] == ["w3-soft-prompts", "w3-soft-prompts-2"]
    assert [t.id for t in prefixed.topics] == ["w3"]
    bare = import_bank(path, "gift", id_prefix="").deck  # an empty prefix: the names alone
    assert [c.id for c in bare.cards][:2] == ["soft-prompts", "soft-prompts-2"]


def test_two_banks_imported_side_by_side_never_clash(tmp_path, labs_dir):
    one, two = tmp_path / "week1.gift", tmp_path / "week2.gift"
    one.write_text("::Q1::Frozen?{T}\n\nWhat is trained?{=the prompt ~the model}\n")
    two.write_text("::Q1::Frozen?{T}\n\nWhat is trained?{=the prompt ~the model}\n")
    for bank in (one, two):
        bank.with_suffix(".yaml").write_text(deck_to_yaml(import_bank(bank, "gift").deck))
    loaded = load_decks([one.with_suffix(".yaml"), two.with_suffix(".yaml")])
    assert loaded.problems == [] and [len(d.cards) for d in loaded.decks] == [2, 2]


def test_lossy_conversions_are_reported_not_silent(tmp_path):
    path = tmp_path / "lossy.gift"
    path.write_text(
        "::Partial::Pick{=a ~%50%b ~c}\n\n"
        "::Two right::Pick{=a =b ~c}\n\n"
        "::Distractor::Match{=x -> 1 =y -> 2 = -> 3}\n\n"
        "::Essay::Write something.{}\n\n"
        "::Short::Name it{=%50%half =full =%0%wrong#No.}",
        encoding="utf-8",
    )
    result = import_bank(path, "gift", id_prefix="")
    assert [c.id for c in result.deck.cards] == ["partial", "distractor", "short"]
    assert result.deck.cards[0].answer == "A"
    assert [p.right for p in result.deck.cards[1].pairs] == ["1", "2"]
    assert result.deck.cards[2].answers == ["full"]  # partial credit is never full credit
    assert result.deck.cards[2].explanation == (
        'Partly right (50%) "half": -\nFeedback for "wrong": No.'
    )
    messages = [line.split(": ", 2)[2] for line in result.warnings]
    assert messages == [
        '"b" is worth 50% in the bank; studykit has no partial credit, so it is a wrong choice '
        "(its feedback is kept)",
        "several answers are fully right in a single-answer question; studykit's mcq has one "
        "right choice, so it was skipped",
        'the extra right-hand answer "3" (a distractor) was dropped',
        "is an essay without general feedback, so it has no answer; skipped",
        '"half" is worth 50% in the bank; studykit has no partial credit, so it is not '
        "accepted (its feedback goes into the explanation)",
        'the wrong answer "wrong" was dropped (studykit lists right ones)',
        "per-answer feedback moved into the explanation",
    ]


# Any text a card can hold comes back unchanged from GIFT (after the same whitespace trimming the
# deck model does). "\r" is left out: GIFT files normalise line endings; so are the other control
# characters but tab and newline, which loading and importing take out (studykit.deck.text).
_CONTROLS = "".join(chr(c) for c in (*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)))
card_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=_CONTROLS),
    min_size=1,
    max_size=MAX_ANSWER,  # the same texts serve as short answers, the tightest bound
).filter(lambda t: t.strip() != "")


# A lone list marker is Markdown (an empty list item), in every text a [markdown] card writes;
# hypothesis found "*" as a flashcard's explanation, read back as the text "*".
# Hypothesis also found a private-use character (an icon font's glyph) read back as "~".
@example(question="q", right="r", wrong="\ue000", why="w", left="l")
@example(question="q", right="r", wrong="w", why="*", left="l")
@example(question="q", right="r", wrong="w", why="-", left="l")
@example(question="q", right="r", wrong="w", why="+", left="l")
@example(question="q", right="r", wrong="w", why="1.", left="l")
@example(question="q", right="r", wrong="w", why="* a\n* b", left="l")
@example(question="*", right="r", wrong="w", why="1.", left="+")
@example(question="1.", right="r", wrong="w", why="```\ncode\n```", left="-")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=card_text, right=card_text, wrong=card_text, why=card_text, left=card_text)
def test_any_text_survives_gift_export_and_import(question, right, wrong, why, left):
    assume(right.strip() != wrong.strip() and "->" not in left and "->" not in right)
    # Card text is Markdown (deck/markup.py); a matching pair's right side and an order step are
    # plain text in Moodle, so markup there is lost by design (test_export_rich.py).
    assume(not markup.uses_markup(right) and not markup.uses_markup(wrong))
    data = {
        "id": "prop",
        "title": "Property",
        "description": "generated",
        "topics": [{"id": "t", "title": "T"}],
        "cards": [
            {"id": "a", "kind": "mcq", "topic": "t", "question": question, "answer": "B",
             "choices": [{"text": wrong, "why": why}, right], "explanation": why},
            {"id": "b", "kind": "multi", "topic": "t", "question": question, "answers": ["A"],
             "choices": [{"text": right, "why": why}, wrong]},
            {"id": "c", "kind": "true_false", "topic": "t", "statement": question,
             "answer": False, "why_true": why, "why_false": wrong, "explanation": right},
            {"id": "d", "kind": "matching", "topic": "t", "prompt": question,
             "pairs": [{"left": left, "right": right}, {"left": left + " 2", "right": wrong}]},
            {"id": "e", "kind": "order", "topic": "t", "prompt": question, "steps": [right, wrong]},
            {"id": "f", "kind": "short", "topic": "t", "question": question,
             "answers": [right, wrong], "explanation": why},
            {"id": "g", "kind": "flashcard", "topic": "t", "front": question, "back": right,
             "explanation": why},
        ],
    }  # fmt: skip
    deck = Deck.model_validate(data)
    export = to_gift([deck])
    assert export.skipped == []
    parsed = parse_gift(export.text, "p.gift")
    assert parsed.warnings == []
    back = build_deck(parsed, "p.gift", "prop", "Property", "generated", id_prefix="")
    for original, returned in zip(deck.cards, back.cards, strict=True):
        before, after = (
            original.model_dump(exclude={"topic"}),
            returned.model_dump(exclude={"topic"}),
        )
        if uses_markup(original):  # written as [markdown]: the same text, maybe spelled anew
            before, after = _meaning(before), _meaning(after)
        assert after == before


def _meaning(value):
    """Every string of a dumped card as the Markdown tree it parses to."""
    if isinstance(value, str):
        return markup.parse(value)
    if isinstance(value, dict):
        return {key: _meaning(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_meaning(item) for item in value]
    return value


EXAMPLES = Path(__file__).parent / "fixtures" / "examples.gift"


def _by_content(deck: Deck) -> dict[str, str]:
    """card id -> its kind and every field but the id, to see which question an id names."""
    return {c.id: repr(c.model_dump(exclude={"id"})) for c in deck.cards}


def test_reimporting_an_edited_bank_keeps_the_ids_of_unchanged_questions(tmp_path):
    before = import_bank(EXAMPLES, "gift", deck_id="examples").deck
    edited = tmp_path / "examples.gift"
    text = EXAMPLES.read_text(encoding="utf-8")
    inserted = "Which optimiser keeps two moving averages per weight?{=Adam ~SGD ~Newton}\n\n"
    edited.write_text(inserted + text, encoding="utf-8")
    after = import_bank(edited, "gift", deck_id="examples").deck
    old, new = _by_content(before), _by_content(after)
    assert len(new) == len(old) + 1
    assert {i: new[i] for i in old} == old  # every unchanged question keeps its id
    # and an id is never a bare counter, a topic never the shared "imported"
    assert all(i.startswith("examples-") for i in new)
    assert [t.id for t in after.topics] == ["examples"]


def test_partial_credit_is_never_full_credit(tmp_path):
    result = import_bank(EXAMPLES, "gift", deck_id="ex")
    cards = {c.id: c for c in result.deck.cards}
    tuned = cards["ex-tuned-where"]  # ~%25% and ~%50% choices: wrong choices with feedback
    assert tuned.kind == "mcq" and tuned.choices[tuned.correct_index].text == "the input"
    assert tuned.choices[1].why == "That is prefix tuning, one layer at a time."
    spelled = cards["ex-tuned-where-2"]  # =%75% and =%25% answers are not accepted
    assert spelled.kind == "short" and spelled.answers == ["soft prompt"]
    assert 'Partly right (75%) "soft promt": Right, but misspelled.' in spelled.explanation
    assert cards["ex-two-of-four"].answers == ["B", "C"]  # positive weights of a multi
    partial = [w for w in result.warnings if "no partial credit" in w]
    loss, changes = _line_of("The loss barely moves"), _line_of("::Tuned where:: Prompt tuning c")
    trains = _line_of("::Tuned where:: Prompt tuning trains")
    assert [int(w.split(":")[1]) for w in partial] == [loss, changes, changes, trains, trains]
    # the re-export writes no partial answer as right (Moodle's = is 100%)
    exported = to_gift([result.deck]).text
    assert "=soft promt" not in exported and "=prompt" not in exported


def _line_of(start: str) -> int:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def test_html_and_markdown_become_card_text_and_images_are_reported(tmp_path):
    result = import_bank(EXAMPLES, "gift", deck_id="ex")
    texts = {c.prompt_text(): c for c in result.deck.cards}
    markdown = texts["Which call clears the **old** gradients?"]
    assert [c.text for c in markdown.choices] == ["`zero_grad()`", "`step()`"]
    assert "Which layer gets a **prefix** in prefix tuning?" in texts
    (image,) = [w for w in result.warnings if "image" in w]
    assert image == (
        f'{EXAMPLES}:{_line_of("[html]")}: question "Which layer gets a **prefix** in prefix '
        '": an image ("the layer stack") was dropped; card text holds no images'
    )


def test_text_over_a_bound_is_skipped_in_the_loaders_words(tmp_path):
    path = tmp_path / "long.gift"
    path.write_text(
        "::Long::" + "x" * 10_001 + "{T}\n\n::Many::Pick{=a " + " ".join(f"~{n}" for n in range(30))
        + "}\n\n::Fine::Short?{F}\n",
        encoding="utf-8",
    )  # fmt: skip
    result = import_bank(path, "gift")
    assert [card.id for card in result.deck.cards] == ["long-fine"]
    assert [line.split(": ", 1)[1] for line in result.warnings] == [
        'question "Long": "statement" is longer than 10,000 characters; shorten it; skipped',
        'question "Many": has 31 answers; studykit allows at most 26; skipped',
    ]
    assert not any("String should" in line for line in result.warnings)
