"""Bring question banks from other tools into studykit decks: Moodle GIFT and Aiken.

    result = import_bank(Path("week3.gift"), "gift")
    result.deck        # a validated Deck, ready for deck_to_yaml()
    result.warnings    # one line per question skipped or converted with a loss
    result.skipped     # how many questions were broken (each has its warning)

Each format's parser turns the file into `Draft`s (card fields plus where they came from); this
module gives them ids and topics and validates them as cards. Like Moodle, a broken question is
skipped with a warning, `week3.gift:12:5: question "Q4": what is wrong; the fix; skipped`, and
the rest are imported. `BankError` (one line, the same form) is raised only when the bank itself
cannot be read or nothing in it could be imported; its `warnings` hold the skipped questions.

Ids are stable across re-imports of an edited bank: every id starts with the deck id (or
`id_prefix`), then the question's own name (GIFT `::Title::`, as Moodle names every question it
exports), else a short hash of the question's kind and normalised text; the topic of questions
without a category is the deck id itself. So two banks never clash, and inserting a question
moves no other question's id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from studykit.deck.errors import one_line
from studykit.deck.importers.naming import IdAllocator, slugify, text_hash
from studykit.deck.messages import rewrite
from studykit.deck.model import Card, Deck, Topic
from studykit.deck.safe_yaml import DEFAULT_LIMITS
from studykit.deck.text import clean_data, clean_text, describe_removed
from studykit.files import FileTooLarge, read_bounded

FORMATS = ("gift", "aiken")
DEFAULT_TOPIC_TITLE = "Imported"  # the topic of questions without a category; its id: the deck's
# A bank makes a deck at least about as large (GIFT's YAML is about twice the bank), and a deck
# file larger than the loader's limit is refused: so a larger bank cannot become one deck.
MAX_DECK_BYTES = DEFAULT_LIMITS.max_bytes  # what the deck loader reads
MAX_BANK_BYTES = MAX_DECK_BYTES
MAX_WARNINGS = 1000
MAX_PREFIX = 60  # of the 80 characters an id may have

_CARD = TypeAdapter(Card)
# What the deck model trims from text (Unicode White_Space). Python's str.strip() would also take
# the separators U+001C-U+001F, and an imported text must equal what the model keeps.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class BankError(Exception):
    """A question bank that cannot be imported, with the place that shows why."""

    def __init__(
        self,
        file: str,
        line: int | None,
        column: int | None,
        message: str,
        warnings: list[str] | None = None,
    ):
        self.file, self.line, self.column, self.message = file, line, column, message
        self.warnings = warnings or []  # what was said before the bank was given up on
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
        self.skipped = 0  # broken questions left out

    def skip(self, error: BankError) -> None:
        """A broken question: say where and why, and go on with the next one (as Moodle does)."""
        self.skipped += 1
        self.append(f"{error}; skipped")

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
    skipped: int = 0  # broken questions left out (each has a warning)


@dataclass
class YamlImport:
    """A bank imported straight to deck YAML (`import_bank_as_yaml`)."""

    chunks: list[str]  # the deck file's text in pieces: its head, then a piece per card
    deck_id: str
    cards: int
    topics: int
    warnings: list[str]  # at most MAX_WARNINGS lines and one that counts the rest
    warned: int  # how many warnings there were
    skipped: int = 0  # broken questions left out (each has a warning)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def _first_error(error: ValidationError, fields: dict[str, Any]) -> str:
    """The card's first error in the loader's own words (`"statement" is longer than 10,000
    characters; shorten it`), not pydantic's."""
    detail = error.errors(include_url=False)[0]
    detail["loc"] = ("cards", 0, *detail["loc"])  # where rewrite() expects a card's fields
    return rewrite(detail, {"cards": [fields]}).message


def _validated(model: type[Topic] | type[Deck], source: str, what: str, **fields: Any) -> Any:
    """`model(**fields)`, or a BankError: a topic or deck id built from a long --deck-id or
    --id-prefix can break the format's rules where no question of the bank is to blame."""
    try:
        return model(**fields)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        limit = (detail.get("ctx") or {}).get("max_length")
        if detail["type"] == "string_too_long" and limit:
            problem = f"is longer than {limit:,} characters"
        else:
            problem = rewrite(detail, fields).message
        raise BankError(
            source, None, None, f"{what} {problem}; use a shorter deck id or id prefix"
        ) from None


def default_prefix(deck_id: str) -> str:
    """What every card and topic id of an import starts with unless --id-prefix says otherwise:
    the deck id (cut to leave room for the question's own part)."""
    return deck_id[:40].rstrip("-._") + "-"


