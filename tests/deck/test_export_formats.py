"""Every card kind round-trips YAML -> model -> GIFT / CSV / Markdown: the output is parsed back
and compared field by field with the deck it came from. Card text is Markdown (deck/markup.py),
so GIFT and Markdown are compared by what the text says (`meaning`), CSV by the text itself."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from studykit.deck import cloze, markup
from studykit.deck.export import FORMATS, UnknownFormat, export_decks, gift, render_text
from studykit.deck.export.csv import COLUMNS, to_csv
from studykit.deck.export.gift import escape, to_gift, weight
from studykit.deck.export.markdown import escape_line, to_markdown
from studykit.deck.export.predict import resolve_predictions
from studykit.deck.importers import Parsed, build_deck
from studykit.deck.importers.gift import parse_gift
from studykit.deck.loader import load_decks
from studykit.deck.model import LETTERS, Deck
from studykit.files import NotARegularFile
from studykit.lab.catalog import Catalog

BUNDLED_DECKS = Path(__file__).parents[2] / "decks"

# One card of every kind, with text that stresses each format: GIFT's ~ = # { } : and backslash,
# Markdown's * _ ` [ ] < > | and line-start markers, CSV's commas, quotes and line breaks.
EVERY_KIND_YAML = r"""
id: every-kind
title: "Every kind: a *test* deck"
description: "Seven cards, one per kind, with awkward characters: ~ = # { } : \\ | < >."
version: "1.2"
authors: [Ada, Grace]
topics:
  - id: ek-basics
    title: Basics / intro
    description: Where it starts.
  - id: ek-more
    title: More
    learn_before: [ek-basics]
cards:
  - id: ek-flash
    kind: flashcard
    topic: ek-basics
    front: "What does `W_q` do in {attention}?"
    back: |-
      It projects *queries*: q = W_q x, with `W_q` learned.
      \- a line that looks like a list item
      # and one like a heading, <b>not bold</b>, [bold] not Rich
    explanation: "Queries meet keys; 50% of people forget the #1 rule."
    tags: [attention, two words]
    refs: [arXiv 2104.08691]
    lab: {name: example-lab, params: {task: sort}, notice: "watch the loss, not the accuracy"}
  - id: ek-mcq
    kind: mcq
    topic: ek-basics
    question: "Which update is gradient descent? (θ, η, ∇L)"
    choices:
      - {text: "θ ← θ + η∇L", why: "That climbs the loss: sign error ~ a classic."}
      - {text: "θ ← θ − η∇L", why: "Right = step against the gradient."}
      - {text: "%50% of θ", why: "[html] is not a format here"}
      - "θ ← η"
    answer: B
    explanation: "Subtract the gradient, scaled by the learning rate {η}."
    tags: [gd]
  - id: ek-multi
    kind: multi
    topic: ek-more
    question: "Which are trained in prefix tuning? Pick all, e.g. a, b, c."
    choices:
      - {text: "the per-layer key/value prefixes", why: "Yes: every layer."}
      - "the reparametrisation MLP (during training)"
      - {text: "the base model's weights", why: "No: frozen, \"as in\" prompt tuning."}
    answers: [A, B]
    explanation: "Li & Liang 2021: prefixes at every layer, via an MLP while training."
  - id: ek-tf
    kind: true_false
    topic: ek-more
    statement: "Soft prompts update the base model's weights."
    answer: false
    why_true: "No: the base model is frozen."
    why_false: "Right: only the prompt vectors change."
    explanation: "Gradients flow through the network but only the prompt is updated."
  - id: ek-match
    kind: matching
    topic: ek-more
    prompt: "Match each method to what it changes:"
    pairs:
      - {left: "prompt tuning", right: "input embeddings -> only the prompt"}
      - {left: "prefix tuning", right: "every layer's keys & values"}
      - {left: "full fine-tuning", right: "all weights | everything"}
    explanation: "From cheapest to most expensive."
  - id: ek-order
    kind: order
    topic: ek-more
    prompt: "Put one training step in order"
    steps: ["forward pass", "compute the loss", "backward pass: dL/dθ", "update θ"]
    explanation: "Forward, loss, backward, update."
  - id: ek-short
    kind: short
    topic: ek-more
    question: "What scales the update step?"
    answers: ["learning rate", "lr", "η", "step size, alpha"]
    explanation: "θ ← θ − η∇L"
    lab: gradient-descent
