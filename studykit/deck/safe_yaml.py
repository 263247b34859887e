"""Read one YAML document safely, remembering where every value came from.

PyYAML's loaders are either unsafe (tags that build objects) or blind to positions once the data
is built. Here we walk libyaml's event stream ourselves and build plain Python values (dict, list,
str, int, float, bool, None) while recording the line and column of every key and value, so an
error found later (by pydantic, or by a cross-deck check) can point at `file:line:column`.

Walking the events ourselves also lets us refuse hostile input early:
- size: files over `Limits.max_bytes` are refused before parsing;
- depth: nesting deeper than `Limits.max_depth` stops the parse at once. Building from events
  needs no recursion (PyYAML's composers recurse once per level). libyaml 0.2.6 and later refuse
  more than 1,000 levels themselves, and their scanner reads up to a line ahead of the events it
  hands over, so on `[[[[…` its refusal comes first; then the file up to that refusal is parsed
  again, so our own, lower limit gives the message (`_Builder._look_again_before`);
- numbers: an integer longer than `_MAX_INT_LENGTH` characters is refused (Python cannot even
  turn one of over 4,300 digits into an int or back into text);
- aliases: every use of `*anchor` is charged the anchor's full size, so a "billion laughs" file is
  refused after reading a few lines instead of expanding into gigabytes; anchors that contain
  their own alias are refused too;
- tags: only the standard scalar/collection tags are accepted; anything else is an error.

Scalars follow YAML 1.2's core schema rather than PyYAML's YAML 1.1: only true/false are booleans,
so prose such as `why: no` or `answer: on` stays text; `1:30` and `2021-04-18` stay text too.
Duplicate keys are errors (YAML says keys are unique; PyYAML silently keeps the last one).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml import events as ev

# libyaml when available (fast); the pure-Python parser gives the same events otherwise.
_Loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass(frozen=True)
class Limits:
    """Bounds that make a hostile file fail fast instead of eating memory or time."""

    max_bytes: int = 8 * 1024 * 1024
    max_depth: int = 50
    max_alias_nodes: int = 100_000  # values added by expanding aliases, summed over the file


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int
    message: str


class _Fatal(Exception):
    """Stops the parse of one file (syntax error, limit exceeded)."""

    def __init__(self, line: int, column: int, message: str):
        super().__init__(message)
        self.problem = YamlProblem(line, column, message)


# --- scalars: the YAML 1.2 core schema ---------------------------------------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_FLOAT_SPECIAL = {
    **{
        f"{sign}{inf}": float(f"{sign}inf")
        for sign in ("", "+", "-")
        for inf in (".inf", ".Inf", ".INF")
    },
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
# Only plain scalars starting with one of these can be anything but text: a cheap first test.
_NUMBER_START = frozenset("0123456789+-.")
_MAYBE_NOT_TEXT = _NUMBER_START | frozenset("~nNtTfF")


# Far more than any deck needs, and well inside the 4,300 digits Python turns into an int (or an
# int back into text, as pydantic does for a number in a text field).
_MAX_INT_LENGTH = 1_000


def plain_scalar(text: str) -> Any:
    """The value of an unquoted, untagged scalar under the YAML 1.2 core schema.

    Raises ValueError (with a message for the deck's author) for an integer too long to use.
    """
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0] not in _NUMBER_START:
        return text
    if len(text) > _MAX_INT_LENGTH and any(
        pattern.fullmatch(text) for pattern in (_INT, _INT_OCT, _INT_HEX)
    ):
        raise ValueError(
            f"this integer is {len(text):,} characters long, over the {_MAX_INT_LENGTH:,} "
            "a deck allows; quote it to keep it as text"
        )
    if _INT.fullmatch(text):
        return int(text)
    if _INT_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _INT_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    return _FLOAT_SPECIAL.get(text, text)


_STD = "tag:yaml.org,2002:"


def _tagged_scalar(tag: str, text: str) -> Any:
    """A scalar with an explicit standard tag (`!!str 42`); raises ValueError if it does not fit."""
    if tag in ("!", _STD + "str"):
        return text
    if tag == _STD + "null" and text in _NULLS:
        return None
    if tag == _STD + "bool" and text in _BOOLS:
        return _BOOLS[text]
    if tag == _STD + "int" and isinstance(value := plain_scalar(text), int):
        return value
    if tag == _STD + "float" and isinstance(value := plain_scalar(text), int | float):
        return float(value)
    if tag.startswith(_STD) and tag[len(_STD) :] in ("null", "bool", "int", "float"):
        raise ValueError(f'"{text}" is not a valid !!{tag[len(_STD) :]}')
    raise ValueError(f"the tag {_short_tag(tag)} is not allowed; decks use plain YAML values")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


# --- the document -------------------------------------------------------------------------------

Mark = tuple[int, int]  # (line, column), 1-based


def _at(mark: Any) -> Mark:
    """A parser mark (0-based) as the (line, column) people read (1-based)."""
    return (mark.line + 1, mark.column + 1)


# Positions are kept as one int each, `line << 24 | column` (0-based): ints cost the garbage
# collector nothing, unlike the parser's mark objects, and a file has far fewer than 2**24
# characters on a line (the size limit is 8 MB).
_COLUMN_BITS = 24
_COLUMN_MASK = (1 << _COLUMN_BITS) - 1


def _packed(mark: Any) -> int:
    return mark.line << _COLUMN_BITS | mark.column


def _unpacked(position: int) -> Mark:
    return ((position >> _COLUMN_BITS) + 1, (position & _COLUMN_MASK) + 1)


class YamlDocument:
    """Plain data plus where each piece came from.

    Positions live in side tables keyed by the identity of each dict and list, so the data itself
    stays ordinary Python values that pydantic validates at full speed. The tables hold packed
    positions (see `_packed`); they become (line, column) only when someone asks.
    """

    def __init__(self) -> None:
        self.data: Any = None
        self._root_mark: int | None = None
        self._starts: dict[int, int] = {}  # id(container) -> where it starts
        self._keys: dict[int, dict[Hashable, tuple[int, int]]] = {}  # id(dict) -> key, value
        self._items: dict[int, list[int]] = {}  # id(list) -> where each item is
        # Unquoted numbers whose text is not how Python writes them back (`0.10`, `1e-4`): where
        # each is -> its text as written. A number in a text field becomes str(number).
        self.respelled: dict[int, str] = {}

    def locate(self, path: tuple[Any, ...], *, at_key: bool = False) -> Mark:
        """Where the value at `path` (dict keys and list indexes) is, as deep as the path goes.

        Path elements that are not keys or indexes of the data (pydantic adds names such as the
        union tag `mcq`) are skipped. With `at_key`, a final dict key points at the key itself
        (for "unknown key" errors) rather than its value.
        """
        value, mark = self.data, self._root_mark
        for i, step in enumerate(path):
            if isinstance(value, dict) and isinstance(step, Hashable) and step in value:
                key_mark, value_mark = self._keys[id(value)][step]
                if at_key and i == len(path) - 1:
                    return _unpacked(key_mark)
                value, mark = value[step], value_mark
            elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
                value, mark = value[step], self._items[id(value)][step]
        return _unpacked(mark) if mark is not None else (1, 1)

    def respelled_numbers(self) -> Iterator[tuple[tuple[Any, ...], str, int | float]]:
        """(path, text as written, value) of every unquoted number that str() writes back
        differently (`version: 0.10` reads as 0.1)."""
        if not self.respelled:
            return
        stack: list[tuple[tuple[Any, ...], Any]] = [((), self.data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                marks = self._keys.get(id(value), {})
                entries = [(k, v, marks[k][1] if k in marks else None) for k, v in value.items()]
            elif isinstance(value, list):
                marks_of = self._items.get(id(value), [])
                entries = [(i, v, m) for i, (v, m) in enumerate(zip(value, marks_of, strict=False))]
            else:
                continue
            children = []
            for step, child, mark in entries:
                if isinstance(child, dict | list):
                    children.append(((*path, step), child))
                elif type(child) in (int, float) and mark in self.respelled:
                    yield (*path, step), self.respelled[mark], child
            stack.extend(reversed(children))


# --- building values from events ----------------------------------------------------------------

_NO_KEY = object()  # the open mapping waits for a key, not a value


class _Open:
    """A mapping or sequence whose end event has not arrived yet."""

    __slots__ = ("value", "is_list", "marks", "key", "key_mark", "anchor", "size", "merges")

    def __init__(self, value: dict | list, anchor: str | None):
        self.value: Any = value  # a dict or a list: `is_list` says which, cheaper than isinstance
        self.is_list = isinstance(value, list)
        self.marks: Any = [] if self.is_list else {}  # positions, as in YamlDocument
        self.key: Any = _NO_KEY
        self.key_mark = 0
        self.anchor = anchor
        self.size = 1  # values in this subtree once aliases are expanded
        self.merges: list[tuple[dict, int]] = []  # `<<: *defaults` sources, applied at the end


def parse_yaml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[YamlDocument | None, list]:
    """Parse one YAML document from UTF-8 bytes.

    Returns the document (None when nothing usable could be read, e.g. an empty file) and every
    problem found: duplicate keys are reported and parsing goes on (the first value is kept);
    syntax errors and exceeded limits stop the parse of this file.
    """
    text_error = _check_text(data, limits)
    if text_error:
        return None, [text_error]
    builder = _Builder(data, limits)
    try:
        document = builder.build()
    except _Fatal as fatal:
        return None, [*builder.problems, fatal.problem]
    return document, builder.problems


def _check_text(data: bytes, limits: Limits) -> YamlProblem | None:
    """Refuse what is not a reasonably sized UTF-8 text file, before the parser sees it."""
    if len(data) > limits.max_bytes:
        return YamlProblem(
            0,
            0,
            f"file is {len(data):,} bytes, over the {limits.max_bytes:,}-byte limit; "
            "split the deck into several files",
        )
    if b"\0" in data:
        line, column = _position(data, data.index(b"\0"))
        return YamlProblem(line, column, "file contains NUL bytes: this is not a text file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line, column = _position(data, bad.start)
        return YamlProblem(
            line, column, f"byte 0x{data[bad.start]:02x} is not valid UTF-8; save the file as UTF-8"
        )
    return None


# What YAML (and so the parser's line numbers) counts as a line break.
_LINE_BREAKS = frozenset("\r\n\x85\u2028\u2029")


def _position(data: bytes, offset: int) -> Mark:
    """1-based line and column (in characters) of a byte offset."""
    offset = max(0, min(offset, len(data)))
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


class _Builder:
    """Turns the event stream of one document into a YamlDocument."""

    def __init__(self, data: bytes, limits: Limits):
        self.data = data
        self.limits = limits
        self.problems: list[YamlProblem] = []
        self.doc = YamlDocument()
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, size)
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0
        self.documents = 0
        self.events = 0  # events taken in so far

    def build(self) -> YamlDocument | None:
        try:
            self._parse(self.data)
        except yaml.MarkedYAMLError as error:
            self._look_again_before(error)
            raise _Fatal(*_syntax_error(error, self.data)) from None
        except yaml.YAMLError as error:  # a ReaderError: a character YAML forbids
            line, column = _position(self.data, getattr(error, "position", 0))
            raise _Fatal(line, column, _reader_error(error)) from None
        return self.doc if self.documents else None  # None: empty, or only comments

    def _parse(self, data: bytes, *, skip: int = 0) -> None:
        """Take in the events of `data`, after the first `skip` (taken in already)."""
        loader = _Loader(data)
        try:
            for _ in range(skip):
                loader.get_event()
            self._consume(loader.get_event)
        finally:
            loader.dispose()

    def _look_again_before(self, error: yaml.MarkedYAMLError) -> None:
        """Raise the problem our own checks find before the place where libyaml refused the file.

        libyaml's scanner reads ahead of the events it hands over, up to the end of the line (to
        tell whether `[a` starts a key, as in `[a]: b`), and libyaml 0.2.6 and later refuse
        more than 1,000 levels of nesting while doing so: on `[[[[…` that refusal would come
        before our depth limit sees the 51st `[`. So the file up to the refusal is parsed once
        more: that text ends there, the scanner hands over every event, and whatever our checks
        (or the parser) refuse before that place is the file's first problem, as it would be
        without the look-ahead. Only a line with enough `[` and `{` can hide nesting that deep,
        so other syntax errors cost nothing extra.
        """
        mark = error.problem_mark
        if mark is None:
            return
        text = self.data.decode("utf-8-sig")  # checked to be UTF-8 already
        end = mark.index  # libyaml counts characters, not the byte order mark
        line_start = end - mark.column
        if not (0 <= line_start <= end <= len(text)) or (
            line_start > 0 and text[line_start - 1] not in _LINE_BREAKS
        ):
            return  # not where we think it is: keep libyaml's word
        openers = text.count("[", line_start, end) + text.count("{", line_start, end)
        if len(self.stack) + openers <= self.limits.max_depth:
            return
        # The events taken in so far are the same in the shorter text: skip them, and go on.
        try:
            self._parse(text[:end].encode(), skip=self.events)
        except yaml.MarkedYAMLError as earlier:
            at = earlier.problem_mark
            if at is not None and (at.line, at.column) < (mark.line, mark.column):
                raise _Fatal(*_syntax_error(earlier, self.data)) from None
        # (a syntax error where the shorter text ends is only its end: libyaml's refusal stands)

    def _consume(self, get_event: Any) -> None:
        # The hot loop: a deck of 10,000 cards is ~350,000 events, so scalars (most of them) are
        # attached inline; everything rarer goes through a method.
        top = self.stack[-1] if self.stack else None  # the innermost open collection
        scalar, mapping_start, sequence_start = (
            ev.ScalarEvent,
            ev.MappingStartEvent,
            ev.SequenceStartEvent,
        )
        collection_end = (ev.MappingEndEvent, ev.SequenceEndEvent)
        maybe_not_text, no_key = _MAYBE_NOT_TEXT, _NO_KEY
        taken = 0  # events, counted in a local (cheaper than an attribute)
        try:
            while (event := get_event()) is not None:
                taken += 1
                kind = type(event)
                if kind is scalar:
                    text = event.value
                    if event.tag is not None or not event.implicit[0]:
                        value = self._quoted_or_tagged(event)
                    elif text and text[0] not in maybe_not_text:
                        value = text  # plain text, by far the most common case
                    else:
                        try:
                            value = plain_scalar(text)
                        except ValueError as error:  # an integer too long to use
                            raise _Fatal(*_at(event.start_mark), str(error)) from None
                        if type(value) in (int, float) and str(value) != text:
                            self.doc.respelled[_packed(event.start_mark)] = text
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (value, 1)
                    m = event.start_mark
                    position = (
                        m.line << _COLUMN_BITS | m.column
                    )  # _packed(m), inlined: it runs per scalar
                    if top is None:
                        self._add(value, position, 1)
                        continue
                    top.size += 1
                    if top.is_list:
                        top.value.append(value)
                        top.marks.append(position)
                    elif (key := top.key) is no_key:
                        top.key, top.key_mark = value, position
                    elif key in top.value or key == "<<":
                        self._set(top, value, position)
                    else:
                        top.value[key] = value
                        top.marks[key] = (top.key_mark, position)
                        top.key = no_key
                elif kind is mapping_start:
                    top = self._open(event, {})
                elif kind is sequence_start:
                    top = self._open(event, [])
                elif kind in collection_end:
                    top = self._close()
                elif kind is ev.AliasEvent:
                    self._alias(event)
                elif kind is ev.DocumentStartEvent:
                    self._start_document(event)
        finally:
            self.events += taken

    def _start_document(self, event: ev.DocumentStartEvent) -> None:
        self.documents += 1
        if self.documents > 1:
            raise _Fatal(
                *_at(event.start_mark),
                "a deck file holds one YAML document; remove the "
                "second `---` or move that deck to its own file",
            )

    def _quoted_or_tagged(self, event: ev.ScalarEvent) -> Any:
        if event.tag is None:  # quoted or block scalar: always text
            return event.value
        try:
            return _tagged_scalar(event.tag, event.value)
        except ValueError as error:
            raise _Fatal(*_at(event.start_mark), str(error)) from None

    def _open(self, event: ev.CollectionStartEvent, value: dict | list) -> _Open:
        if event.tag not in (None, "!", _STD + "map", _STD + "seq"):
            raise _Fatal(
                *_at(event.start_mark),
                f"the tag {_short_tag(event.tag)} is not allowed; "
                "decks use plain YAML mappings and lists",
            )
        if len(self.stack) >= self.limits.max_depth:
            raise _Fatal(
                *_at(event.start_mark),
                f"values are nested more than {self.limits.max_depth} "
                "levels deep; a deck never needs that",
            )
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        opened = _Open(value, event.anchor)
        self.stack.append(opened)
        self.doc._starts[id(value)] = _packed(event.start_mark)
        return opened

    def _close(self) -> _Open | None:
        closed = self.stack.pop()
        for source, mark in closed.merges:
            self._merge(closed, source, mark)
        if closed.is_list:
            self.doc._items[id(closed.value)] = closed.marks
        else:
            self.doc._keys[id(closed.value)] = closed.marks
        if closed.anchor is not None:
            self.open_anchors.discard(closed.anchor)
            self.anchors[closed.anchor] = (closed.value, closed.size)
        self._add(closed.value, self.doc._starts[id(closed.value)], closed.size)
        return self.stack[-1] if self.stack else None

    def _alias(self, event: ev.AliasEvent) -> None:
        name, mark = event.anchor, event.start_mark
        if name in self.open_anchors:
            raise _Fatal(*_at(mark), f"alias *{name} is used inside its own anchor &{name}")
        if name not in self.anchors:
            raise _Fatal(*_at(mark), f"alias *{name} has no matching anchor &{name} above it")
        value, size = self.anchors[name]
        self.alias_nodes += size
        if self.alias_nodes > self.limits.max_alias_nodes:
            raise _Fatal(
                *_at(mark),
                f"aliases expand to more than {self.limits.max_alias_nodes:,} "
                "values; write the values out or use fewer nested aliases",
            )
        # The same object is shared, not copied: memory stays small, and the budget above keeps
        # the work of validating every use of it bounded.
        self._add(value, _packed(mark), size)

    def _add(self, value: Any, mark: int, size: int) -> None:
        """Attach a finished value to the open collection, or make it the document's root."""
        if not self.stack:
            self.doc.data, self.doc._root_mark = value, mark
            return
        parent = self.stack[-1]
        parent.size += size
        if parent.is_list:
            parent.value.append(value)
            parent.marks.append(mark)
        elif parent.key is _NO_KEY:
            if isinstance(value, dict | list):
                raise _Fatal(
                    *_unpacked(mark), "a mapping key must be a plain value, not a collection"
                )
            parent.key, parent.key_mark = value, mark
        else:
            self._set(parent, value, mark)

    def _set(self, parent: _Open, value: Any, mark: int) -> None:
        key, key_mark = parent.key, parent.key_mark
        parent.key = _NO_KEY
        if key == "<<":  # a YAML merge key: `<<: *defaults` copies the keys not given here
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, dict) for source in sources):
                raise _Fatal(
                    *_unpacked(mark), "a merge key (<<) needs a mapping or a list of mappings"
                )
            parent.merges.extend((source, mark) for source in sources)
        elif key in parent.value:
            first_line = _unpacked(parent.marks[key][0])[0]
            self.problems.append(
                YamlProblem(
                    *_unpacked(key_mark),
                    f'duplicate key "{key}" (first given on line {first_line}); keep one of them',
                )
            )
        else:
            parent.value[key] = value
            parent.marks[key] = (key_mark, mark)

    def _merge(self, target: _Open, source: dict, mark: int) -> None:
        source_marks = self.doc._keys[id(source)]
        for key, value in source.items():
            if key not in target.value:
                target.value[key] = value
                target.marks[key] = source_marks.get(key, (mark, mark))


