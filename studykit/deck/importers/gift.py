"""Moodle GIFT import: parse a question bank the way Moodle's own importer reads it.

Questions are separated by blank lines; `//` lines are comments; `::Title::` names a question;
`$CATEGORY: path` starts a category; a backslash makes ~ = # { } : and itself literal, and `\\n`
is a line break. What is inside `{…}` decides the question type, in Moodle's order:

    {}  or {####feedback}       essay        -> flashcard (front, back = general feedback, up
                                                to a blank line and "Explanation: ", which
                                                starts the explanation)
    {#…}                        numerical    -> short when every answer is exact ({#4}, {#=4:0});
                                                skipped with a warning when it has a tolerance
    any ~                       multichoice  -> mcq when an answer starts with =, else multi
                                                (answers with a positive %weight% are right)
    = and ->                    matching     -> matching, or order when the left items are
                                                exactly "Step 1", "Step 2"… (studykit's export)
    T, TRUE, F, FALSE           true/false   -> true_false ({TRUE#if wrong#if right})
    otherwise                   short answer -> short

`#text` after an answer is its feedback; `####text` at the end is the general feedback, which
becomes the explanation. A question without braces is a description and is skipped with a
warning. Losses (per-answer feedback on short answers, partial credit, matching distractors) are
reported as warnings, never silently. Partial credit is never full credit: a partly right
answer (`~%25%Bethlehem`, `=%50%half`) is graded wrong (an mcq keeps it as a choice with its
feedback; a short answer does not accept it, and its feedback goes into the explanation).

Text in `[html]` becomes the card text's Markdown subset, `[markdown]` is kept as written, and
`[plain]` is escaped where it would read as markup (`moodle_text`).

A broken question is skipped with a warning naming its file:line:column, and the next one is
read, as Moodle does. A `{` never closed runs on past blank lines (an answer block may span one)
until the braces even out; when that block fails, the '{' is named and what follows its first
blank line is read again as questions of their own.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from studykit.deck.export.gift import FLASHCARD_EXPLANATION, FLASHCARD_EXPLANATION_BLOCK
from studykit.deck.importers import WHITESPACE, BankError, Draft, Parsed, Warnings, iter_lines
from studykit.deck.importers.moodle_text import (
    html_to_card_text,
    markdown_to_card_text,
    plain_to_card_text,
)
from studykit.deck.model import LETTERS

_SPECIALS = "~=#{}:"
# Escaped specials become placeholders while the structure is parsed, as Moodle's importer
# does, and turn back into the literal characters in the final text. The placeholders are lone
# surrogates: text read from a UTF-8 file (or a deck's YAML) can never hold one, whereas a
# private-use character (an icon font's glyph) can, and would come back as "~".
_HIDE = {c: chr(0xD800 + i) for i, c in enumerate(_SPECIALS)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})

_FORMAT_MARKER = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-*)([0-9]{1,2}\.?[0-9]*)%")
# Where studykit's export starts a flashcard's explanation (either joint, the first one found).
_EXPLANATION = re.compile(
    "|".join(re.escape(j) for j in (FLASHCARD_EXPLANATION_BLOCK, FLASHCARD_EXPLANATION))
)
_CONTEXT_PREFIX = re.compile(r"^\$[a-z0-9]+\$/(top(/|$))?")
# A numerical answer studykit can grade: a number with no tolerance (4, 4:0, -1.5:0.0).
_EXACT_NUMBER = re.compile(r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(?:\s*:\s*0*\.?0*)?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_STEP_LABEL = "Step {}"
_LABEL_LENGTH = 40


_ESCAPE = re.compile(r"\\(.)")  # a backslash and the character after it
# Escapes that stand for one character; any other backslash is kept as written (LaTeX \alpha).
_ONE_CHAR = {**_HIDE, "n": "\n", "\\": "\\"}


def _decode(line: str) -> str:
    """A line with its escapes decoded: `\\~` hidden, `\\n` a line break, `\\\\` a backslash."""
    if "\\" not in line:
        return line
    return _ESCAPE.sub(lambda m: _ONE_CHAR.get(m[1], m[0]), line)


def _raw_index(line: str, decoded_index: int) -> int:
    """Where in `line` (as written) the character at `decoded_index` of `_decode(line)` comes
    from; an escape's character comes from its backslash."""
    shrunk = 0  # characters the escapes before this point took out
    for match in _ESCAPE.finditer(line):
        if match.start() - shrunk > decoded_index:
            break
        if match[1] in _ONE_CHAR:
            if match.start() - shrunk == decoded_index:
                return match.start()
            shrunk += 1
    return decoded_index + shrunk