"""

CARD_FIELDS = {
    "flashcard": ("front", "back"),
    "mcq": ("question", "choices", "answer"),
    "multi": ("question", "choices", "answers"),
    "true_false": ("statement", "answer", "why_true", "why_false"),
    "matching": ("prompt", "pairs"),
    "order": ("prompt", "steps"),
    "short": ("question", "answers"),
}


def load_text(text: str) -> Deck:
    """One deck from YAML text, through the real loader. Lab links are checked against an empty
    catalog, so they are warnings and the tests do not depend on the bundled labs."""
    with tempfile.TemporaryDirectory() as folder:
        path, labs = Path(folder) / "deck.yaml", Path(folder) / "labs"
        path.write_text(text, encoding="utf-8")
        labs.mkdir()
        result = load_decks([path], lab_catalog=Catalog(labs))
    assert [str(p) for p in result.problems if p.severity == "error"] == []
    (deck,) = result.decks
    return deck


def every_kind_deck() -> Deck:
    return load_text(EVERY_KIND_YAML)


def card_content(card) -> dict:
    """What a card asks and answers, with its explanation: the part every format must keep."""
    data = card.model_dump()
    return {"kind": card.kind, "explanation": card.explanation} | {
        name: data[name] for name in CARD_FIELDS[card.kind]
    }


def meaning(content):
    """Card content as what its text says: markup dropped from every piece of text."""
    if isinstance(content, str):
        return markup.to_plain(content)
    if isinstance(content, dict):
        return {key: meaning(value) for key, value in content.items()}
    if isinstance(content, list):
        return [meaning(value) for value in content]
    return content


def test_every_kind_is_in_the_fixture():
    assert {card.kind for card in every_kind_deck().cards} == set(CARD_FIELDS)


# --- GIFT -----------------------------------------------------------------------------------


def gift_round_trip(decks: list[Deck]) -> tuple[Deck, list[str]]:
    export = to_gift(decks)
    parsed: Parsed = parse_gift(export.text, "export.gift")
    deck = build_deck(parsed, "export.gift", "back", "Back", "From GIFT", id_prefix="")
    return deck, export.skipped


def test_every_kind_round_trips_through_gift():
    deck = every_kind_deck()
    back, skipped = gift_round_trip([deck])
    assert skipped == []
    assert [card.id for card in back.cards] == [card.id for card in deck.cards]
    for original, returned in zip(deck.cards, back.cards, strict=True):
        assert returned.kind == original.kind
        assert meaning(card_content(returned)) == meaning(card_content(original))
    # Plain cards come back exactly; a card with markup comes back as Moodle Markdown.
    assert card_content(back.cards[1]) == card_content(deck.cards[1])
    assert back.cards[0].back.startswith("It projects *queries*: q = W\\_q x, with `W_q`")
    # Topics become categories and come back with their titles.
    assert [t.title for t in back.topics] == ["Basics / intro", "More"]
    assert {c.id: back.topic(c.topic).title for c in back.cards}["ek-tf"] == "More"


def test_gift_escapes_every_special_character():
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"
    # A leading weight or format marker would be read by Moodle; [moodle] keeps it literal.
    assert escape("%50% of it") == "[moodle]%50% of it"
    assert escape("[html] tag") == "[moodle][html] tag"
    assert escape("%50% of it", guard=False) == "%50% of it"


def test_gift_layout_matches_moodle_conventions():
    text = to_gift([every_kind_deck()]).text
    assert "$CATEGORY: $course$/top/Basics / intro" in text
    assert "::ek-tf::Soft prompts update the base model's weights. {FALSE#" in text
    # Moodle's true/false order: feedback for the wrong answer first, then for the right one.
    assert "{FALSE#No\\: the base model is frozen.#Right\\: only the prompt vectors change." in text
    assert "\t=θ ← θ − η∇L#Right \\= step against the gradient.\n" in text
    assert "\t~%50%the per-layer key/value prefixes#Yes\\: every layer.\n" in text
    assert "\t~%-50%the base model's weights#" in text
    assert "\t=Step 3 -> backward pass\\: dL/dθ\n" in text
    assert "\t####Forward, loss, backward, update.\n" in text


@pytest.mark.parametrize(
    ("right", "share"), [(1, "100"), (2, "50"), (3, "33.33333"), (7, "14.28571")]
)
def test_multi_weights_are_moodle_grades(right, share):
    assert weight(100 / right) == share
    assert weight(-100 / right) == f"-{share}"


def test_gift_skips_a_card_it_cannot_express_and_names_it():
    deck = every_kind_deck()
    data = yaml.safe_load(EVERY_KIND_YAML)
    data["cards"][4]["pairs"][0]["left"] = "a -> b"  # "->" on the left cannot be escaped
    deck = load_text(yaml.safe_dump(data))
    export = to_gift([deck])
    assert len(export.skipped) == 1
    assert export.skipped[0].startswith("card ek-match (matching) skipped:")
    assert "::ek-match::" not in export.text
    assert export.cards == len(deck.cards) - 1


def test_bundled_decks_round_trip_through_gift():
    loaded = load_decks([BUNDLED_DECKS], lab_catalog=Catalog())
    assert [str(p) for p in loaded.problems if p.severity == "error"] == []
    decks, _ = resolve_predictions(loaded.decks)  # predict cards need a lab run: left out
    back, skipped = gift_round_trip(decks)
    assert skipped == []
    originals = {card.id: card for deck in decks for card in deck.cards if card.kind != "cloze"}
    clozes = [card for deck in decks for card in deck.cards if card.kind == "cloze"]
    deletions = sum(len(cloze.numbers(card.text)) for card in clozes)  # a question each
    assert len(back.cards) == len(originals) + deletions
    for card in back.cards:
        if card.id in originals:
            original = originals[card.id]
            assert meaning(card_content(card)) == meaning(card_content(original))
            if not any(markup.uses_markup(t) for t in gift.card_texts(original)):
                assert card_content(card) == card_content(original)  # exactly


# --- CSV ------------------------------------------------------------------------------------


def _lettered(lines: list[str]) -> list[str]:
    texts = []
    for letter, line in zip(LETTERS, lines, strict=False):
        assert line.startswith(f"{letter}. ")
        texts.append(line[3:])
    return texts


def card_from_csv(row: dict) -> dict:
    """Rebuild a card's content from its CSV row alone."""
    kind, question, answer = row["kind"], row["question"], row["answer"]
    content = {"kind": kind, "explanation": row["explanation"]}
    lines = question.split("\n")
    match kind:
        case "flashcard":
            return content | {"front": question, "back": answer}
        case "mcq" | "multi":
            count = len([line for line in lines if re.match(r"^[A-Z]\. ", line)])
            texts = _lettered(lines[-count:])
            choices = [{"text": text} for text in texts]
            picked = []
            for line in answer.split("\n"):
                letter, text = re.fullmatch(r"([A-Z])\. (.*)", line, re.DOTALL).groups()
                assert texts[LETTERS.index(letter)] == text
                picked.append(letter)
            body = {"question": "\n".join(lines[:-count]), "choices": choices}
            return (
                content | body | ({"answer": picked[0]} if kind == "mcq" else {"answers": picked})
            )
        case "true_false":
            return content | {
                "statement": question,
                "answer": {"True": True, "False": False}[answer],
            }
        case "matching":
            pairs = [dict(zip(("left", "right"), line.split(" -> ", 1), strict=True))
                     for line in answer.split("\n")]  # fmt: skip
            shown = [line[2:] for line in lines if line.startswith("- ")]
            offered = [line[4:] for line in lines if line.startswith("  * ")]
            assert shown == [p["left"] for p in pairs]
            assert offered == sorted(p["right"] for p in pairs)
            return content | {"prompt": lines[0], "pairs": pairs}
        case "order":
            steps = [re.sub(r"^\d+\. ", "", line) for line in answer.split("\n")]
            assert [line[2:] for line in lines[1:]] == sorted(steps)
            return content | {"prompt": lines[0], "steps": steps}
        case "short":
            return content | {"question": question, "answers": answer.split("\n")}
    raise AssertionError(kind)


