"""The .apkg export, checked by opening the package: a zip holding a SQLite Anki collection."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import genanki
import yaml
from test_export_formats import EVERY_KIND_YAML, every_kind_deck, load_text

from studykit.deck.export import export_decks
from studykit.deck.export.anki import FIELDS, MODEL_NAME, stable_id


def open_package(path: Path, tmp_path: Path) -> dict:
    """Notes, cards, note types and decks as stored in the package's collection."""
    with zipfile.ZipFile(path) as package:
        assert "collection.anki2" in package.namelist()
        database = tmp_path / f"{path.stem}.anki2"
        database.write_bytes(package.read("collection.anki2"))
    connection = sqlite3.connect(database)
    try:
        notes = [
            {"id": row[0], "guid": row[1], "mid": row[2], "tags": row[3].split(),
             "fields": dict(zip(FIELDS, row[4].split("\x1f"), strict=True))}
            for row in connection.execute("SELECT id, guid, mid, tags, flds FROM notes")
        ]  # fmt: skip
        cards = connection.execute("SELECT nid, did FROM cards").fetchall()
        models_json, decks_json = connection.execute("SELECT models, decks FROM col").fetchone()
    finally:
        connection.close()
    return {
        "notes": notes,
        "cards": cards,
        "models": json.loads(models_json),
        "decks": json.loads(decks_json),
    }


def test_one_note_per_card_with_guids_from_card_ids(tmp_path):
    deck = every_kind_deck()
    out = tmp_path / "every.apkg"
    report = export_decks([deck], "anki", out)
    assert report.cards == 7
    package = open_package(out, tmp_path)
    notes = package["notes"]
    assert [note["fields"]["Id"] for note in notes] == [card.id for card in deck.cards]
    assert [note["guid"] for note in notes] == [
        genanki.guid_for("studykit", card.id) for card in deck.cards
    ]
    assert len({note["guid"] for note in notes}) == 7
    # Each note makes exactly one Anki card, in the deck named after the studykit deck.
    assert sorted(nid for nid, _ in package["cards"]) == sorted(note["id"] for note in notes)
    anki_deck = package["decks"][str(stable_id("studykit deck every-kind"))]
    # Anki matches decks by name: the name comes from the deck id, the title heads the description
    assert anki_deck["name"] == "studykit::every-kind"
    assert anki_deck["desc"].startswith("<b>Every kind: a <em>test</em> deck</b><br>")
    assert {did for _, did in package["cards"]} == {anki_deck["id"]}


def test_exporting_twice_gives_the_same_guids_and_ids(tmp_path):
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    export_decks([every_kind_deck()], "anki", first)
    # Edit every card's text: the notes must still be recognised as the same notes.
    data = yaml.safe_load(EVERY_KIND_YAML)
    for card in data["cards"]:
        card["explanation"] = "Rewritten: " + card["explanation"]
    export_decks([load_text(yaml.safe_dump(data))], "anki", second)
    a, b = open_package(first, tmp_path), open_package(second, tmp_path)
    assert [n["guid"] for n in a["notes"]] == [n["guid"] for n in b["notes"]]
    assert a["models"].keys() == b["models"].keys() == {str(stable_id(MODEL_NAME))}
    assert {n["mid"] for n in a["notes"]} == {stable_id(MODEL_NAME)}
    assert a["decks"].keys() == b["decks"].keys()
    assert b["notes"][0]["fields"]["Explanation"].startswith("Rewritten: ")


def test_note_type_shows_choices_on_the_front_and_feedback_and_explanation_on_the_back(tmp_path):
    out = tmp_path / "every.apkg"
    export_decks([every_kind_deck()], "anki", out)
    package = open_package(out, tmp_path)
    (model,) = package["models"].values()
    assert model["name"] == MODEL_NAME
    (template,) = model["tmpls"]
    assert "{{Choices}}" in template["qfmt"] and "{{Answer}}" not in template["qfmt"]
    assert "{{Answer}}" in template["afmt"] and "{{Explanation}}" in template["afmt"]
    notes = {note["fields"]["Id"]: note for note in package["notes"]}

    mcq = notes["ek-mcq"]["fields"]
    assert mcq["Choices"].count("<li>") == 4 and 'type="A"' in mcq["Choices"]
    assert '<li class="right">✓ θ ← θ − η∇L<div class="why">Right = step' in mcq["Answer"]
    assert mcq["Answer"].count('class="wrong"') == 3
    assert "Subtract the gradient" in mcq["Explanation"]

    multi = notes["ek-multi"]["fields"]
    assert multi["Answer"].count('class="right"') == 2 and "Answer: A, B" in multi["Answer"]
    # Text is escaped HTML, its Markdown made tags, and line breaks show as <br>.
    assert "keys &amp; values" in notes["ek-match"]["fields"]["Answer"]
    assert notes["ek-flash"]["fields"]["Answer"] == (
        "It projects <em>queries</em>: q = W_q x, with <code>W_q</code> learned.<br>- a line "
        "that looks like a list item<br># and one like a heading, &lt;b&gt;not bold&lt;/b&gt;, "
        "[bold] not Rich"
    )
    # Matching and order fronts list items alphabetically, never in answer order.
    order = notes["ek-order"]["fields"]
    assert order["Choices"].index("backward pass") < order["Choices"].index("forward pass")
    assert order["Answer"].index("forward pass") < order["Answer"].index("backward pass")
    # The lab link keeps its parameters, as a command that runs it.
    more = notes["ek-flash"]["fields"]["More"]
    assert "<code>studykit lab example-lab --task sort</code>" in more
    assert {"studykit", "every-kind", "kind::flashcard", "two_words"} <= set(
        notes["ek-flash"]["tags"]
    )


def test_several_decks_share_one_package(tmp_path):
    data = yaml.safe_load(EVERY_KIND_YAML)
    data["id"], data["title"] = "second", "Second"
    for card in data["cards"]:
        card["id"] = "second-" + card["id"]
    out = tmp_path / "both.apkg"
    data["topics"][0]["id"], data["topics"][1]["id"] = "s-basics", "s-more"
    data["topics"][1]["learn_before"] = ["s-basics"]
    for card in data["cards"]:
        card["topic"] = "s-" + card["topic"].removeprefix("ek-")
    export_decks([every_kind_deck(), load_text(yaml.safe_dump(data))], "anki", out)
    package = open_package(out, tmp_path)
    assert len(package["notes"]) == 14
    names = {d["name"] for d in package["decks"].values()}
    assert {"studykit::second", "studykit::every-kind"} <= names
