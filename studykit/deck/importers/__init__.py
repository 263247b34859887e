"""Bring question banks from other tools into studykit decks: Moodle GIFT and Aiken.

    result = import_bank(Path("week3.gift"), "gift")
    result.deck        # a validated Deck, ready for deck_to_yaml()
    result.warnings    # one line per question skipped or converted with a loss

Each format's parser turns the file into `Draft`s (card fields plus where they came from); this
module gives them ids and topics and validates them as cards. Anything malformed raises
`BankError`, whose `str()` is one line: `week3.gift:12:5: question "Q4": what is wrong; the fix`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from studykit.deck.importers.naming import IdAllocator, slugify
from studykit.deck.model import Card, Deck, Topic

FORMATS = ("gift", "aiken")
DEFAULT_TOPIC = Topic(id="imported", title="Imported")
MAX_BANK_BYTES = 20 * 1024 * 1024  # a question bank is text; anything larger is a mistake

_CARD = TypeAdapter(Card)
# What the deck model trims from text (Unicode White_Space). Python's str.strip() would also take
# the separators U+001C-U+001F, and an imported text must equal what the model keeps.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class BankError(Exception):
    """A question bank that cannot be imported, with the place that shows why."""

    def __init__(self, file: str, line: int | None, column: int | None, message: str):
        self.file, self.line, self.column, self.message = file, line, column, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class Draft:
    """One question read from a bank, before it gets an id and a topic."""

    line: int  # where the question starts in the file (1-based)
    label: str  # how messages name it: its title, or the start of its text
    card: dict[str, Any]  # card fields without id and topic, e.g. {"kind": "mcq", ...}
    title: str | None = None  # its own name in the bank (GIFT ::title::), the source of its id
    category: str | None = None  # GIFT $CATEGORY path, which becomes the topic


@dataclass
class Parsed:
    """What a format parser found: the questions, and lines about what it could not keep."""

    drafts: list[Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    deck: Deck
    warnings: list[str]


def _first_error(error: ValidationError) -> str:
    detail = error.errors()[0]
    message = detail["msg"].removeprefix("Value error, ")
    location = ".".join(str(part) for part in detail["loc"][1:])  # [0] is the card kind
    return f"{location}: {message}" if location else message


def _validated(model: type[Topic] | type[Deck], source: str, what: str, **fields: Any) -> Any:
    """`model(**fields)`, or a BankError: a topic or deck id built from a long --deck-id or
    --id-prefix can break the format's rules where no question of the bank is to blame."""
    try:
        return model(**fields)
    except ValidationError as error:
        detail = error.errors()[0]
        raise BankError(
            source, None, None, f"{what}: {detail['msg']}; use a shorter deck id or id prefix"
        ) from None


def build_deck(
    parsed: Parsed, source: str, deck_id: str, title: str, description: str, id_prefix: str = ""
) -> Deck:
    """Give every draft a unique id and a topic, validate it as a card, and assemble the deck."""
    if not parsed.drafts:
        raise BankError(
            source, None, None, "no questions found; is this the right file and format?"
        )
    card_ids = IdAllocator(id_prefix)
    topic_ids = IdAllocator(id_prefix)
    topics: dict[str | None, Topic] = {}
    cards = []
    for number, draft in enumerate(parsed.drafts, start=1):
        if draft.category not in topics:
            if draft.category is None:
                topic_id, topic_title = topic_ids.take(DEFAULT_TOPIC.id), DEFAULT_TOPIC.title
            else:
                wanted = slugify(draft.category) or f"category-{len(topics) + 1}"
                topic_id, topic_title = topic_ids.take(wanted), draft.category
            topics[draft.category] = _validated(
                Topic, source, f'topic id "{topic_id}"', id=topic_id, title=topic_title
            )
        wanted = (slugify(draft.title) if draft.title else "") or f"{deck_id}-{number:03d}"
        fields = {"id": card_ids.take(wanted), "topic": topics[draft.category].id, **draft.card}
        try:
            cards.append(_CARD.validate_python(fields))
        except ValidationError as error:
            raise BankError(
                source, draft.line, None, f"question {draft.label}: {_first_error(error)}"
            ) from None
    return _validated(
        Deck,
        source,
        f'deck id "{deck_id}"',
        id=deck_id,
        title=title,
        description=description,
        topics=list(topics.values()),
        cards=cards,
    )


def lines_of(text: str) -> list[str]:
    """The file's lines. Only \\n, \\r\\n and \\r end a line, as in Moodle; str.splitlines
    would also split at characters such as U+2028 that may sit inside a question's text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_bank(path: Path) -> str:
    """The file's text, or a BankError naming what is wrong with the file itself."""
    try:
        if path.stat().st_size > MAX_BANK_BYTES:
            raise BankError(str(path), None, None, "file is larger than 20 MB; split the bank")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BankError(str(path), None, None, "no such file") from None
    except IsADirectoryError:
        raise BankError(
            str(path), None, None, "is a directory; give a question bank file"
        ) from None
    except OSError as error:
        raise BankError(str(path), None, None, f"cannot read: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BankError(
            str(path), line, None, "not UTF-8 text; save the bank as UTF-8 and try again"
        ) from None


def import_bank(
    path: Path,
    fmt: str,
    *,
    deck_id: str | None = None,
    title: str | None = None,
    id_prefix: str = "",
) -> ImportResult:
    """Read a GIFT or Aiken file into a validated deck (one topic per GIFT category)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise BankError(
            str(path), None, None, f'unknown format "{fmt}"; choose one of {", ".join(FORMATS)}'
        )
    text = read_bank(path)
    if fmt == "gift":
        from studykit.deck.importers.gift import parse_gift as parse
    else:
        from studykit.deck.importers.aiken import parse_aiken as parse
    parsed = parse(text, str(path))
    deck_id = deck_id or slugify(path.stem) or "imported-deck"
    deck = build_deck(
        parsed,
        str(path),
        deck_id=deck_id,
        title=title or path.stem,
        description=f"Imported from {path.name} ({fmt.upper() if fmt == 'gift' else 'Aiken'}).",
        id_prefix=id_prefix,
    )
    return ImportResult(deck, parsed.warnings)