# What PyYAML was reading when the file ended, in an author's words.
_OPENERS = {
    "quoted scalar": "the quoted text that starts here",
    "flow sequence": "the [ list that starts here",
    "flow mapping": "the { mapping that starts here",
}


def _at_end_of_file(error: yaml.MarkedYAMLError, data: bytes) -> bool:
    """The parser hit the end of the file (so the real mistake is where something opened)."""
    if "end of stream" in (error.problem or ""):
        return True
    mark = error.problem_mark
    return mark is not None and mark.line >= len(data.rstrip().splitlines())


def _syntax_error(error: yaml.MarkedYAMLError, data: bytes) -> tuple[int, int, str]:
    context = error.context or ""
    opened = next((name for key, name in _OPENERS.items() if key in context), None)
    if opened and error.context_mark and _at_end_of_file(error, data):
        # an unclosed quote or bracket is found only at the end of the file: point where it opened
        line, column = _at(error.context_mark)
        return line, column, f"YAML syntax error: {opened} never ends; close it"
    mark = error.problem_mark or error.context_mark
    line, column = _at(mark) if mark else (0, 0)
    what = error.problem or "invalid YAML"
    context = f" ({error.context})" if error.context else ""
    return line, column, f"YAML syntax error: {what}{context}; check the indentation and quoting"


def _reader_error(error: yaml.YAMLError) -> str:
    character = getattr(error, "character", None)
    if isinstance(character, int):
        return f"character U+{character:04X} is not allowed in YAML; delete it"
    return "the file contains characters YAML does not allow; save it as plain UTF-8 text"
