"""Anki export: an `.apkg` package built with genanki, one note per card.

Re-importing a newer export updates the notes already in Anki instead of adding duplicates,
because everything Anki matches on is derived from stable names, never drawn at random:

- a note's GUID is `genanki.guid_for("studykit", card id)`, so editing a card's text keeps its note
  (and the learner's Anki history);
- the note types' ids come from their names (`MODEL_NAME`, `CLOZE_MODEL_NAME`);
- Anki matches decks by name, so each Anki deck is named after the studykit deck *id*
  (`studykit::prompt-tuning`), never its title: retitling a deck keeps its notes in one Anki deck.
  The title heads the deck's description and fills each note's Deck field.
- A note's modification time says when its content last changed, so Anki (which updates a note
  only when the incoming one is newer) reports just the notes that did: a note whose fields and
  tags equal those in the package being replaced (the file at the output path) keeps that
  package's time; any other note gets the time of this export.

Seven card kinds share one note type. The front shows the question and, for choice, matching
and order cards, what to pick from (right-hand items and steps sorted alphabetically, so the layout
never gives the answer away); the back marks the right choices with each choice's feedback, and
shows the explanation, references and the lab link with its parameters. A cloze card is a note of
a cloze note type (Anki makes one card per deletion number), with the explanation and the rest on
the back. Card text is HTML-escaped, then its Markdown subset becomes HTML (deck/markup.py).
"""

from __future__ import annotations

import hashlib
import html
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from studykit.deck import markup
from studykit.deck.model import (
    KIND_NAMES,
    LETTERS,
    AnyCard,
    Cloze,
    Deck,
    Flashcard,
    Matching,
    MultipleChoice,
    MultipleSelect,
    Order,
    ShortAnswer,
    TrueFalse,
)

MODEL_NAME = "studykit card v1"  # change the name (and so the id) if the fields ever change
CLOZE_MODEL_NAME = "studykit cloze v1"
DECK_PREFIX = "studykit::"
GUID_NAMESPACE = "studykit"
FIELDS = ("Id", "Deck", "Topic", "Kind", "Question", "Choices", "Answer", "Explanation", "More")
CLOZE_FIELDS = ("Text", "Id", "Deck", "Topic", "Explanation", "More")

FRONT = """\
<div class="meta">{{Deck}} · {{Topic}} · {{Kind}}</div>
<div class="question">{{Question}}</div>
{{#Choices}}<div class="choices">{{Choices}}</div>{{/Choices}}"""

BACK = """\
<div class="meta">{{Deck}} · {{Topic}} · {{Kind}}</div>
<div class="question">{{Question}}</div>
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Explanation}}<div class="explanation"><b>Why:</b> {{Explanation}}</div>{{/Explanation}}
{{#More}}<div class="more">{{More}}</div>{{/More}}"""

CLOZE_FRONT = """\
<div class="meta">{{Deck}} · {{Topic}} · Fill in the blank</div>
<div class="question">{{cloze:Text}}</div>"""

CLOZE_BACK = """\
<div class="meta">{{Deck}} · {{Topic}} · Fill in the blank</div>
<div class="question">{{cloze:Text}}</div>
<hr id="answer">
{{#Explanation}}<div class="explanation"><b>Why:</b> {{Explanation}}</div>{{/Explanation}}
{{#More}}<div class="more">{{More}}</div>{{/More}}"""

CSS = """\
.card { font-family: sans-serif; font-size: 20px; text-align: left; color: black;
        background-color: white; max-width: 40em; margin: auto; }
.meta { font-size: 13px; color: #777; margin-bottom: 1em; }
.choices ol, .answer ol { padding-left: 1.5em; }
li.right { color: #1b7f1b; font-weight: bold; }
li.wrong { color: #555; }
.why { font-size: 16px; font-weight: normal; color: #444; margin: 0.2em 0 0.5em; }
.explanation { margin-top: 1em; padding: 0.5em; background: #f3f3f3; }
.more { margin-top: 1em; font-size: 14px; color: #555; }
table.pairs td { padding: 0.2em 0.8em; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; font-size: 16px; }
code { font-family: monospace; }
.cloze { font-weight: bold; color: #1b5fb4; }
.nightMode pre { background: #3a3a3c; }
.nightMode .cloze { color: #8fb8ff; }
.nightMode .card, .card.nightMode { color: #eee; background-color: #2f2f31; }
.nightMode .explanation { background: #3a3a3c; }
.nightMode li.right { color: #7fd37f; }
.nightMode li.wrong, .nightMode .why, .nightMode .more { color: #bbb; }"""


