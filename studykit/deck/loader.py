"""Load deck files into `Deck` models, collecting every problem with its `file:line:column`.

    result = load_decks([Path("decks")])
    result.decks      # the decks without errors, ready to study
    result.problems   # every error and warning, each one line: str(problem)

Loading happens in three passes, so one broken deck never hides the problems of another, and
never keeps another from loading:
1. each file on its own: read safely (`safe_yaml`), take control characters out of its text
   with a warning (`text`), then validate with pydantic (`model`); a card's topic in its deck;
   lab parameters checked against the `lab_catalog` the caller passes (a lab that does not
   exist yet is only a warning, since decks may be written before their labs);
2. across files: card, topic and deck ids unique, claimed in a stable order that does not
   depend on file names (`_precedence`: bundled decks first, then decks without errors of their
   own, then by deck id), so a clash is always the error of the same side; a card whose id is
   taken is left out of its deck, which still loads; `learn_before` names a topic of some deck;
3. decks with any error are held back; a deck whose prerequisites sit in a held-back deck still
   loads, with a warning.
Checks of pass 2 read the raw YAML data, so a file with a type error still gets all its other
problems reported in the same run.

Nothing but `DeckError` ever leaves this module. The deck layer imports nothing of the lab layer:
whoever loads decks and knows the labs (the CLI, the TUI) passes `lab_catalog=Catalog()` from
`studykit.lab.catalog`; without one, lab links are not checked.
"""

from __future__ import annotations

import difflib
import gc
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from studykit.deck.errors import DeckError, Problem, Severity
from studykit.deck.messages import clip, rewrite
from studykit.deck.model import Deck
from studykit.deck.safe_yaml import DEFAULT_LIMITS, Limits, YamlDocument, parse_yaml
from studykit.deck.text import clean_deck, describe_removed, may_hold_controls
from studykit.files import FileTooLarge, read_bounded
from studykit.paths import bundled_decks_dir

__all__ = [
    "NUMBER_TYPES",
    "DeckError",
    "DeckSource",
    "LabCatalog",
    "LoadResult",
    "ObservableShape",
    "Problem",
    "load_deck",
    "load_decks",
]

DECK_SUFFIXES = (".yaml", ".yml")


class ObservableShape(Protocol):
    """What loading needs of an observable a lab declares (`studykit.lab.catalog.Observable`)."""

    @property
    def type(self) -> str:
        """choice | order | int | float | percent"""
        ...

    @property
    def values(self) -> Sequence[str] | None:
        """The values of a choice or order observable (None for numbers)."""
        ...


NUMBER_TYPES = ("int", "float", "percent")


class LabCatalog(Protocol):
    """The labs a card may link to, as far as loading needs them (`studykit.lab.catalog.Catalog`
    is one). It is asked only when some card links to a lab."""

    @property
    def where(self) -> str:
        """Where the lab specs live: the file named when they cannot be read."""
        ...

    def names(self) -> Collection[str]:
        """Every lab's name. May raise: the loader reports that as one warning."""
        ...

    def check_params(self, name: str, params: dict[str, Any]) -> list[str]:
        """One sentence per bad entry of `params` for lab `name` (one of `names()`)."""
        ...

    def observables(self, name: str) -> Mapping[str, ObservableShape]:
        """What lab `name` (one of `names()`) measures that a predict card may `observe`."""
        ...


@dataclass(frozen=True)
class DeckSource:
    """Where a loaded deck came from, to point at a line of it later (lint, `deck show`)."""

    file: str
    document: YamlDocument
    # The file's index of each of the deck's cards, when some card was left out (an id clash).
    card_rows: tuple[int, ...] | None = None

    def where(self, *path: Any, at_key: bool = False) -> tuple[int, int]:
        """(line, column) of `path` in the deck, e.g. where("cards", 3, "answer")."""
        rows = self.card_rows
        if rows and len(path) > 1 and path[0] == "cards" and isinstance(path[1], int):
            path = ("cards", rows[min(max(path[1], 0), len(rows) - 1)], *path[2:])
        return self.document.locate(path, at_key=at_key)