class _Cards:
    """Turns drafts into validated cards one at a time, each with a unique id and a topic (one
    per GIFT category), so a caller never needs them all at once."""

    def __init__(
        self, source: str, deck_id: str, id_prefix: str | None, warnings: list[str]
    ) -> None:
        self.source, self.deck_id, self.warnings = source, deck_id, warnings
        prefix = default_prefix(deck_id) if id_prefix is None else id_prefix
        if len(prefix) > MAX_PREFIX:  # ids are at most 80 characters: leave room for the rest
            raise BankError(
                source,
                None,
                None,
                f'id prefix "{prefix[:MAX_PREFIX]}…" is longer than {MAX_PREFIX} characters; '
                "use a shorter id prefix",
            )
        # The deck id is also the topic id of questions without a category: check it once,
        # here, as the deck's problem rather than the first question's.
        _validated(Topic, source, f'deck id "{deck_id}"', id=deck_id, title=DEFAULT_TOPIC_TITLE)
        self.card_ids = IdAllocator(prefix)
        self.topic_ids = IdAllocator(prefix)
        self.topics: dict[str | None, Topic] = {}
        self.count = 0  # cards made

    def card(self, draft: Draft) -> Card:
        """The draft as a validated card; a BankError (naming the question) if it is not one."""
        _clean_draft(draft, self.source, self.warnings)
        topic = self._topic(draft.category)
        named = slugify(draft.title) if draft.title else ""
        wanted = named or text_hash(draft.card)
        fields = {"id": self.card_ids.peek(wanted), "topic": topic.id, **draft.card}
        try:
            card = _CARD.validate_python(fields)
        except ValidationError as error:
            raise BankError(
                self.source,
                draft.line,
                None,
                f"question {draft.label}: {_first_error(error, fields)}",
            ) from None
        self.card_ids.take(wanted)  # only a card that is kept holds on to its id
        self.count += 1
        return card

    def _topic(self, category: str | None) -> Topic:
        """One topic per GIFT category; the deck id for questions without one."""
        if category not in self.topics:
            if category is None:
                topic_id, title = self.deck_id, DEFAULT_TOPIC_TITLE
                self.topic_ids.taken.add(topic_id)
            else:
                wanted = slugify(category) or f"category-{len(self.topics) + 1}"
                topic_id, title = self.topic_ids.take(wanted), category
            self.topics[category] = _validated(
                Topic, self.source, f'topic id "{topic_id}"', id=topic_id, title=title
            )
        return self.topics[category]

    def deck(self, title: str, description: str, cards: list[Card]) -> Deck:
        if not cards:
            skipped = getattr(self.warnings, "skipped", 0)
            lines = self.warnings.lines() if isinstance(self.warnings, Warnings) else []
            if skipped:
                message = (
                    f"no question could be imported ({skipped} broken, each named above); "
                    "fix them and import again"
                )
            else:
                message = "no questions found; is this the right file and format?"
            raise BankError(self.source, None, None, message, lines)
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
    parsed: Parsed,
    source: str,
    deck_id: str,
    title: str,
    description: str,
    id_prefix: str | None = None,
) -> Deck:
    """Give every draft a unique id and a topic, validate it as a card, and assemble the deck
    (a draft that is no valid card is skipped with a warning)."""
    cards = _Cards(source, deck_id, id_prefix, parsed.warnings)
    return cards.deck(title, description, list(_valid_cards(cards, parsed.drafts)))


def _valid_cards(cards: _Cards, drafts: Iterable[Draft]) -> Iterator[Card]:
    """Each draft as a card; one that breaks the deck model is skipped with its warning."""
    for _, card in _valid_drafts(cards, drafts):
        yield card


def _valid_drafts(cards: _Cards, drafts: Iterable[Draft]) -> Iterator[tuple[Draft, Card]]:
    for draft in drafts:
        try:
            yield draft, cards.card(draft)
        except BankError as error:
            _skip(cards.warnings, error)


def _skip(warnings: list[str], error: BankError) -> None:
    if isinstance(warnings, Warnings):
        warnings.skip(error)
    else:
        warnings.append(f"{error}; skipped")


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


def _drafts(fmt: str) -> Callable[[str, str, Warnings], Iterator[Draft]]:
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
    id_prefix: str | None = None,
) -> ImportResult:
    """Read a GIFT or Aiken file into a validated deck (one topic per GIFT category)."""
    path = Path(path)
    deck_id, title, description = _names(path, fmt, deck_id, title)
    text = read_bank(path)
    warnings = Warnings()
    cards = _Cards(str(path), deck_id, id_prefix, warnings)
    found = list(_valid_cards(cards, _drafts(fmt)(text, str(path), warnings)))
    deck = cards.deck(title, description, found)
    return ImportResult(deck, warnings.lines(), warnings.skipped)


def import_bank_as_yaml(
    path: Path,
    fmt: str,
    *,
    deck_id: str | None = None,
    title: str | None = None,
    id_prefix: str | None = None,
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
    for draft, card in _valid_drafts(cards, _drafts(fmt)(text, source, warnings)):
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
        warnings.skipped,
    )


def _too_large(max_bytes: int) -> str:
    return (
        f"the deck would be larger than {max_bytes:,} bytes, the most a deck file may hold; "
        "split the bank into smaller files"
    )