@dataclass
class _Line:
    """One line of a block as written: where its decoded text starts in the block's text."""

    offset: int  # in the block's full text
    number: int  # 1-based line of the file
    indent: int  # characters stripped from its start
    written: str  # stripped, escapes not yet decoded


@dataclass
class _Block:
    """One question's lines, comments dropped, escapes decoded, joined by "\n".

    Positions are worked out only when a message needs one (`where`), from the lines as written:
    a table with an entry per character would cost a hundred times the bank's size.
    """

    text: str
    lines: list[_Line]
    starts: list[int]  # each line's offset, for bisecting
    skip: int = 0  # `text` starts this far into the text the lines describe
    # Where the first blank line crossed inside an open '{' was: (offset in text, line number).
    blank_inside_answers: tuple[int, int] | None = None
    # Every blank line crossed inside an open '{', as the index in `lines` of the line after it.
    breaks: tuple[int, ...] = ()

    def where(self, offset: int) -> tuple[int, int]:
        """(line, column) in the file of `text[offset]`; a line break between two lines is
        placed on the last character of the first, an offset past the end on the last one."""
        total = len(self.text) + self.skip
        offset = min(max(offset + self.skip, self.skip), total - 1) if total else 0
        k = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        line = self.lines[k]
        end = self.starts[k + 1] - 1 if k + 1 < len(self.lines) else total
        index = min(offset - line.offset, end - line.offset - 1)
        return line.number, line.indent + _raw_index(line.written, index) + 1

    def tail(self, start: int) -> _Block:
        """The block from `text[start]` on, positions kept."""
        return _Block(
            self.text[start:],
            self.lines,
            self.starts,
            self.skip + start,
            self.blank_inside_answers,
            self.breaks,
        )

    def after_first_break(self) -> list[_Block]:
        """What follows this block's first blank line, split at every blank line (as Moodle
        splits questions): read again when an unclosed '{' swallowed it."""
        if not self.breaks:
            return []
        cuts = [*self.breaks, len(self.lines)]
        pieces = []
        for first, end in zip(cuts, cuts[1:], strict=False):
            if first >= end:
                continue
            base = self.lines[first].offset
            # offsets count from the whole block's start, `skip` before self.text's first char
            whole = len(self.text) + self.skip
            until = self.lines[end].offset - 1 if end < len(self.lines) else whole
            lines = [
                _Line(line.offset - base, line.number, line.indent, line.written)
                for line in self.lines[first:end]
            ]
            text = self.text[base - self.skip : until - self.skip]
            pieces.append(_Block(text, lines, [line.offset for line in lines]))
        return pieces


def _blocks(text: str) -> Iterator[_Block]:
    """Split the file into questions at blank lines (but not inside an open answer block).

    Linear in the file: each line is decoded once, and the braces still open are counted as lines
    arrive, so a `{` never closed costs no more than any other question.
    """
    pieces: list[str] = []
    lines: list[_Line] = []
    length = 0  # of "\n".join(pieces)
    depth = 0  # '{' minus '}' so far in this block (escaped braces are hidden, so not counted)
    blank_inside: tuple[int, int] | None = None
    breaks: list[int] = []

    for number, raw in enumerate(iter_lines(text), start=1):
        line = raw.strip(WHITESPACE)
        if not line:
            if depth <= 0:
                if pieces:
                    starts = [entry.offset for entry in lines]
                    joined = "\n".join(pieces)
                    yield _Block(joined, lines, starts, 0, blank_inside, tuple(breaks))
                pieces, lines, length, depth, blank_inside, breaks = [], [], 0, 0, None, []
            else:
                if blank_inside is None:
                    blank_inside = (length, number)
                if not breaks or breaks[-1] != len(lines):
                    breaks.append(len(lines))
            continue
        if line.startswith("//"):
            continue
        decoded = _decode(line)
        if pieces:
            length += 1  # the "\n" that joins it to the line before
        lines.append(_Line(length, number, len(raw) - len(raw.lstrip(WHITESPACE)), line))
        pieces.append(decoded)
        length += len(decoded)
        depth += decoded.count("{") - decoded.count("}")
    if pieces:
        starts = [entry.offset for entry in lines]
        yield _Block("\n".join(pieces), lines, starts, 0, blank_inside, tuple(breaks))