@dataclass
class LoadResult:
    decks: list[Deck]
    problems: list[Problem]
    files: int
    sources: dict[str, DeckSource] = field(default_factory=dict)  # deck id -> its file

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def cards(self) -> int:
        return sum(len(deck.cards) for deck in self.decks)

    def card_location(self, card_id: str) -> tuple[str, int] | None:
        """(file, line) where card `card_id` starts (a cloze deletion `ID::cN`: its card's);
        None if no loaded deck has it."""
        base_id = card_id.split("::", 1)[0]
        for deck in self.decks:
            source = self.sources.get(deck.id)
            if source is None:
                continue
            for index, card in enumerate(deck.cards):
                if card.id == base_id:
                    return source.file, source.where("cards", index)[0]
        return None


def load_decks(
    paths: Iterable[str | Path] | str | Path,
    *,
    lab_catalog: LabCatalog | None = None,
    limits: Limits = DEFAULT_LIMITS,
    known_topics: Collection[str] = (),
    bundled_dir: Path | None = None,
) -> LoadResult:
    """Load every deck in `paths` (files, or folders searched for *.yaml / *.yml); cards' lab
    links are checked against `lab_catalog` when one is given.

    `known_topics` are topic ids that `learn_before` may name besides the loaded decks' own (the
    CLI passes the bundled decks' topics). Decks below `bundled_dir` (default: the bundled decks'
    folder) win id clashes with every other deck.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    bundled = (bundled_dir or bundled_decks_dir()).resolve()
    try:
        with _gc_paused():
            return _Load(lab_catalog, limits, frozenset(known_topics), bundled).run(list(paths))
    except DeckError:
        raise
    except Exception as bug:  # a bug here must still end as one line, not a traceback
        raise DeckError(
            f"internal error while loading decks ({type(bug).__name__}: {bug}); please report it"
        ) from bug


def load_deck(path: str | Path, *, lab_catalog: LabCatalog | None = None) -> Deck:
    """The one deck in `path`; raises `DeckError` listing every error if it does not load."""
    result = load_decks([path], lab_catalog=lab_catalog)
    if result.errors or not result.decks:
        raise DeckError(result.errors or [_problem(str(path), "no deck found")])
    return result.decks[0]


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building ~10^5 containers triggers many cyclic-GC passes that each walk everything built
    # so far and free nothing (the data has no cycles); pausing GC halves the load time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _problem(
    file: str,
    message: str,
    line: int = 0,
    column: int = 0,
    card: str | None = None,
    severity: Severity = "error",
) -> Problem:
    return Problem(file, line, column, card, message, severity)


@dataclass
class _File:
    """One deck file between the passes."""

    label: str  # the path as the user named it, used in every message
    bundled: bool = False  # it lies in the bundled decks' folder
    document: YamlDocument | None = None
    deck: Deck | None = None
    problems: list[Problem] = field(default_factory=list)
    left_out: set[int] = field(default_factory=set)  # cards (by index) whose id another card has
    card_problems: list[Problem] = field(default_factory=list)  # why those cards are left out

    @property
    def data(self) -> dict[str, Any]:
        data = self.document.data if self.document else None
        return data if isinstance(data, dict) else {}

    def cards(self) -> Iterator[tuple[int, dict[str, Any]]]:
        cards = self.data.get("cards")
        if isinstance(cards, list):
            for i, card in enumerate(cards):
                if isinstance(card, dict):
                    yield i, card

    def topics(self) -> Iterator[tuple[int, dict[str, Any]]]:
        topics = self.data.get("topics")
        if isinstance(topics, list):
            for i, topic in enumerate(topics):
                if isinstance(topic, dict):
                    yield i, topic

    def add(
        self,
        message: str,
        path: tuple[Any, ...] = (),
        *,
        card: Any = None,
        at_key: bool = False,
        severity: Severity = "error",
    ) -> None:
        line, column = self.document.locate(path, at_key=at_key) if self.document else (0, 0)
        card_id = card if isinstance(card, str) else None
        self.problems.append(_problem(self.label, message, line, column, card_id, severity))

    @property
    def has_errors(self) -> bool:
        """Errors that keep the deck from loading (a card left out for its id is not one)."""
        return any(p.severity == "error" for p in self.problems)

    def leave_out(self, index: int, message: str, path: tuple[Any, ...], card: Any) -> None:
        """An error of card `index` alone: the card is left out and the deck still loads."""
        line, column = self.document.locate(path) if self.document else (0, 0)
        card_id = card if isinstance(card, str) else None
        self.left_out.add(index)
        self.card_problems.append(_problem(self.label, message, line, column, card_id))

    def all_problems(self) -> list[Problem]:
        return sorted(self.problems + self.card_problems, key=lambda p: (p.line, p.column))

    def deck_id(self) -> str | None:
        return _text_id(self.data.get("id"))

    def loaded_deck(self) -> Deck:
        """The deck without the cards left out."""
        assert self.deck is not None
        if not self.left_out:
            return self.deck
        cards = [c for i, c in enumerate(self.deck.cards) if i not in self.left_out]
        return self.deck.model_copy(update={"cards": cards})

    def card_rows(self) -> tuple[int, ...] | None:
        if not self.left_out or self.deck is None:
            return None
        return tuple(i for i in range(len(self.deck.cards)) if i not in self.left_out)


def _text_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _Load:
    def __init__(
        self,
        lab_catalog: LabCatalog | None,
        limits: Limits,
        known_topics: frozenset[str] = frozenset(),
        bundled_dir: Path | None = None,
    ):
        self.lab_catalog = lab_catalog
        self.limits = limits
        self.known_topics = known_topics
        self.bundled_dir = bundled_dir
        self.path_problems: list[Problem] = []

    def run(self, paths: list[str | Path]) -> LoadResult:
        files = [self._read(label, path) for label, path in self._deck_files(paths)]
        self._check_card_topics(files)
        self._check_labs(files)
        self._check_ids(files)  # after the checks above: a deck's own errors decide who wins
        self._check_learn_before(files)
        held_back = self._hold_back(files)
        problems = list(self.path_problems)
        for f in files:
            problems += f.all_problems()
        decks: list[Deck] = []
        sources: dict[str, DeckSource] = {}
        for f in files:
            if id(f) in held_back:
                continue
            assert f.deck is not None and f.document is not None  # else it was held back
            deck = f.loaded_deck()
            decks.append(deck)
            sources[deck.id] = DeckSource(f.label, f.document, f.card_rows())
        return LoadResult(decks=decks, problems=problems, files=len(files), sources=sources)

    # --- pass 1: each file on its own ----------------------------------------------------------

    def _deck_files(self, paths: list[str | Path]) -> Iterator[tuple[str, Path]]:
        seen: set[Path] = set()
        for given in paths:
            label = str(given)
            try:
                candidates = self._candidates(Path(given), label)
            except OSError as error:  # unreadable folder, a name too long…
                self.path_problems.append(_problem(label, f"cannot read: {error.strerror}"))
                continue
            for file_label, file_path in candidates:
                key = file_path.resolve()
                if key not in seen:
                    seen.add(key)
                    yield file_label, file_path

    def _candidates(self, path: Path, label: str) -> list[tuple[str, Path]]:
        """The deck files a path names: itself, or the *.yaml / *.yml below a folder."""
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in DECK_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                self.path_problems.append(
                    _problem(label, "no deck files (*.yaml, *.yml) in this folder")
                )
            return [(str(p), p) for p in found]
        if path.exists():
            return [(label, path)]
        self.path_problems.append(_problem(label, "no such file or folder"))
        return []

    def _read(self, label: str, path: Path) -> _File:
        loaded = _File(label, bundled=self._is_bundled(path))
        try:
            data = read_bounded(path, self.limits.max_bytes)
        except FileTooLarge as error:
            loaded.problems.append(_problem(label, _too_big(error.size, self.limits)))
            return loaded
        except OSError as error:
            loaded.problems.append(_problem(label, f"cannot read: {error.strerror or error}"))
            return loaded
        document, yaml_problems = parse_yaml(data, self.limits)
        for p in yaml_problems:
            loaded.problems.append(_problem(label, p.message, p.line, p.column))
        if document is None or document.data is None:
            if not yaml_problems:
                loaded.problems.append(
                    _problem(label, "the file is empty; start from `studykit deck new FILE`", 1, 1)
                )
            return loaded
        loaded.document = document
        if may_hold_controls(data):  # card text is plain text: it must not drive the terminal
            for at, card_id, removed in clean_deck(document.data):
                loaded.add(
                    f"{describe_removed(removed)}; delete them from the deck",
                    at,
                    card=card_id,
                    severity="warning",
                )
        for at, written, value in document.respelled_numbers():
            if at[:1] == ("cards",) and at[2:4] == ("lab", "params"):
                continue  # lab parameters are numbers; elsewhere a deck holds text
            loaded.add(
                f'the number {clip(written)} becomes the text "{clip(value)}"; '
                f'quote it ("{clip(written)}") to keep it as written',
                at,
                card=_card_id(document.data, at),
                severity="warning",
            )
        try:
            loaded.deck = Deck.model_validate(document.data)
        except ValidationError as invalid:
            for detail in invalid.errors(include_url=False):
                said = rewrite(detail, document.data)
                loaded.add(said.message, said.path, card=said.card, at_key=said.at_key)
        return loaded

    def _is_bundled(self, path: Path) -> bool:
        if self.bundled_dir is None:
            return False
        try:
            return path.resolve().is_relative_to(self.bundled_dir)
        except OSError:
            return False

    def _check_card_topics(self, files: list[_File]) -> None:
        """A card's topic is a topic of its own deck."""
        for f in files:
            own = [tid for _, t in f.topics() if (tid := _text_id(t.get("id")))]
            if not isinstance(f.data.get("topics"), list):
                continue  # `topics` itself is wrong; that error says enough
            for i, card in f.cards():
                topic_id = _text_id(card.get("topic"))
                if topic_id is not None and topic_id not in own:
                    f.add(
                        f'topic "{clip(topic_id)}" is not a topic of this deck; '
                        f"{_suggest(topic_id, own, 'add it under topics:')}",
                        ("cards", i, "topic"),
                        card=card.get("id"),
                    )

    # --- pass 2: across cards and files --------------------------------------------------------

    def _check_ids(self, files: list[_File]) -> None:
        """Deck, topic and card ids are unique across everything loaded.

        Ids are claimed in `_precedence` order, never in file order, so which side of a clash
        is in error does not depend on what the files are called. The deck that comes second
        in a deck id clash is held back (its topics and cards are not checked against the
        other's: that one error says it); a topic id taken by another topic is an error of its
        deck; a card whose id is taken is left out of its deck alone, which still loads.
        """
        first: dict[tuple[str, str], tuple[_File, tuple]] = {}

        def claim(what: str, value: Any, f: _File, path: tuple) -> str | None:
            """None when `value` is free (now `f`'s); else where the first one is."""
            ident = _text_id(value)
            if ident is None:
                return None
            if (what, ident) not in first:
                first[(what, ident)] = (f, path)
                return None
            other, other_path = first[(what, ident)]
            assert other.document is not None  # its id came from its document
            line, column = other.document.locate(other_path)
            where = f"line {line}" if other is f else f"{other.label}:{line}:{column}"
            return f'id "{clip(ident)}" is already used by another {what} ({where})'

        for f in sorted(files, key=_precedence):
            taken = claim("deck", f.data.get("id"), f, ("id",))
            if taken:
                f.add(f"{taken}; give this deck another id", ("id",))
                continue
            for i, topic in f.topics():
                at = ("topics", i, "id")
                if taken := claim("topic", topic.get("id"), f, at):
                    f.add(f"{taken}; give this topic another id", at)
            for i, card in f.cards():
                at = ("cards", i, "id")
                if taken := claim("card", card.get("id"), f, at):
                    message = f"{taken}; give this card another id (it is left out until then)"
                    f.leave_out(i, message, at, card.get("id"))
        for f in files:
            every_card = f.deck is not None and len(f.left_out) == len(f.deck.cards)
            if f.left_out and every_card and not f.has_errors:
                f.add(
                    "every card of this deck is left out (their ids are taken); rename them",
                    ("cards",),
                )

    def _check_learn_before(self, files: list[_File]) -> None:
        """`learn_before` names a topic of any deck (or one the caller knows of)."""
        every_topic = _declared_topics(files) | self.known_topics
        for f in files:
            if not isinstance(f.data.get("topics"), list):
                continue
            for i, topic in f.topics():
                before = topic.get("learn_before")
                names = [before] if isinstance(before, str) else before
                if not isinstance(names, list):
                    continue
                for j, name in enumerate(names):
                    if _text_id(name) is not None and name not in every_topic:
                        path = ("topics", i, "learn_before") + ((j,) if before is names else ())
                        # A warning, not an error: the deck that has it may just not be loaded
                        # (one bundled deck exported or studied alone); the order ignores it.
                        f.add(
                            f'learn_before: no loaded deck has a topic "{clip(name)}"; '
                            + _suggest(name, sorted(every_topic), "load its deck or check the id"),
                            path,
                            severity="warning",
                        )

    def _check_labs(self, files: list[_File]) -> None:
        """A card's lab link: a known lab gets its params checked; an unknown one is a warning."""
        catalog = self.lab_catalog
        if catalog is None or not any(card.get("lab") for f in files for _, card in f.cards()):
            return  # nothing to check against, or nothing links to a lab: no need to read specs
        known = self._lab_names(catalog)
        if known is None:
            return
        for f in files:
            for i, card in f.cards():
                lab = card.get("lab")
                at: tuple[Any, ...]
                if isinstance(lab, dict):
                    name, at = _text_id(lab.get("name")), ("cards", i, "lab", "name")
                else:
                    name, at = _text_id(lab), ("cards", i, "lab")
                if name is None:
                    continue
                if name not in known:
                    f.add(
                        f'lab "{clip(name)}" does not exist (yet); '
                        f"{_suggest(name, sorted(known), 'check the name')}",
                        at,
                        card=card.get("id"),
                        severity="warning",
                    )
                    continue
                if card.get("kind") == "predict":
                    self._check_prediction(f, i, card, name, catalog)
                params = lab.get("params") if isinstance(lab, dict) else None
                if not isinstance(params, dict):
                    continue
                for key, value in params.items():
                    if not isinstance(key, str):
                        continue  # pydantic has reported it
                    for message in catalog.check_params(name, {key: value}):
                        f.add(
                            f"{message}; fix the card's lab params",
                            ("cards", i, "lab", "params", key),
                            card=card.get("id"),
                        )

    def _check_prediction(
        self, f: _File, i: int, card: dict[str, Any], lab: str, catalog: LabCatalog
    ) -> None:
        """A predict card's `observe:` names an observable of its lab, and its choices (or its
        tolerance) fit that observable's type and values."""
        observe = card.get("observe")
        if not isinstance(observe, str) or not observe:
            return  # pydantic has reported it
        try:
            declared = dict(catalog.observables(lab))
        except Exception as error:  # someone else's files: a warning, as for the names
            reason = " ".join(str(error).split())[:200]
            f.add(
                f"cannot read lab {lab}'s observables, so observe: was not checked: {reason}",
                ("cards", i, "observe"),
                card=card.get("id"),
                severity="warning",
            )
            return
        card_id = card.get("id")
        if observe not in declared:
            if declared:
                fix = _suggest(observe, sorted(declared), f"use one of: {', '.join(declared)}")
            else:
                fix = "it declares none yet; add observables: to its spec first"
            f.add(
                f'lab {lab} has no observable "{clip(observe)}"; {fix}',
                ("cards", i, "observe"),
                card=card_id,
            )
            return
        shape = declared[observe]
        kind, values = shape.type, list(shape.values or [])
        choices = card.get("choices")
        if kind in NUMBER_TYPES:
            if choices is not None:
                f.add(
                    f"observable {observe} is a number ({kind}): the learner types it, so the "
                    "card takes no choices; remove them and give tolerance: or "
                    "relative_tolerance:",
                    ("cards", i, "choices"),
                    card=card_id,
                    at_key=True,
                )
            return
        if not isinstance(choices, list):
            tolerance = next((k for k in ("tolerance", "relative_tolerance") if k in card), None)
            f.add(
                f"observable {observe} is {'an' if kind == 'order' else 'a'} {kind} of "
                f"{', '.join(values)}: map choices to them"
                + (f" (and remove {tolerance}, which is for numbers)" if tolerance else ""),
                ("cards", i, "observe"),
                card=card_id,
            )
            return
        given: list[str] = []
        for j, choice in enumerate(choices):
            value = choice.get("value") if isinstance(choice, dict) else None
            if not isinstance(value, str):
                continue  # pydantic has reported it
            given.append(value)
            if value not in values:
                f.add(
                    f'"{clip(value)}" is not a value of observable {observe}; '
                    + _suggest(value, values, f"use one of: {', '.join(values)}"),
                    ("cards", i, "choices", j, "value"),
                    card=card_id,
                )
        missing = [v for v in values if v not in given]
        if kind == "order" and missing and len(given) == len(choices):
            f.add(
                f"an order prediction has one choice per value of {observe}; add "
                + ", ".join(missing),
                ("cards", i, "choices"),
                card=card_id,
                at_key=True,
            )

    def _lab_names(self, catalog: LabCatalog) -> set[str] | None:
        """The catalog's lab names, or None (and one warning) when it cannot be read."""
        try:
            return set(catalog.names())
        except Exception as error:  # the catalog is someone else's files; never fail on it
            reason = " ".join(str(error).split())[:200]
            self.path_problems.append(
                _problem(
                    catalog.where,
                    f"cannot read the lab catalog, so lab links were not checked: {reason}",
                    severity="warning",
                )
            )
            return None

    # --- pass 3: hold back the broken decks -----------------------------------------------------

    def _hold_back(self, files: list[_File]) -> set[int]:
        """The files (as `id(file)`) whose decks are not returned: those with errors. A deck
        whose prerequisites sit in one of them still loads; it is studied without them."""
        held = {id(f) for f in files if f.deck is None or f.has_errors}
        kept = [(f, f.deck) for f in files if id(f) not in held and f.deck is not None]
        loaded_topics = {t.id for _, deck in kept for t in deck.topics} | self.known_topics
        declared_in: dict[str, str] = {}  # topic id -> the first held-back file declaring it
        for f in files:
            if id(f) in held:
                for _, declared in f.topics():
                    if (tid := _text_id(declared.get("id"))) and tid not in loaded_topics:
                        declared_in.setdefault(tid, f.label)
        for f, deck in kept:
            for i, topic in enumerate(deck.topics):
                for j, name in enumerate(topic.learn_before):
                    if name in declared_in:
                        f.add(
                            f'learn_before: topic "{name}" is in a deck that has errors '
                            f"({declared_in[name]}); until it is fixed, this deck is studied "
                            "without that prerequisite",
                            ("topics", i, "learn_before", j),
                            severity="warning",
                        )
        return held