def _without_why(content: dict) -> dict:
    if "choices" in content:
        content = content | {"choices": [{"text": c["text"]} for c in content["choices"]]}
    return {k: v for k, v in content.items() if k not in ("why_true", "why_false")}


def test_every_kind_round_trips_through_csv():
    deck = every_kind_deck()
    rows = list(csv.DictReader(io.StringIO(to_csv([deck]), newline="")))
    assert tuple(rows[0]) == COLUMNS
    assert [row["id"] for row in rows] == [card.id for card in deck.cards]
    for card, row in zip(deck.cards, rows, strict=True):
        assert row["deck"] == deck.id
        assert (row["kind"], row["topic"]) == (card.kind, card.topic)
        assert (row["tags"].split("; ") if row["tags"] else []) == card.tags
        lab = [card.lab.name, *(f"{k}={v}" for k, v in card.lab.params.items())] if card.lab else []
        assert row["lab"] == " ".join(lab)
        assert card_from_csv(row) == _without_why(card_content(card))


def test_csv_tags_column_splits_back_into_the_tags():
    rows = list(csv.DictReader(io.StringIO(to_csv([every_kind_deck()]), newline="")))
    assert rows[0]["tags"] == "attention; two words"
    assert rows[0]["lab"] == "example-lab task=sort"  # the lab and its parameters