def stable_id(name: str) -> int:
    """An Anki model or deck id derived from a name, in the range genanki's docs recommend."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(card_id: str) -> str:
    import genanki

    return genanki.guid_for(GUID_NAMESPACE, card_id)


def _html(value: str) -> str:
    """Card text as HTML: escaped, then its Markdown subset as tags."""
    # \x1f separates a note's fields in Anki's database, so it cannot appear inside one.
    return markup.to_html(value).replace("\x1f", " ")


def _plain_html(value: str) -> str:
    """Text that is not card text (ids, names, accepted answers): escaped as it is."""
    return html.escape(value).replace("\n", "<br>").replace("\x1f", " ")


def _list(items: list[str], tag: str = "ol", kind: str = "", plain: bool = False) -> str:
    kind_attr = f' type="{kind}"' if kind else ""
    as_html = _plain_html if plain else _html
    return f"<{tag}{kind_attr}>" + "".join(f"<li>{as_html(i)}</li>" for i in items) + f"</{tag}>"


def _choices_front(card) -> str:
    match card:
        case MultipleChoice() | MultipleSelect():
            hint = "" if isinstance(card, MultipleChoice) else "<i>Select all that apply.</i>"
            return hint + _list([c.text for c in card.choices], kind="A")
        case TrueFalse():
            return "<i>True or false?</i>"
        case Matching():
            return (
                "<i>Match each item:</i>"
                + _list([p.left for p in card.pairs], tag="ul")
                + "<i>with one of:</i>"
                + _list(sorted(p.right for p in card.pairs), tag="ul")
            )
        case Order():
            return "<i>Put in order:</i>" + _list(sorted(card.steps), tag="ul")
    return ""


def _why(text: str | None) -> str:
    return f'<div class="why">{_html(text)}</div>' if text else ""


def _answer_back(card) -> str:
    match card:
        case Flashcard():
            return _html(card.back)
        case MultipleChoice() | MultipleSelect():
            right = (
                {card.correct_index}
                if isinstance(card, MultipleChoice)
                else set(card.correct_indexes)
            )
            items = "".join(
                f'<li class="{"right" if i in right else "wrong"}">'
                f"{'✓' if i in right else '✗'} {_html(c.text)}{_why(c.why)}</li>"
                for i, c in enumerate(card.choices)
            )
            letters = ", ".join(LETTERS[i] for i in sorted(right))
            return f'<b>Answer: {letters}</b><ol type="A">{items}</ol>'
        case TrueFalse():
            verdict = "True" if card.answer else "False"
            feedback = [("true", card.why_true), ("false", card.why_false)]
            return f"<b>{verdict}</b>" + "".join(
                f'<div class="why"><b>If you said {said}:</b> {_html(why)}</div>'
                for said, why in feedback
                if why
            )
        case Matching():
            rows = "".join(
                f"<tr><td>{_html(p.left)}</td><td>→</td><td>{_html(p.right)}</td></tr>"
                for p in card.pairs
            )
            return f'<table class="pairs">{rows}</table>'
        case Order():
            return _list(card.steps)
        case ShortAnswer():
            return "<b>Accepted answers:</b>" + _list(card.answers, tag="ul", plain=True)
    raise TypeError(f"unknown card kind: {card!r}")


def lab_command(name: str, params: dict[str, Any]) -> str:
    """`studykit lab NAME --key value …`: the lab run with the card's parameters."""
    options = "".join(f" --{key.replace('_', '-')} {value}" for key, value in params.items())
    return f"studykit lab {name}{options}"


def _more(card: AnyCard) -> str:
    lines = [f"Card id: {_plain_html(card.id)}"]
    if card.refs:
        lines.append("References: " + _html("; ".join(card.refs)))
    if card.lab:
        command = lab_command(card.lab.name, card.lab.params)
        lab = f"Lab: <code>{_plain_html(command)}</code>"
        if card.lab.notice:
            lab += " — " + _html(card.lab.notice)
        lines.append(lab)
    return "<br>".join(lines)


def _tag(value: str) -> str:
    """Anki tags cannot hold spaces."""
    return "_".join(value.split())


def _model():
    import genanki

    return genanki.Model(
        stable_id(MODEL_NAME),
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
        sort_field_index=FIELDS.index("Question"),
    )


def _cloze_model():
    import genanki

    return genanki.Model(
        stable_id(CLOZE_MODEL_NAME),
        CLOZE_MODEL_NAME,
        fields=[{"name": name} for name in CLOZE_FIELDS],
        templates=[{"name": "Cloze", "qfmt": CLOZE_FRONT, "afmt": CLOZE_BACK}],
        css=CSS,
        model_type=genanki.Model.CLOZE,
    )