def _card_id(data: Any, path: tuple[Any, ...]) -> Any:
    """The id of the card `path` (into the deck's data) lies in, if any."""
    if len(path) < 2 or path[0] != "cards" or not isinstance(data, dict):
        return None
    cards = data.get("cards")
    card = cards[path[1]] if isinstance(cards, list) and isinstance(path[1], int) else None
    return card.get("id") if isinstance(card, dict) else None


def _too_big(size: int | None, limits: Limits) -> str:
    limit = f"{limits.max_bytes:,}-byte limit"
    # A device or a pipe has no size: it was read up to the limit.
    held = f"file is {size:,} bytes, over the {limit}" if size else f"file is over the {limit}"
    return f"{held}; split the deck into several files"


def _precedence(f: _File) -> tuple[bool, bool, bool, str, str]:
    """The order in which decks claim ids: bundled decks first, then decks without errors of
    their own (a broken deck never takes an id from a good one), then by deck id; the file name
    only parts two decks with the same id."""
    deck_id = f.deck_id()
    return (not f.bundled, f.deck is None or f.has_errors, deck_id is None, deck_id or "", f.label)


def _declared_topics(files: list[_File]) -> set[str]:
    """Every topic id any file declares, whether or not its deck loads."""
    return {tid for f in files for _, t in f.topics() if (tid := _text_id(t.get("id")))}


def _suggest(name: str, known: list[str], otherwise: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f'did you mean "{close[0]}"?' if close else otherwise