def _restore(value: str) -> str:
    return value.translate(_SHOW).strip(WHITESPACE)


def _format(value: str, default: str) -> str:
    """The text format a piece is written in: its own [marker], else the question's."""
    marker = _FORMAT_MARKER.match(value.strip(WHITESPACE))
    return marker[1] if marker else default


def _back_and_explanation(general: str) -> tuple[str, str]:
    """An essay's general feedback as a flashcard's back and explanation (empty when none)."""
    joint = _EXPLANATION.search(general)
    if joint is None:
        return general, ""
    return general[: joint.start()], general[joint.end() :]


def _text(
    value: str, default_format: str = "moodle", warn: Callable[[str], None] | None = None
) -> str:
    """A piece of question, answer or feedback text as card text. Like Moodle, a leading
    [format] marker is dropped, and a piece without one is in the question's format; `warn`
    hears what a conversion drops."""
    value = value.strip(WHITESPACE)
    marker = _FORMAT_MARKER.match(value)
    if marker:
        value = value[marker.end() :]
    written_in = marker[1] if marker else default_format
    if written_in == "html":
        return _restore(html_to_card_text(value, warn or (lambda _: None)))
    value = _restore(value)
    if written_in == "markdown":
        return markdown_to_card_text(value).strip(WHITESPACE)
    if written_in == "plain":
        return plain_to_card_text(value)
    return value


def _split(answers: str, markers: str) -> tuple[str, list[tuple[str, str, int]]]:
    """Split an answer block at each marker character: (text before the first marker,
    [(marker, piece, offset of the marker in `answers`)])."""
    at = [match.start() for match in re.finditer(f"[{re.escape(markers)}]", answers)]
    if not at:
        return answers, []
    ends = [*at[1:], len(answers)]
    pieces = [(answers[i], answers[i + 1 : j], i) for i, j in zip(at, ends, strict=True)]
    return answers[: at[0]], pieces


def _indent(value: str) -> int:
    return len(value) - len(value.lstrip(WHITESPACE))


def _weight(piece: str) -> tuple[float | None, str]:
    """A leading %weight% as a fraction (0.5 for %50%), and the rest of the piece."""
    stripped = piece.strip(WHITESPACE)
    match = _WEIGHT.match(stripped)
    if match is None:
        return None, stripped
    value = float(match[2]) / 100
    return (-value if match[1] else value), stripped[match.end() :]


def _feedback(
    piece: str, default_format: str, warn: Callable[[str], None] | None = None
) -> tuple[str, str]:
    """Split `answer#feedback` into the answer's text and its feedback ('' when absent)."""
    text, _, feedback = piece.partition("#")
    return _text(text, default_format, warn), _text(feedback, default_format, warn)


