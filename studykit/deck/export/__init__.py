"""Turn loaded decks into files other tools read: Anki (.apkg), Moodle GIFT, Markdown, CSV.

    report = export_decks(decks, "gift", Path("bank.gift"))
    report.cards      # questions written
    report.skipped    # one line per card the format could not hold exactly

Each format lives in its own module; this one picks the module and writes the file atomically
(a temporary file renamed into place), so a failed export never leaves half a file behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studykit.deck.model import Deck
from studykit.files import replace_atomically

# Format name -> the file extension it is written with.
FORMATS = {"anki": ".apkg", "gift": ".gift", "markdown": ".md", "csv": ".csv"}

# What each format has no place for, said after every export so nobody expects a round trip to
# bring it back (each module's docstring has the details). Markdown prints everything.
LEFT_OUT = {
    "anki": "prerequisites (learn_before); Anki schedules the cards afresh",
    "gift": "tags, refs, lab links, prerequisites (learn_before) and the deck's title and "
    "description; topics become categories",
    "csv": "choices' feedback (why), refs, prerequisites (learn_before) and the deck's title "
    "and description",
}


class UnknownFormat(ValueError):
    def __init__(self, name: str):
        super().__init__(f'unknown export format "{name}"; choose one of {", ".join(FORMATS)}')


@dataclass
class ExportReport:
    cards: int  # cards written
    skipped: list[str] = field(default_factory=list)  # one line per card left out or approximated


def render_text(decks: list[Deck], fmt: str) -> tuple[str, ExportReport]:
    """A text format's whole output, and what was written."""
    cards = sum(len(deck.cards) for deck in decks)
    if fmt == "gift":
        from studykit.deck.export.gift import to_gift

        gift = to_gift(decks)
        return gift.text, ExportReport(gift.cards, gift.skipped)
    if fmt == "markdown":
        from studykit.deck.export.markdown import to_markdown

        return to_markdown(decks), ExportReport(cards)
    if fmt == "csv":
        from studykit.deck.export.csv import to_csv

        return to_csv(decks), ExportReport(cards)
    raise UnknownFormat(fmt)


def export_decks(decks: list[Deck], fmt: str, out: Path) -> ExportReport:
    """Write `decks` to `out` in format `fmt` (one of FORMATS), replacing `out` atomically.

    Raises `OSError` when `out` cannot be written (`studykit.files.NotARegularFile` when it is a
    device or a pipe, which a rename would replace).
    """
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)

    def write(temp: Path) -> ExportReport:
        if fmt == "anki":
            from studykit.deck.export.anki import write_apkg

            return ExportReport(write_apkg(decks, temp))
        text, report = render_text(decks, fmt)
        # newline="" keeps CSV's \r\n rows as they are on every platform.
        temp.write_text(text, encoding="utf-8", newline="")
        return report

    return replace_atomically(Path(out), write)
