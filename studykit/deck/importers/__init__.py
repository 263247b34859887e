"""Bring question banks from other tools into studykit decks: Moodle GIFT and Aiken.

    result = import_bank(Path("week3.gift"), "gift")
    result.deck        # a validated Deck, ready for deck_to_yaml()
    result.warnings    # one line per question skipped or converted with a loss

Each format's parser turns the file into `Draft`s (card fields plus where they came from); this
module gives them ids and topics and validates them as cards. Anything malformed raises
`BankError`, whose `str()` is one line: `week3.gift:12:5: question "Q4": what is wrong; the fix`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from studykit.deck.errors import one_line
from studykit.deck.importers.naming import IdAllocator, slugify
from studykit.deck.model import Card, Deck, Topic
from studykit.deck.safe_yaml import DEFAULT_LIMITS
from studykit.deck.text import clean_data, clean_text, describe_removed
from studykit.files import FileTooLarge, read_bounded

FORMATS = ("gift", "aiken")
DEFAULT_TOPIC = Topic(id="imported", title="Imported")
# A bank makes a deck at least about as large (GIFT's YAML is about twice the bank), and a deck
# file larger than the loader's limit is refused: so a larger bank cannot become one deck.
MAX_DECK_BYTES = DEFAULT_LIMITS.max_bytes  # what the deck loader reads
MAX_BANK_BYTES = MAX_DECK_BYTES
MAX_WARNINGS = 1000

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
        return one_line(f"{where}: {self.message}")  # it quotes the bank, which may hold anything


@dataclass
class Draft:
    """One question read from a bank, before it gets an id and a topic."""

    line: int  # where the question starts in the file (1-based)
    label: str  # how messages name it: its title, or the start of its text
    card: dict[str, Any]  # card fields without id and topic, e.g. {"kind": "mcq", ...}
    title: str | None = None  # its own name in the bank (GIFT ::title::), the source of its id
    category: str | None = None  # GIFT $CATEGORY path, which becomes the topic


class Warnings(list[str]):
    """Warning lines, up to MAX_WARNINGS of them: a bank of a million descriptions must not
    hold, or print, a million lines. The rest are only counted."""

    def __init__(self) -> None:
        super().__init__()
        self.left_out = 0

    def append(self, line: str) -> None:
        if len(self) < MAX_WARNINGS:
            super().append(line)
        else:
            self.left_out += 1

    def lines(self) -> list[str]:
        """Each warning as one line, and a last line counting those left out."""
        shown = [one_line(warning) for warning in self]
        if self.left_out:
            shown.append(f"… and {self.left_out:,} more warnings")
        return shown


@dataclass
class Parsed:
    """What a format parser found: the questions, and lines about what it could not keep."""

    drafts: list[Draft] = field(default_factory=list)
    warnings: Warnings = field(default_factory=Warnings)


@dataclass
class ImportResult:
    deck: Deck
    warnings: list[str]


@dataclass
class YamlImport:
    """A bank imported straight to deck YAML (`import_bank_as_yaml`)."""

    chunks: list[str]  # the deck file's text in pieces: its head, then a piece per card
    deck_id: str
    cards: int
    topics: int
    warnings: list[str]  # at most MAX_WARNINGS lines and one that counts the rest
    warned: int  # how many warnings there were

    @property
    def text(self) -> str:
        return "".join(self.chunks)


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


class _Cards:
    """Turns drafts into validated cards one at a time, each with a unique id and a topic (one
    per GIFT category), so a caller never needs them all at once."""

    def __init__(self, source: str, deck_id: str, id_prefix: str, warnings: list[str]):
        self.source, self.deck_id, self.warnings = source, deck_id, warnings
        self.card_ids = IdAllocator(id_prefix)
        self.topic_ids = IdAllocator(id_prefix)
        self.topics: dict[str | None, Topic] = {}
        self.count = 0

    def card(self, draft: Draft) -> Card:
        self.count += 1
        _clean_draft(draft, self.source, self.warnings)
        if draft.category not in self.topics:
            if draft.category is None:
                topic_id, topic_title = self.topic_ids.take(DEFAULT_TOPIC.id), DEFAULT_TOPIC.title
            else:
                wanted = slugify(draft.category) or f"category-{len(self.topics) + 1}"
                topic_id, topic_title = self.topic_ids.take(wanted), draft.category
            self.topics[draft.category] = _validated(
                Topic, self.source, f'topic id "{topic_id}"', id=topic_id, title=topic_title
            )
        wanted = (slugify(draft.title) if draft.title else "") or f"{self.deck_id}-{self.count:03d}"
        topic = self.topics[draft.category].id
        fields = {"id": self.card_ids.take(wanted), "topic": topic, **draft.card}
        try:
            return _CARD.validate_python(fields)
        except ValidationError as error:
            raise BankError(
                self.source, draft.line, None, f"question {draft.label}: {_first_error(error)}"
            ) from None

    def deck(self, title: str, description: str, cards: list[Card]) -> Deck:
        if not cards:
            raise BankError(
                self.source, None, None, "no questions found; is this the right file and format?"
            )
        return _validated(
            Deck,
            self.source,
            f'deck id "{self.deck_id}"',
            id=self.deck_id,
            title=clean_text(title)[0],  # from --title or the file's name
            description=clean_text(description)[0],
            topics=list(self.topics.values()),
            cards=cards,
        )


def build_deck(
    parsed: Parsed, source: str, deck_id: str, title: str, description: str, id_prefix: str = ""
) -> Deck:
    """Give every draft a unique id and a topic, validate it as a card, and assemble the deck."""
    cards = _Cards(source, deck_id, id_prefix, parsed.warnings)
    return cards.deck(title, description, [cards.card(draft) for draft in parsed.drafts])


def _clean_draft(draft: Draft, source: str, warnings: list[str]) -> None:
    """Take control characters out of a draft's text (card text must not drive a terminal),
    with one warning for the question if there were any."""
    removed = [chars for _, chars in clean_data(draft.card)]
    if draft.category is not None:
        draft.category, in_category = clean_text(draft.category)
        removed.append(in_category)
    draft.label = one_line(draft.label)
    if any(removed):
        found = describe_removed([c for chars in removed for c in chars])
        warnings.append(f"{source}:{draft.line}: question {draft.label}: {found}")


_LINE_END = re.compile(r"\r\n?|\n")


def iter_lines(text: str) -> Iterator[str]:
    """The file's lines, one at a time (a list of them would cost several times the file).
    Only \\n, \\r\\n and \\r end a line, as in Moodle; str.splitlines would also split at
    characters such as U+2028 that may sit inside a question's text."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start : end.start()]
        start = end.end()
    yield text[start:]


