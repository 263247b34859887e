"""Turn loaded decks into files other tools read: Anki (.apkg), Moodle GIFT, Markdown, CSV.

    report = export_decks(decks, "gift", Path("bank.gift"))
    report.cards      # questions written
    report.skipped    # one line per card the format could not hold exactly
    export_decks(decks, "csv", out, bom=True)        # a UTF-8 BOM first, for spreadsheets
    export_decks(decks, "markdown", out, quiz=True)  # questions only, the answer key at the end
    export_decks(decks, "gift", out, measure=measure)  # predict cards keyed by a lab run

A predict card needs a lab run (export/predict.py): it is left out with a note in `skipped`,
unless `measure` says what a run measured, when it is exported as a question keyed by that.

Each format lives in its own module; this one picks the module and writes the file atomically
(a temporary file renamed into place), so a failed export never leaves half a file behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studykit.deck.export.predict import Measure, resolve_predictions
from studykit.deck.model import Deck
from studykit.files import replace_atomically

# Format name -> the file extension it is written with.
FORMATS = {"anki": ".apkg", "gift": ".gift", "markdown": ".md", "csv": ".csv"}

# What each format has no place for, said after every export so nobody expects a round trip to
# bring it back (each module's docstring has the details). Markdown prints everything.
LEFT_OUT = {
    "anki": "prerequisites (learn_before), the deck's version and authors, and a cloze card's "
    "accept list (Anki's cloze is not typed); Anki schedules the cards afresh",
    "gift": "tags, refs, lab links, prerequisites (learn_before) and the deck's title and "
    "description; topics become categories, a cloze card one question per deletion",
    "csv": "choices' feedback (why), refs, lab notices, prerequisites (learn_before) and the "
    "deck's title and description",
}
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with this


class UnknownFormat(ValueError):
    def __init__(self, name: str):
        super().__init__(f'unknown export format "{name}"; choose one of {", ".join(FORMATS)}')


@dataclass
class ExportReport:
    cards: int  # cards written
    skipped: list[str] = field(default_factory=list)  # one line per card left out or approximated
    # Anki: notes whose content differs from the package replaced (None: nothing was replaced)
    changed: int | None = None


def render_text(
    decks: list[Deck],
    fmt: str,
    *,
    bom: bool = False,
    quiz: bool = False,
    measure: Measure | None = None,
) -> tuple[str, ExportReport]:
    """A text format's whole output, and what was written. `bom` (CSV) starts the text with a
    UTF-8 byte order mark; `quiz` (Markdown) prints questions only and the answers at the end;
    `measure` keys predict cards by a lab run (else they are left out, with a note)."""
    if fmt not in FORMATS or fmt == "anki":
        raise UnknownFormat(fmt)
    decks, notes = resolve_predictions(decks, measure)
    text, report = _render_text(decks, fmt, bom=bom, quiz=quiz)
    report.skipped[:0] = notes
    return text, report


def _render_text(
    decks: list[Deck], fmt: str, *, bom: bool = False, quiz: bool = False
) -> tuple[str, ExportReport]:
    cards = sum(len(deck.cards) for deck in decks)
    if fmt == "gift":
        from studykit.deck.export.gift import to_gift

        gift = to_gift(decks)
        return gift.text, ExportReport(gift.cards, gift.skipped)
    if fmt == "markdown":
        from studykit.deck.export.markdown import to_markdown

        if quiz:
            from studykit.deck.export.quiz import to_quiz

            return to_quiz(decks), ExportReport(cards)
        return to_markdown(decks), ExportReport(cards)
    if fmt == "csv":
        from studykit.deck.export.csv import to_csv

        return (BOM if bom else "") + to_csv(decks), ExportReport(cards)
    raise UnknownFormat(fmt)


def export_decks(
    decks: list[Deck],
    fmt: str,
    out: Path,
    *,
    bom: bool = False,
    quiz: bool = False,
    measure: Measure | None = None,
) -> ExportReport:
    """Write `decks` to `out` in format `fmt` (one of FORMATS), replacing `out` atomically.

    An Anki package replacing an earlier one at `out` keeps the modification time of every
    note that did not change, so Anki updates only the notes that did.

    Raises `OSError` when `out` cannot be written (`studykit.files.NotARegularFile` when it is a
    device or a pipe, which a rename would replace).
    """
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    decks, notes = resolve_predictions(decks, measure)

    def write(temp: Path) -> ExportReport:
        if fmt == "anki":
            from studykit.deck.export.anki import write_apkg

            previous = Path(out) if Path(out).is_file() else None
            written, changed = write_apkg(decks, temp, previous)
            changed_or_none = changed if previous is not None else None
            return ExportReport(written, list(notes), changed=changed_or_none)
        text, report = _render_text(decks, fmt, bom=bom, quiz=quiz)
        report.skipped[:0] = notes
        # newline="" keeps CSV's \r\n rows as they are on every platform.
        temp.write_text(text, encoding="utf-8", newline="")
        return report

    return replace_atomically(Path(out), write)