# --- Markdown -------------------------------------------------------------------------------

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _plain(markdown: str) -> str:
    """What a CommonMark renderer shows for one paragraph of Markdown, as plain text: line
    breaks as newlines, code as its text, emphasis dropped."""
    parts = []
    for token in MarkdownIt("commonmark").parse(markdown.strip()):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")
    return "".join(parts)


def _list_items(block: str) -> list[str]:
    """The items of a rendered list block, each with its continuation lines."""
    items: list[str] = []
    for line in block.split("\n"):
        if re.match(r"^(- |\d+\. )", line):
            items.append(re.sub(r"^(- |\d+\. )", "", line))
        else:
            items[-1] += "\n" + line
    return items


def cards_from_markdown(document: str) -> dict[str, dict]:
    """Rebuild each card's content, its topic title, refs, lab and tags from the Markdown."""
    cards: dict[str, dict] = {}
    topic = None
    for section in re.split(r"\n(?=## )", document):
        if section.startswith("## "):
            topic = _plain(section.split("\n", 1)[0][3:])
        for entry in re.split(r"\n\n(?=### )", section)[1:]:
            heading, *blocks = entry.split("\n\n")
            blocks = [b for b in blocks if b.strip() and not b.startswith(("---", "## "))]
            card_id = _plain(heading[4:].split(" · ")[0])
            label = heading.split(" · ", 1)[1]
            fields = {}
            labelled = {}
            pending = None
            for block in blocks[1:]:
                match = re.match(r"^\*\*([A-Za-z ]+:)\*\*( |$)", block)
                if match and match[0].strip() == block.strip():
                    pending = match[1]
                    continue
                if match:
                    labelled[match[1]] = _plain(block[match.end() :])
                elif pending:
                    labelled[pending] = _list_items(block)
                    pending = None
                else:
                    labelled["choices"] = _list_items(block)
            fields["prompt"] = _plain(blocks[0])
            cards[card_id] = {"label": label, "topic": topic, "fields": labelled} | fields
    return cards


def _choices_from(items: list[str]) -> list[str]:
    texts = []
    for letter, item in zip(LETTERS, items, strict=False):
        prefix = f"**{letter}.** "
        assert item.startswith(prefix)
        texts.append(_plain(item[len(prefix) :]))
    return texts