class _Question:
    """Parses one block. Errors and warnings name the file, the line and the question."""

    def __init__(self, block: _Block, source: str, warnings: list[str]):
        self.block, self.source, self.warnings = block, source, warnings
        first_line = _restore(block.text.split("\n", 1)[0])
        self.label = f'"{first_line[:_LABEL_LENGTH]}"'
        self.format = "moodle"  # the question text's format, which its answers inherit

    def at(self, offset: int) -> tuple[int, int]:
        return self.block.where(offset)

    def error(self, offset: int, message: str) -> BankError:
        line, column = self.at(offset)
        return BankError(self.source, line, column, f"question {self.label}: {message}")

    def warn(self, message: str) -> None:
        line, _ = self.at(0)
        self.warnings.append(f"{self.source}:{line}: question {self.label}: {message}")

    def parse(self, category: str | None) -> Draft | None:
        """The question as a Draft, or None when it is skipped (with a warning)."""
        text = self.block.text
        start = len(text) - len(text.lstrip(WHITESPACE))
        title = None
        if text.startswith("::", start):
            end = text.find("::", start + 2)
            if end < 0:
                raise self.error(start, "the title opened with '::' is never closed; add '::'")
            # A '{' in the title ran the block on past a blank line: the '::' found there is
            # the next question's, and must not swallow it.
            blank = self.block.blank_inside_answers
            if blank is not None and start < blank[0] - self.block.skip <= end:
                raise self.error(
                    start,
                    f"the title opened with '::' is never closed before the blank line at "
                    f"line {blank[1]}; add '::'",
                )
            title = _restore(text[start + 2 : end]) or None
            start = end + 2
        if title:
            self.label = f'"{title}"'

        opening, closing = text.find("{", start), text.find("}", start)
        if opening < 0 and closing < 0:
            preview = " ".join(_text(text[start:]).split())
            if not title:
                self.label = f'"{preview[:_LABEL_LENGTH]}"'
            self.warn("has no answers (a Moodle description); skipped")
            return None
        if closing < 0:
            raise self.error(opening, "'{' is never closed; end the answers with '}'")
        if opening < 0 or closing < opening:
            raise self.error(closing, "'}' without an opening '{'; write \\} for a literal brace")
        nested = text.find("{", opening + 1, closing)
        self._check_closed_before_blank(opening, nested)
        if nested >= 0:
            raise self.error(nested, "'{' inside the answers; write \\{ for a literal brace")
        after = text[closing + 1 :]
        stray = min((i for i in (after.find("{"), after.find("}")) if i >= 0), default=-1)
        if stray >= 0:
            raise self.error(
                closing + 1 + stray,
                "a second answer block; GIFT allows one per question (write \\{ for a brace)",
            )

        # Moodle's missing-word form: text after the answers means the answers fill a blank.
        before = text[start:opening]
        self.format = _format(before, "moodle")
        dropped: list[str] = []  # said once the question's label is known
        question = _text(
            before + ("_____" + after if after.strip(WHITESPACE) else ""),
            self.format,
            dropped.append,
        )
        if not title:
            self.label = f'"{" ".join(question.split())[:_LABEL_LENGTH]}"'
        for message in dropped:
            self.warn(message)
        if not question:
            raise self.error(start, "has no question text before '{'")

        answers = text[opening + 1 : closing]
        offset = opening + 1
        general = ""
        split = answers.rfind("####")
        if split >= 0:
            general = _text(answers[split + 4 :], self.format, self.warn)
            answers = answers[:split]
        card = self._card(question, answers, offset, general)
        if card is None:
            return None
        line, _ = self.at(0)
        return Draft(line=line, label=self.label, card=card, title=title, category=category)

    def _check_closed_before_blank(self, opening: int, nested: int) -> None:
        """A '{' left open runs on past blank lines into the questions after it, until their
        braces make the count even; name that '{' rather than the next question's."""
        blank = self.block.blank_inside_answers
        if nested >= 0 and blank is not None and opening < blank[0] - self.block.skip <= nested:
            raise self.error(
                opening,
                f"'{{' is never closed before the blank line at line {blank[1]}; "
                "end the answers with '}'",
            )

    def _card(self, question: str, answers: str, offset: int, general: str) -> dict | None:
        body = answers.strip(WHITESPACE)
        if not body:
            if not general:
                self.warn("is an essay without general feedback, so it has no answer; skipped")
                return None
            back, explanation = _back_and_explanation(general)
            if not back.strip(WHITESPACE):
                back, explanation = general, ""
            return {
                "kind": "flashcard",
                "front": question,
                "back": back.strip(WHITESPACE),
                "explanation": explanation.strip(WHITESPACE),
            }
        if body.startswith("#"):
            return self._numerical(question, answers, offset, general)
        if "~" in body:
            return self._choice(question, answers, offset, general)
        if "=" in body and "->" in body:
            return self._matching(question, answers, offset, general)
        head = body.split("#", 1)[0].strip(WHITESPACE)
        if head in _TRUE_FALSE:
            return self._true_false(question, body, general)
        return self._short(question, answers, offset, general)

    def _choice(self, question: str, answers: str, offset: int, general: str) -> dict | None:
        lead, pieces = _split(answers, "~=")
        if lead.strip(WHITESPACE):
            raise self.error(
                offset + _indent(lead),
                f'answer "{_restore(lead)}" has no "=" or "~" in front; mark it',
            )
        single = any(marker == "=" for marker, _, _ in pieces)
        choices: list[dict[str, str]] = []
        right: list[int] = []
        for marker, piece, at in pieces:
            weight, rest = (1.0, piece) if marker == "=" else _weight(piece)
            text, why = _feedback(rest, self.format, self.warn)
            if not text:
                raise self.error(offset + at, f"an empty answer after '{marker}'; remove it")
            if single and marker == "~" and weight and weight > 0:
                self.warn(
                    f'"{text}" is worth {_percent(weight)} in the bank; studykit has no partial '
                    "credit, so it is a wrong choice (its feedback is kept)"
                )
            is_right = marker == "=" if single else (weight or 0) > 0
            if is_right:
                right.append(len(choices))
            choices.append({"text": text, "why": why} if why else {"text": text})
        if len(choices) < 2:
            raise self.error(offset - 1, "a choice question needs at least two answers")
        if len(choices) > len(LETTERS):
            raise self.error(offset - 1, f"has {len(choices)} answers; studykit allows at most 26")
        if not right:
            raise self.error(
                offset - 1, "no answer has a positive weight; mark the right ones like ~%50%answer"
            )
        if single and len(right) > 1:
            self.warn(
                "several answers are fully right in a single-answer question; studykit's "
                "mcq has one right choice, so it was skipped"
            )
            return None
        if single:
            return {
                "kind": "mcq",
                "question": question,
                "choices": choices,
                "answer": LETTERS[right[0]],
                "explanation": general,
            }
        return {
            "kind": "multi",
            "question": question,
            "choices": choices,
            "answers": [LETTERS[i] for i in right],
            "explanation": general,
        }

    def _matching(self, question: str, answers: str, offset: int, general: str) -> dict:
        lead, pieces = _split(answers, "=")
        if lead.strip(WHITESPACE):
            raise self.error(
                offset + _indent(lead), f'"{_restore(lead)}" comes before the first "="; remove it'
            )
        pairs = []
        for _, piece, at in pieces:
            if "->" not in piece:
                raise self.error(
                    offset + at, f'matching answer "{_restore(piece)}" has no "->"; write a -> b'
                )
            left, _, right = piece.partition("->")
            left, right = _text(left, self.format, self.warn), _restore(right)
            if not right:
                raise self.error(offset + at, f'"{left} ->" matches nothing; add the right item')
            if not left:
                self.warn(f'the extra right-hand answer "{right}" (a distractor) was dropped')
                continue
            pairs.append({"left": left, "right": right})
        if len(pairs) < 2:
            raise self.error(offset - 1, "a matching question needs at least two pairs")
        if [p["left"] for p in pairs] == [_STEP_LABEL.format(n) for n in range(1, len(pairs) + 1)]:
            steps = [p["right"] for p in pairs]
            return {"kind": "order", "prompt": question, "steps": steps, "explanation": general}
        return {"kind": "matching", "prompt": question, "pairs": pairs, "explanation": general}

    def _true_false(self, question: str, body: str, general: str) -> dict:
        head, if_wrong, if_right = ([*body.split("#", 2), "", ""])[:3]
        answer = _TRUE_FALSE[head.strip(WHITESPACE)]
        wrong = _text(if_wrong, self.format, self.warn) or None
        right = _text(if_right, self.format, self.warn) or None
        return {
            "kind": "true_false",
            "statement": question,
            "answer": answer,
            "why_true": right if answer else wrong,
            "why_false": wrong if answer else right,
            "explanation": general,
        }

    def _short(
        self, question: str, answers: str, offset: int, general: str, numeric: bool = False
    ) -> dict | None:
        lead, pieces = _split(answers, "=")
        # Moodle reads text before the first "=" as an answer too ({Paris} is a short answer).
        entries = ([("", lead, 0)] if lead.strip(WHITESPACE) else []) + pieces
        accepted, notes = [], []
        for _, piece, at in entries:
            weight, rest = _weight(piece)
            text, feedback = _feedback(rest, self.format, self.warn)
            if not text:
                raise self.error(offset + at, "an empty answer after '='; remove it")
            if numeric:
                exact = _EXACT_NUMBER.fullmatch(text)
                if exact is None:
                    self.warn(
                        f'is a numerical question whose answer "{text}" is not one exact '
                        "number (a tolerance or a range), which studykit cannot grade; skipped"
                    )
                    return None
                text = exact[1]
            if weight is not None and weight <= 0:
                self.warn(f'the wrong answer "{text}" was dropped (studykit lists right ones)')
            elif weight is not None and weight < 1:
                # Never full credit for a partly right answer: it is not accepted.
                self.warn(
                    f'"{text}" is worth {_percent(weight)} in the bank; studykit has no partial '
                    "credit, so it is not accepted (its feedback goes into the explanation)"
                )
                notes.append(f'Partly right ({_percent(weight)}) "{text}": {feedback or "-"}')
                continue
            else:
                accepted.append(text)
            if feedback:
                notes.append(f'Feedback for "{text}": {feedback}')
        return self._short_card(question, accepted, notes, offset, general)

    def _short_card(
        self, question: str, accepted: list[str], notes: list[str], offset: int, general: str
    ) -> dict:
        if notes:
            self.warn("per-answer feedback moved into the explanation")
        if not accepted:
            raise self.error(offset - 1, "no answer is accepted; give at least one =answer")
        explanation = "\n\n".join(part for part in (general, "\n".join(notes)) if part)
        return {
            "kind": "short",
            "question": question,
            "answers": accepted,
            "explanation": explanation,
        }

    def _numerical(self, question: str, answers: str, offset: int, general: str) -> dict | None:
        """An exact number ({#4}, {#=4:0}) is a short answer; a tolerance or range has no
        studykit form, so such a question is skipped."""
        hash_at = answers.index("#")
        body = answers[hash_at + 1 :]
        other = body.find("~")  # {#=4 ~#feedback for any other number}
        other_feedback = _text(
            body[other + 1 :].lstrip(WHITESPACE).removeprefix("#"), self.format, self.warn
        )
        body = body if other < 0 else body[:other]
        short = self._short(question, body, offset + hash_at + 1, general, numeric=True)
        if short is None:
            return None
        if other >= 0 and other_feedback:
            note = f"Feedback for any other answer: {other_feedback}"
            short["explanation"] = "\n".join(p for p in (short["explanation"], note) if p)
        self.warn("is a numerical question; imported as a short answer matching the exact text")
        return short