def _fields(card: AnyCard, deck: Deck) -> tuple[list[str], bool]:
    """A card's note fields in its note type's order, and whether that type is the cloze one."""
    topic = deck.topic(card.topic)
    common = {
        "Id": card.id,
        "Deck": _html(deck.title),
        "Topic": _html(topic.title if topic else card.topic),
        "Explanation": _html(card.explanation),
        "More": _more(card),
    }
    if isinstance(card, Cloze):
        # {{c1::…}} is plain text to the Markdown parser, so it passes into the HTML unchanged.
        return [({"Text": _html(card.text)} | common)[name] for name in CLOZE_FIELDS], True
    fields = common | {
        "Kind": KIND_NAMES[card.kind],
        "Question": _html(card.prompt_text()),
        "Choices": _choices_front(card),
        "Answer": _answer_back(card),
    }
    return [fields[name] for name in FIELDS], False


def previous_stamps(path: Path) -> dict[str, tuple[int, str, str]]:
    """GUID -> (mod, fields, tags) of each note in the package at `path`; empty when there is
    none or it cannot be read (then every note counts as changed)."""
    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo("collection.anki2")
            if info.file_size > MAX_PREVIOUS_BYTES:
                return {}
            with tempfile.TemporaryDirectory() as folder:
                database = Path(folder) / "collection.anki2"
                database.write_bytes(package.read(info))
                connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
                try:
                    rows = connection.execute("SELECT guid, mod, flds, tags FROM notes")
                    return {guid: (int(mod), flds, tags) for guid, mod, flds, tags in rows}
                finally:
                    connection.close()
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error, ValueError, TypeError):
        return {}


MAX_PREVIOUS_BYTES = 512 * 1024 * 1024  # a previous package larger than this is not read


def _stamped_note_class():
    import genanki

    class StampedNote(genanki.Note):  # type: ignore[misc]  # genanki has no type hints
        """A note written with its own modification time (genanki gives every note the
        package's), for itself and its cards."""

        mod_time = 0
        changed = True  # its content differs from the package replaced (or there was none)

        def write_to_db(self, cursor, timestamp, deck_id, id_gen):
            super().write_to_db(cursor, self.mod_time or timestamp, deck_id, id_gen)

    return StampedNote


def build_package(
    decks: list[Deck],
    previous: dict[str, tuple[int, str, str]] | None = None,
    now: int | None = None,
):
    """A genanki Package holding one Anki deck per studykit deck and one note per card.

    `previous` (see `previous_stamps`) gives the modification time an unchanged note keeps;
    every other note is stamped `now` (default: the current time)."""
    import genanki

    previous = previous or {}
    now = int(time.time()) if now is None else now
    model, cloze_model = _model(), _cloze_model()
    note_class = _stamped_note_class()
    anki_decks = []
    for deck in decks:
        description = f"<b>{_html(deck.title)}</b><br>{_html(deck.description)}"
        anki_deck = genanki.Deck(
            stable_id(f"studykit deck {deck.id}"), DECK_PREFIX + deck.id, description=description
        )
        for card in deck.cards:
            fields, is_cloze = _fields(card, deck)
            tags = ["studykit", deck.id, f"topic::{card.topic}", f"kind::{card.kind}", *card.tags]
            note = note_class(
                model=cloze_model if is_cloze else model,
                fields=fields,
                tags=[_tag(t) for t in tags if t.strip()],
                guid=note_guid(card.id),
            )
            before = previous.get(note.guid)
            unchanged = (
                before is not None
                and before[1] == "\x1f".join(fields)
                and before[2].split() == note.tags
            )
            note.mod_time = before[0] if before is not None and unchanged else now
            note.changed = not unchanged
            anki_deck.add_note(note)
        anki_decks.append(anki_deck)
    return genanki.Package(anki_decks)


def write_apkg(decks: list[Deck], out: Path, previous: Path | None = None) -> tuple[int, int]:
    """Write the package to `out`; returns the notes written and how many of them changed.
    Notes that are the same as in the package at `previous` keep its modification times."""
    stamps = previous_stamps(previous) if previous is not None else {}
    now = int(time.time())
    package = build_package(decks, stamps, now)
    package.write_to_file(str(out), timestamp=now)
    notes = [note for deck in package.decks for note in deck.notes]
    return len(notes), sum(note.changed for note in notes)