def read_bank(path: Path, limit: int = MAX_BANK_BYTES) -> str:
    """The file's text, or a BankError naming what is wrong with the file itself."""
    try:
        raw = read_bounded(path, limit)
    except FileTooLarge as error:
        held = f"is {error.size:,} bytes" if error.size else f"holds more than {limit:,} bytes"
        raise BankError(
            str(path),
            None,
            None,
            f"{held}, and a deck file may hold {limit:,}; split the bank into smaller files",
        ) from None
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


def _drafts(fmt: str) -> Callable[[str, str, list[str]], Iterator[Draft]]:
    if fmt == "gift":
        from studykit.deck.importers.gift import iter_gift

        return iter_gift
    from studykit.deck.importers.aiken import iter_aiken

    return iter_aiken


def _names(path: Path, fmt: str, deck_id: str | None, title: str | None) -> tuple[str, str, str]:
    """The deck's id, title and description: given, or from the file's name."""
    if fmt not in FORMATS:
        raise BankError(
            str(path), None, None, f'unknown format "{fmt}"; choose one of {", ".join(FORMATS)}'
        )
    description = f"Imported from {path.name} ({fmt.upper() if fmt == 'gift' else 'Aiken'})."
    return deck_id or slugify(path.stem) or "imported-deck", title or path.stem, description


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
    deck_id, title, description = _names(path, fmt, deck_id, title)
    text = read_bank(path)
    warnings = Warnings()
    cards = _Cards(str(path), deck_id, id_prefix, warnings)
    found = [cards.card(draft) for draft in _drafts(fmt)(text, str(path), warnings)]
    return ImportResult(cards.deck(title, description, found), warnings.lines())


def import_bank_as_yaml(
    path: Path,
    fmt: str,
    *,
    deck_id: str | None = None,
    title: str | None = None,
    id_prefix: str = "",
    header: str = "",
    max_bytes: int | None = None,
) -> YamlImport:
    """Read a GIFT or Aiken file into the text of a deck file, as `deck_to_yaml` writes it.

    Each card is written as soon as it is validated and then dropped, so memory holds the bank
    and the YAML, never every card as an object; and a deck larger than a deck file may be
    (`max_bytes`, by default the loader's limit) is refused as soon as it grows past it.
    """
    from studykit.deck.importers.writer import card_yaml, deck_head

    max_bytes = MAX_DECK_BYTES if max_bytes is None else max_bytes
    path, source = Path(path), str(path)
    deck_id, title, description = _names(path, fmt, deck_id, title)
    text = read_bank(path, max_bytes)  # a larger bank would make a larger deck
    warnings = Warnings()
    cards = _Cards(source, deck_id, id_prefix, warnings)
    first: list[Card] = []  # the deck is validated with its first card standing for them all
    chunks, size = [], 0
    for draft in _drafts(fmt)(text, source, warnings):
        card = cards.card(draft)
        first = first or [card]
        chunks.append(card_yaml(card))
        size += len(chunks[-1].encode())
        if size > max_bytes:
            raise BankError(source, draft.line, None, _too_large(max_bytes))
    head = deck_head(cards.deck(title, description, first), header)
    if size + len(head.encode()) > max_bytes:
        raise BankError(source, None, None, _too_large(max_bytes))
    chunks.insert(0, head)
    return YamlImport(
        chunks,
        deck_id,
        cards.count,
        len(cards.topics),
        warnings.lines(),
        len(warnings) + warnings.left_out,
    )


def _too_large(max_bytes: int) -> str:
    return (
        f"the deck would be larger than {max_bytes:,} bytes, the most a deck file may hold; "
        "split the bank into smaller files"
    )