def _percent(weight: float) -> str:
    return f"{weight * 100:g}%"


def _category(path: str) -> str:
    """`$course$/top/Unit 1/Backprop` -> `Unit 1/Backprop` (the export adds the prefix back)."""
    return _CONTEXT_PREFIX.sub("", path.strip(WHITESPACE)).strip(WHITESPACE) or "top"


def parse_gift(text: str, source: str) -> Parsed:
    """Every question of a GIFT file, in order, with its category."""
    parsed = Parsed()
    parsed.drafts.extend(iter_gift(text, source, parsed.warnings))
    return parsed


def iter_gift(text: str, source: str, warnings: list[str]) -> Iterator[Draft]:
    """The questions of a GIFT file one at a time, adding to `warnings` as they are read; a
    broken question is skipped with its warning."""
    category: str | None = None
    for whole in _blocks(text):
        pending = [whole]
        while pending:
            block = pending.pop(0)
            if block.text.startswith("$CATEGORY:"):
                # The category is its first line; a question written right under it (no blank
                # line between, which Moodle would fold into the category name) is still read.
                end = block.text.find("\n")
                end = len(block.text) if end < 0 else end
                category = _category(_restore(block.text[len("$CATEGORY:") : end]))
                if not block.text[end:].strip(WHITESPACE):
                    continue
                block = block.tail(end + 1)
            try:
                draft = _Question(block, source, warnings).parse(category)
            except BankError as error:
                if isinstance(warnings, Warnings):
                    warnings.skip(error)
                else:
                    warnings.append(f"{error}; skipped")
                # A '{' left open ran on past a blank line: what followed is read again.
                pending = block.after_first_break() + pending
                continue
            if draft is not None:
                yield draft
