"""Exports keep what matters: code and cloze cards in every format, lab parameters, Anki deck
identity and note times, CSV's byte order mark, and the Markdown quiz."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from test_export_formats import load_text

from studykit.deck.export import BOM, LEFT_OUT, export_decks, render_text
from studykit.deck.export.anki import CLOZE_FIELDS, CLOZE_MODEL_NAME, FIELDS, stable_id
from studykit.deck.export.gift import to_gift
from studykit.deck.export.quiz import shuffled, to_quiz
from studykit.deck.importers import build_deck
from studykit.deck.importers.gift import parse_gift

RICH_YAML = r"""
id: rich
title: Rich text
description: Code, cloze and labs.
topics:
  - {id: rich-t, title: Training loops}
cards:
  - id: rich-code
    kind: mcq
    topic: rich-t
    question: |-
      What is wrong with this step?

      ```python
      for x, y in batches:
          loss = loss_fn(model(x), y)
          loss.backward()
          optimizer.step()
      ```
    choices:
      - text: "`optimizer.zero_grad()` is never called"
      - text: "`backward()` runs before `step()`"
        why: That order is right; **step** needs the gradients.
    answer: A
    explanation: Gradients *add up* in `.grad` until something zeroes them.
    lab: {name: gradient-descent, params: {lr: 0.1, steps: 20}}
  - id: rich-cloze
    kind: cloze
    topic: rich-t
    text: "Prompt tuning trains {{c1::k·d}} numbers and keeps the model {{c2::frozen::state}}."
    accept: {c1: [k*d, kd]}
    explanation: The prompt is a k × d matrix.
  - id: rich-order
    kind: order
    topic: rich-t
    prompt: One step, in order.
    steps: [forward, loss, backward, update]
    explanation: Each needs the one before.
  - id: rich-match
    kind: matching
    topic: rich-t
    prompt: Match.
    pairs:
      - {left: prompt tuning, right: input embeddings}
      - {left: prefix tuning, right: every layer's keys and values}
      - {left: full fine-tuning, right: every weight}
    explanation: Where the trainable parameters live.
"""


def rich_deck():
    return load_text(RICH_YAML)


def notes_of(path: Path, tmp_path: Path) -> dict[str, dict]:
    """Card id -> the note's mtime, note type name and fields, read from the package's SQLite."""
    database = tmp_path / f"{path.stem}-{path.stat().st_mtime_ns}.anki2"
    with zipfile.ZipFile(path) as package:
        database.write_bytes(package.read("collection.anki2"))
    connection = sqlite3.connect(database)
    try:
        models = yaml.safe_load(connection.execute("SELECT models FROM col").fetchone()[0])
        decks = yaml.safe_load(connection.execute("SELECT decks FROM col").fetchone()[0])
        rows = connection.execute("SELECT mid, mod, flds FROM notes").fetchall()
        cards = connection.execute("SELECT nid, ord, mod FROM cards").fetchall()
    finally:
        connection.close()
    notes = {}
    for mid, mod, flds in rows:
        model = models[str(mid)]
        names = [f["name"] for f in model["flds"]]
        fields = dict(zip(names, flds.split("\x1f"), strict=True))
        notes[fields["Id"]] = {"mod": mod, "model": model, "fields": fields}
    return {"notes": notes, "decks": decks, "cards": cards}


# --- Anki -------------------------------------------------------------------------------------


def test_anki_writes_markdown_as_html_and_cloze_as_a_cloze_note(tmp_path):
    out = tmp_path / "rich.apkg"
    export_decks([rich_deck()], "anki", out)
    package = notes_of(out, tmp_path)
    notes = package["notes"]
    code = notes["rich-code"]["fields"]
    assert code["Question"] == (
        '<p>What is wrong with this step?</p><pre><code class="language-python">for x, y in '
        "batches:\n    loss = loss_fn(model(x), y)\n    loss.backward()\n    optimizer.step()"
        "</code></pre>"
    )
    assert "<li><code>optimizer.zero_grad()</code> is never called</li>" in code["Choices"]
    assert "<strong>step</strong> needs the gradients" in code["Answer"]
    assert code["More"].endswith(
        "Lab: <code>studykit lab gradient-descent --lr 0.1 --steps 20</code>"
    )
    cloze = notes["rich-cloze"]
    assert cloze["model"]["name"] == CLOZE_MODEL_NAME and cloze["model"]["type"] == 1
    assert list(cloze["fields"]) == list(CLOZE_FIELDS)
    assert cloze["fields"]["Text"] == (
        "Prompt tuning trains {{c1::k·d}} numbers and keeps the model {{c2::frozen::state}}."
    )
    assert "{{cloze:Text}}" in cloze["model"]["tmpls"][0]["qfmt"]
    # Anki makes one card per deletion number (ord 0 and 1) from the one note.
    nid = next(
        nid for nid, _, _ in package["cards"] if sum(n == nid for n, _, _ in package["cards"]) == 2
    )
    assert sorted(o for n, o, _ in package["cards"] if n == nid) == [0, 1]
    assert list(notes["rich-order"]["fields"]) == list(FIELDS)


def test_retitling_a_deck_keeps_its_anki_deck(tmp_path):
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    export_decks([rich_deck()], "anki", first)
    export_decks(
        [load_text(RICH_YAML.replace("title: Rich text", "title: Renamed"))], "anki", second
    )
    a, b = notes_of(first, tmp_path)["decks"], notes_of(second, tmp_path)["decks"]
    deck_id = str(stable_id("studykit deck rich"))
    assert a[deck_id]["name"] == b[deck_id]["name"] == "studykit::rich"
    assert "Renamed" in b[deck_id]["desc"]


def test_a_one_card_edit_changes_only_that_notes_time(tmp_path, monkeypatch):
    import studykit.deck.export.anki as anki

    out = tmp_path / "deck.apkg"
    monkeypatch.setattr(anki.time, "time", lambda: 1_700_000_000.0)
    first = export_decks([rich_deck()], "anki", out)
    before = notes_of(out, tmp_path)["notes"]
    assert first.changed is None  # nothing was replaced
    assert {note["mod"] for note in before.values()} == {1_700_000_000}

    monkeypatch.setattr(anki.time, "time", lambda: 1_700_086_400.0)
    edited = RICH_YAML.replace("Each needs the one before.", "Each step needs the one before it.")
    report = export_decks([load_text(edited)], "anki", out)
    after = notes_of(out, tmp_path)["notes"]
    assert report.changed == 1
    changed = {card for card in after if after[card]["mod"] != before[card]["mod"]}
    assert changed == {"rich-order"}
    assert after["rich-order"]["mod"] == 1_700_086_400  # newer, so Anki takes the update
    # Its cards carry the note's time too; the cloze note's two cards kept theirs.
    assert {mod for _, _, mod in notes_of(out, tmp_path)["cards"]} == {1_700_000_000, 1_700_086_400}

    monkeypatch.setattr(anki.time, "time", lambda: 1_700_172_800.0)
    again = export_decks([load_text(edited)], "anki", out)
    assert again.changed == 0
    assert {c: n["mod"] for c, n in notes_of(out, tmp_path)["notes"].items()} == {
        c: n["mod"] for c, n in after.items()
    }


def test_a_previous_file_that_is_no_package_counts_every_note_as_changed(tmp_path):
    out = tmp_path / "deck.apkg"
    out.write_text("not a zip")
    report = export_decks([rich_deck()], "anki", out)
    assert report.changed == 4


def test_left_out_names_what_each_format_cannot_hold():
    assert "accept" in LEFT_OUT["anki"] and "learn_before" in LEFT_OUT["anki"]
    assert "lab" not in LEFT_OUT["anki"]  # Anki keeps lab links and their parameters now
    assert "lab notices" in LEFT_OUT["csv"]
    assert "lab links" in LEFT_OUT["gift"] and "cloze" in LEFT_OUT["gift"]


# --- GIFT -------------------------------------------------------------------------------------


def test_gift_writes_markdown_cards_with_a_markdown_marker_and_cloze_as_missing_words():
    export = to_gift([rich_deck()])
    text = export.text
    assert "::rich-code::[markdown]What is wrong with this step?\\n\\n```python\\n" in text
    assert "\t=[markdown]`optimizer.zero_grad()` is never called\n" in text
    assert (
        "::rich-cloze\\:\\:c1::Prompt tuning trains {=k·d =k*d =kd####The prompt is a k × d "
        "matrix.} numbers and keeps the model frozen."
    ) in text
    assert (
        "::rich-cloze\\:\\:c2::Prompt tuning trains k·d numbers and keeps the model {=frozen"
        in (text)
    )
    assert "::rich-order::One step, in order." in text  # a card without markup stays plain
    assert export.cards == 4 and export.skipped == []


def test_gift_code_and_cloze_come_back_from_the_importer():
    export = to_gift([rich_deck()])
    deck = build_deck(parse_gift(export.text, "r.gift"), "r.gift", "r", "R", "d", id_prefix="")
    cards = {card.id: card for card in deck.cards}
    assert "```python" in cards["rich-code"].question
    assert cards["rich-code"].choices[0].text == "`optimizer.zero_grad()` is never called"
    (c1,) = [
        card
        for card_id, card in cards.items()
        if card_id.startswith("rich-cloze") and "c1" in card_id
    ]
    assert c1.kind == "short" and c1.answers == ["k·d", "k*d", "kd"]
    assert "_____" in c1.question


def test_a_cloze_number_used_twice_is_left_out_of_gift_with_a_warning():
    deck = load_text(RICH_YAML.replace("{{c2::frozen::state}}", "{{c1::frozen}}"))
    export = to_gift([deck])
    assert [line for line in export.skipped if "rich-cloze" in line] == [
        "card rich-cloze (cloze) skipped: c1 appears more than once, and a GIFT question holds "
        "one blank"
    ]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_keeps_card_text_as_written_and_the_lab_with_its_parameters():
    text, _ = render_text([rich_deck()], "csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["rich-code"]["question"].startswith("What is wrong with this step?\n\n```python\n")
    assert rows["rich-code"]["lab"] == "gradient-descent lr=0.1 steps=20"
    assert rows["rich-cloze"]["question"] == (
        "Prompt tuning trains [...] numbers and keeps the model [state]."
    )
    assert rows["rich-cloze"]["answer"] == "c1: k·d (also k*d, kd)\nc2: frozen"


def test_csv_bom_is_an_option(tmp_path):
    plain, with_bom = tmp_path / "a.csv", tmp_path / "b.csv"
    export_decks([rich_deck()], "csv", plain)
    export_decks([rich_deck()], "csv", with_bom, bom=True)
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert with_bom.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    assert BOM == "\ufeff"


# --- Markdown ---------------------------------------------------------------------------------


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def test_markdown_keeps_code_blocks_and_cloze_answers():
    text, _ = render_text([rich_deck()], "markdown")
    html = _html(text)
    assert '<pre><code class="language-python">for x, y in batches:' in html
    assert "<code>optimizer.zero_grad()</code> is never called" in html
    assert "Prompt tuning trains [...] numbers and keeps the model [state]." in html
    assert "c1: k·d (also k*d, kd)" in html


def test_the_quiz_asks_first_and_answers_at_the_end():
    quiz = to_quiz([rich_deck()])
    questions, key = quiz.split("# Answer key")
    assert "optimizer.zero_grad()" in questions
    assert "Each needs the one before" not in questions  # explanations are in the key
    assert "Each needs the one before" in key
    # The cloze card asks each deletion in turn, the other shown.
    assert "Prompt tuning trains \\[...\\] numbers and keeps the model frozen." in questions
    assert "Prompt tuning trains k·d numbers and keeps the model \\[state\\]." in questions
    assert "k·d \\| k\\*d \\| kd" in key


def test_quiz_order_and_matching_are_shuffled_by_card_id_never_solved():
    quiz = to_quiz([rich_deck()])
    questions, key = quiz.split("# Answer key")
    order = shuffled("rich-order", 4)
    assert order != [0, 1, 2, 3]
    steps = ["forward", "loss", "backward", "update"]
    printed = [steps[i] for i in order]
    listing = "\n".join(f"- **{'ABCD'[i]}.** {step}" for i, step in enumerate(printed))
    assert listing in questions
    # The key spells the right order in the printed letters.
    letters = ", ".join("ABCD"[order.index(step)] for step in range(4))
    assert f"**{letters}**" in key
    assert to_quiz([rich_deck()]) == quiz  # the same every time


@pytest.mark.parametrize(("flag", "fmt"), [("--bom", "markdown"), ("--quiz", "csv")])
def test_format_options_are_refused_for_other_formats(tmp_path, flag, fmt):
    from typer.testing import CliRunner

    from studykit.cli import app

    deck = tmp_path / "rich.yaml"
    deck.write_text(RICH_YAML)
    result = CliRunner().invoke(app, ["deck", "export", str(deck), "--to", fmt, flag, "-o", "-"])
    assert result.exit_code == 1
    assert f"{flag} is for" in result.output
