"""Load deck files into `Deck` models, collecting every problem with its `file:line:column`.

    result = load_decks([Path("decks")])
    result.decks      # the decks without errors, ready to study
    result.problems   # every error and warning, each one line: str(problem)

Loading happens in three passes, so one broken deck never hides the problems of another:
1. each file on its own: read safely (`safe_yaml`), take control characters out of its text
   with a warning (`text`), then validate with pydantic (`model`);
2. across files: card, topic and deck ids unique; a card's topic in its deck; `learn_before`
   names a topic of some deck; lab parameters checked against the `lab_catalog` the caller
   passes (a lab that does not exist yet is only a warning, since decks may be written before
   their labs);
3. decks with any error are held back, and decks that lean on a held-back deck's topics too.
Checks of pass 2 read the raw YAML data, so a file with a type error still gets all its other
problems reported in the same run.

Nothing but `DeckError` ever leaves this module. The deck layer imports nothing of the lab layer:
whoever loads decks and knows the labs (the CLI, the TUI) passes `lab_catalog=Catalog()` from
`studykit.lab.catalog`; without one, lab links are not checked.
"""

from __future__ import annotations

import difflib
import gc
from collections.abc import Collection, Iterable, Iterator
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

__all__ = [
    "DeckError",
    "DeckSource",
    "LabCatalog",
    "LoadResult",
    "Problem",
    "load_deck",
    "load_decks",
]

DECK_SUFFIXES = (".yaml", ".yml")


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


@dataclass(frozen=True)
class DeckSource:
    """Where a loaded deck came from, to point at a line of it later (lint, `deck show`)."""

    file: str
    document: YamlDocument

    def where(self, *path: Any, at_key: bool = False) -> tuple[int, int]:
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


def load_decks(
    paths: Iterable[str | Path] | str | Path,
    *,
    lab_catalog: LabCatalog | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> LoadResult:
    """Load every deck in `paths` (files, or folders searched for *.yaml / *.yml); cards' lab
    links are checked against `lab_catalog` when one is given."""
    if isinstance(paths, str | Path):
        paths = [paths]
    try:
        with _gc_paused():
            return _Load(lab_catalog, limits).run(list(paths))
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
    document: YamlDocument | None = None
    deck: Deck | None = None
    problems: list[Problem] = field(default_factory=list)

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
        return any(p.severity == "error" for p in self.problems)


def _text_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _Load:
    def __init__(self, lab_catalog: LabCatalog | None, limits: Limits):
        self.lab_catalog = lab_catalog
        self.limits = limits
        self.path_problems: list[Problem] = []

    def run(self, paths: list[str | Path]) -> LoadResult:
        files = [self._read(label, path) for label, path in self._deck_files(paths)]
        self._check_ids(files)
        self._check_topics(files)
        self._check_labs(files)
        held_back = self._hold_back(files)
        problems = list(self.path_problems)
        for f in files:
            problems += sorted(f.problems, key=lambda p: (p.line, p.column))
        good = [f for f in files if id(f) not in held_back]
        return LoadResult(
            decks=[f.deck for f in good],
            problems=problems,
            files=len(files),
            sources={f.deck.id: DeckSource(f.label, f.document) for f in good},
        )

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
        loaded = _File(label)
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
            for path, card_id, removed in clean_deck(document.data):
                loaded.add(
                    f"{describe_removed(removed)}; delete them from the deck",
                    path,
                    card=card_id,
                    severity="warning",
                )
        try:
            loaded.deck = Deck.model_validate(document.data)
        except ValidationError as invalid:
            for error in invalid.errors(include_url=False):
                said = rewrite(error, document.data)
                loaded.add(said.message, said.path, card=said.card, at_key=said.at_key)
        return loaded

    # --- pass 2: across cards and files --------------------------------------------------------

    def _check_ids(self, files: list[_File]) -> None:
        """Deck, topic and card ids are unique across everything loaded; the first one wins."""
        first: dict[tuple[str, str], tuple[_File, tuple]] = {}

        def claim(what: str, value: Any, f: _File, path: tuple, card: Any = None) -> None:
            ident = _text_id(value)
            if ident is None:
                return
            if (what, ident) not in first:
                first[(what, ident)] = (f, path)
                return
            other, other_path = first[(what, ident)]
            line, column = other.document.locate(other_path)
            where = f"line {line}" if other is f else f"{other.label}:{line}:{column}"
            f.add(
                f'id "{clip(ident)}" is already used by another {what} ({where}); '
                f"give this {what} another id",
                path,
                card=card,
            )

        for f in files:
            claim("deck", f.data.get("id"), f, ("id",))
            for i, topic in f.topics():
                claim("topic", topic.get("id"), f, ("topics", i, "id"))
            for i, card in f.cards():
                claim("card", card.get("id"), f, ("cards", i, "id"), card.get("id"))

    def _check_topics(self, files: list[_File]) -> None:
        """A card's topic is a topic of its deck; `learn_before` names a topic of any deck."""
        every_topic = _declared_topics(files)
        for f in files:
            own = [tid for _, t in f.topics() if (tid := _text_id(t.get("id")))]
            if not isinstance(f.data.get("topics"), list):
                continue  # `topics` itself is wrong; that error says enough
            for i, card in f.cards():
                topic = _text_id(card.get("topic"))
                if topic is not None and topic not in own:
                    f.add(
                        f'topic "{clip(topic)}" is not a topic of this deck; '
                        f"{_suggest(topic, own, 'add it under topics:')}",
                        ("cards", i, "topic"),
                        card=card.get("id"),
                    )
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

    # --- pass 3: hold back what leans on broken decks --------------------------------------------

    def _hold_back(self, files: list[_File]) -> set[int]:
        """The files (as `id(file)`) whose decks are not returned."""
        held = {id(f) for f in files if f.deck is None or f.has_errors}
        # Topics no file declares were already warned about; only a held-back deck's topics hold
        # back the decks that need them.
        declared = _declared_topics(files)
        changed = True
        while changed:  # a deck whose prerequisites sit in a held-back deck is held back too
            changed = False
            loaded_topics = {t.id for f in files if id(f) not in held for t in f.deck.topics}
            for f in files:
                if id(f) in held:
                    continue
                for i, topic in enumerate(f.deck.topics):
                    for j, name in enumerate(topic.learn_before):
                        if name in declared and name not in loaded_topics:
                            f.add(
                                f'learn_before: topic "{name}" is in a deck that has errors; '
                                "fix that deck first",
                                ("topics", i, "learn_before", j),
                            )
                            held.add(id(f))
                            changed = True
        return held


def _too_big(size: int | None, limits: Limits) -> str:
    limit = f"{limits.max_bytes:,}-byte limit"
    # A device or a pipe has no size: it was read up to the limit.
    held = f"file is {size:,} bytes, over the {limit}" if size else f"file is over the {limit}"
    return f"{held}; split the deck into several files"


def _declared_topics(files: list[_File]) -> set[str]:
    """Every topic id any file declares, whether or not its deck loads."""
    return {tid for f in files for _, t in f.topics() if (tid := _text_id(t.get("id")))}


def _suggest(name: str, known: list[str], otherwise: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f'did you mean "{close[0]}"?' if close else otherwise
