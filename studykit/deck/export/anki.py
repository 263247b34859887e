"""Anki export: an `.apkg` package built with genanki, one note per card.

Re-importing a newer export updates the notes already in Anki instead of adding duplicates,
because everything Anki matches on is derived from stable names, never drawn at random:

- a note's GUID is `genanki.guid_for("studykit", card id)`, so editing a card's text keeps its note
  (and the learner's Anki history);
- the note type's id comes from its name (`MODEL_NAME`) and each Anki deck's id from the studykit
  deck id, so a second import lands in the same deck with the same note type.

All seven card kinds share one note type. The front shows the question and, for choice, matching
and order cards, what to pick from (right-hand items and steps sorted alphabetically, so the layout
never gives the answer away); the back marks the right choices with each choice's feedback, and
shows the explanation, references and lab link. Card text is HTML-escaped; line breaks become <br>.
"""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

from studykit.deck.model import (
    KIND_NAMES,
    LETTERS,
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
DECK_PREFIX = "studykit::"
GUID_NAMESPACE = "studykit"
FIELDS = ("Id", "Deck", "Topic", "Kind", "Question", "Choices", "Answer", "Explanation", "More")

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
    # \x1f separates a note's fields in Anki's database, so it cannot appear inside one.
    return html.escape(value).replace("\n", "<br>").replace("\x1f", " ")


def _list(items: list[str], tag: str = "ol", kind: str = "") -> str:
    kind_attr = f' type="{kind}"' if kind else ""
    return f"<{tag}{kind_attr}>" + "".join(f"<li>{_html(i)}</li>" for i in items) + f"</{tag}>"


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
            return "<b>Accepted answers:</b>" + _list(card.answers, tag="ul")
    raise TypeError(f"unknown card kind: {card!r}")


def _more(card) -> str:
    lines = [f"Card id: {_html(card.id)}"]
    if card.refs:
        lines.append("References: " + _html("; ".join(card.refs)))
    if card.lab:
        lab = f"Lab: <code>studykit lab {_html(card.lab.name)}</code>"
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


def build_package(decks: list[Deck]):
    """A genanki Package holding one Anki deck per studykit deck and one note per card."""
    import genanki

    model = _model()
    anki_decks = []
    for deck in decks:
        anki_deck = genanki.Deck(
            stable_id(f"studykit deck {deck.id}"),
            DECK_PREFIX + deck.title,
            description=_html(deck.description),
        )
        for card in deck.cards:
            topic = deck.topic(card.topic)
            fields = {
                "Id": card.id,
                "Deck": _html(deck.title),
                "Topic": _html(topic.title if topic else card.topic),
                "Kind": KIND_NAMES[card.kind],
                "Question": _html(card.prompt_text()),
                "Choices": _choices_front(card),
                "Answer": _answer_back(card),
                "Explanation": _html(card.explanation),
                "More": _more(card),
            }
            tags = ["studykit", deck.id, f"topic::{card.topic}", f"kind::{card.kind}", *card.tags]
            anki_deck.add_note(
                genanki.Note(
                    model=model,
                    fields=[fields[name] for name in FIELDS],
                    tags=[_tag(t) for t in tags if t.strip()],
                    guid=note_guid(card.id),
                )
            )
        anki_decks.append(anki_deck)
    return genanki.Package(anki_decks)


def write_apkg(decks: list[Deck], out: Path) -> int:
    """Write the package to `out`; returns the number of notes written."""
    build_package(decks).write_to_file(str(out))
    return sum(len(deck.cards) for deck in decks)