def card_from_markdown(entry: dict, kind: str) -> dict:
    labelled, prompt = entry["fields"], entry["prompt"]
    content = {"kind": kind, "explanation": labelled.get("Explanation:", "")}
    feedback = {}
    for item in labelled.get("Feedback:", []):
        label, _, why = item.partition("** ")
        feedback[label.strip("*").rstrip(".:")] = _plain(why)
    match kind:
        case "flashcard":
            return content | {"front": prompt, "back": labelled["Answer:"]}
        case "mcq" | "multi":
            texts = _choices_from(labelled["choices"])
            choices = [{"text": t, "why": feedback.get(LETTERS[i])} for i, t in enumerate(texts)]
            if kind == "mcq":
                return content | {
                    "question": prompt,
                    "choices": choices,
                    "answer": labelled["Answer:"],
                }
            answers = labelled["Answers:"].split(", ")
            return content | {"question": prompt, "choices": choices, "answers": answers}
        case "true_false":
            return content | {
                "statement": prompt,
                "answer": labelled["Answer:"] == "True",
                "why_true": feedback.get("True"),
                "why_false": feedback.get("False"),
            }
        case "matching":
            pairs = []
            for item in labelled["Answer:"]:
                left, right = item.split(" → ")
                pairs.append({"left": _plain(left), "right": _plain(right)})
            return content | {"prompt": prompt, "pairs": pairs}
        case "order":
            return content | {"prompt": prompt, "steps": [_plain(i) for i in labelled["Answer:"]]}
        case "short":
            answers = [_plain(i) for i in labelled["Accepted answers:"]]
            return content | {"question": prompt, "answers": answers}
    raise AssertionError(kind)


def test_every_kind_round_trips_through_markdown():
    deck = every_kind_deck()
    document = to_markdown([deck])
    assert document.startswith("# Every kind: a \\*test\\* deck\n")
    entries = cards_from_markdown(document)
    assert list(entries) == [card.id for card in deck.cards]
    for card in deck.cards:
        entry = entries[card.id]
        assert entry["topic"] == deck.topic(card.topic).title
        assert card_from_markdown(entry, card.kind) == meaning(card_content(card))
        labelled = entry["fields"]
        assert labelled.get("References:", "") == "; ".join(card.refs)
        assert labelled.get("Tags:", "") == ", ".join(card.tags)
        if card.lab:
            assert labelled["Lab:"].split(" ")[0] == card.lab.name
            assert labelled.get("Look for:") == card.lab.notice
    assert entries["ek-flash"]["fields"]["Lab:"] == "example-lab (task=sort)"


@pytest.mark.parametrize(
    ("line", "escaped"),
    [("1. looks like a list", "1\\. looks like a list"), ("36.0", "36.0"), ("2) x", "2\\) x"),
     ("> quote", "\\> quote"), ("a_b*c", "a\\_b\\*c"), ("x 1. y", "x 1. y")],
)  # fmt: skip
def test_markdown_escape_line(line, escaped):
    assert escape_line(line) == escaped


def test_markdown_escapes_what_markdown_would_interpret():
    document = to_markdown([every_kind_deck()])
    assert "What does `W_q` do in {attention}?" in document  # card text's code stays code
    assert "- **C.** \\[html\\] is not a format here" in document
    assert "all weights \\| everything" in document and "keys \\& values" in document
    # A back line that looks like a list item or heading stays text after a hard break.
    assert (
        "It projects *queries*: q = W\\_q x, with `W_q` learned.\\\n"
        "\\- a line that looks like a list item\\\n\\# and one like a heading, \\<b\\>"
    ) in document


# --- writing files --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gift", "markdown", "csv"])
def test_export_decks_writes_what_render_text_returns(tmp_path, fmt):
    deck = every_kind_deck()
    out = tmp_path / f"deck{FORMATS[fmt]}"
    report = export_decks([deck], fmt, out)
    text, expected = render_text([deck], fmt)
    assert out.read_bytes() == text.encode("utf-8")
    assert report == expected
    assert report.cards == 7
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


def test_unknown_format_writes_nothing(tmp_path):
    with pytest.raises(UnknownFormat, match='unknown export format "pdf"; choose one of anki'):
        export_decks([every_kind_deck()], "pdf", tmp_path / "deck.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_device_or_pipe_is_never_replaced(tmp_path):
    fifo = tmp_path / "deck.csv"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile):
        export_decks([every_kind_deck()], "csv", fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
