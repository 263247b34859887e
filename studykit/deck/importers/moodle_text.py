"""Moodle's text formats as studykit card text (the Markdown subset of `studykit.deck.markup`).

A GIFT text may start with a format marker, and Moodle renders each format differently:

    [html]       HTML              -> the subset: <b>/<strong> **, <i>/<em> *, <code> `…`,
                                      <pre> a fenced block, <a href> a link, <ul>/<ol> lists,
                                      <p>/<br> paragraphs and line breaks, entities decoded;
                                      every <img>, <script> and <style> is dropped with a
                                      warning (cards hold text)
    [markdown]   Markdown          -> kept as written: it is already card text (Moodle's
                                      two-space line breaks and &lt; &gt; &amp; outside code
                                      are read as Moodle shows them)
    [plain]      plain text        -> escaped where the subset would read markup into it
    [moodle]     Moodle auto-format-> kept as written, like text without a marker, which is
                                      what studykit's own GIFT export writes

    html_to_card_text("<p>Use <b>zero_grad()</b></p>", warn=print)  # "Use **zero\\_grad()**"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from studykit.deck.markup import escape_line, parse

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]])")  # what the subset could read as inline markup
_BLOCKS = {"p", "div", "blockquote", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
_STRONG, _EMPHASIS = {"b", "strong"}, {"i", "em"}
_CODE = {"code", "tt", "kbd", "samp"}
_SKIPPED = {"script", "style", "head", "title"}
_LINK_SCHEMES = ("https://", "http://", "mailto:")
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
# What starts a block when it opens a line; the backslash goes before its last character.
_BLOCK_START = re.compile(r"[-+*#>=]|\d{1,9}[.)]")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_CODE_OR_TEXT = re.compile(r"(```.*?```|`+[^`]*`+)", re.S)
_MOODLE_ENTITIES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}


def plain_to_card_text(text: str) -> str:
    """Plain text as card text that shows exactly these characters."""
    escaped = "\n".join(escape_line(line) for line in text.split("\n"))
    return text if parse(text) == parse(escaped) else escaped


def markdown_to_card_text(text: str) -> str:
    """Moodle Markdown as card text: its source, with Moodle's two-space hard line breaks as
    plain line breaks (card text keeps every line break) and &lt; &gt; &amp; outside code as
    the characters Moodle shows."""
    text = _TRAILING_SPACES.sub("\n", text)
    pieces = _CODE_OR_TEXT.split(text)
    for i in range(0, len(pieces), 2):  # even pieces are outside code
        for entity, char in _MOODLE_ENTITIES.items():
            pieces[i] = pieces[i].replace(entity, char)
    return "".join(pieces)


def html_to_card_text(text: str, warn: Callable[[str], None]) -> str:
    """Moodle HTML as card text; `warn` is told about everything dropped (images)."""
    converter = _HtmlToMarkdown(warn)
    converter.feed(text)
    converter.close()
    return converter.result()


class _HtmlToMarkdown(HTMLParser):
    def __init__(self, warn: Callable[[str], None]):
        super().__init__(convert_charrefs=True)
        self.warn = warn
        self.blocks: list[str] = []
        self.inline: list[str] = []  # the paragraph (or list item) being written
        self.open_marks: list[tuple[str, int]] = []  # (marker, where it sits in `inline`)
        self.lists: list[list[int]] = []  # [ordered, next number, items so far] per open list
        self.items: list[str] = []  # the lines of the outermost open list
        self.links: list[tuple[str, int]] = []  # (href, where its words start in `inline`)
        self.raw: list[str] | None = None  # the text of an open <code> or <pre>
        self.pre = False
        self.language = ""
        self.skipping = 0
        self.line_start = True  # nothing but spaces written on this line yet

    # --- the tag events ---

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in _SKIPPED:
            self.skipping += 1
            if tag in ("script", "style"):
                self.warn(f"a <{tag}> was dropped; card text holds no {tag}s")
        elif tag == "img":  # even inside code: nothing dropped goes unsaid
            about = attributes.get("alt") or attributes.get("src") or "no description"
            self.warn(f'an image ("{about[:60]}") was dropped; card text holds no images')
        elif self.raw is not None:
            if tag == "br":
                self.raw.append("\n")
            elif tag == "code" and self.pre:
                self.language = self.language or _language(attributes.get("class", ""))
        elif tag == "pre":
            self._end_paragraph()
            self.raw, self.pre = [], True
            self.language = _language(attributes.get("class", ""))
        elif tag in _CODE:
            self.raw = []
        elif tag == "br":
            self.inline.append("\n")
            self.line_start = True
        elif tag in _BLOCKS and not self.lists:
            self._end_paragraph()
        elif tag in ("ul", "ol"):
            if not self.lists:
                self._end_paragraph()
            else:
                self._end_item()
            start = attributes.get("start", "")
            self.lists.append([tag == "ol", int(start) if start.isdigit() else 1, 0])
        elif tag == "li" and self.lists:
            self._end_item()
        elif tag in _STRONG | _EMPHASIS:
            self.open_marks.append(("**" if tag in _STRONG else "*", len(self.inline)))
        elif tag == "a":
            self.links.append((attributes.get("href", "").strip(), len(self.inline)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre" and self.raw is not None and self.pre:
            code = "".join(self.raw).strip("\n")
            self.raw, self.pre = None, False
            fence = "`" * max(3, _longest_run(code) + 1)
            self.blocks.append(f"{fence}{self.language}\n{code}\n{fence}")
        elif tag in _CODE and self.raw is not None and not self.pre:
            code = " ".join("".join(self.raw).split())
            self.raw = None
            if code:
                ticks = "`" * (_longest_run(code) + 1)
                pad = " " if code.startswith("`") or code.endswith("`") else ""
                self.inline.append(f"{ticks}{pad}{code}{pad}{ticks}")
        elif self.raw is not None:
            return
        elif tag in _BLOCKS and not self.lists:
            self._end_paragraph()
        elif tag in ("ul", "ol") and self.lists:
            self._end_item()
            self.lists.pop()
            if not self.lists:
                self.blocks.append("\n".join(self.items))
                self.items = []
        elif tag == "li" and self.lists:
            self._end_item()
        elif tag in _STRONG | _EMPHASIS:
            self._close_mark("**" if tag in _STRONG else "*")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            words = "".join(self.inline[start:]).strip()
            del self.inline[start:]
            if href.startswith(_LINK_SCHEMES) and words:
                self.inline.append(f"[{words}](<{href.replace('>', '%3E')}>)")
            else:
                self.inline.append(words)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.raw is not None:
            self.raw.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        if self.line_start:
            text = text.lstrip(" ")
        escaped = _INLINE_SPECIAL.sub(r"\\\1", text)
        if self.line_start and (start := _BLOCK_START.match(escaped)):
            # "- x" or "1. x" at the start of a line would become a list
            cut = start.end() - 1
            escaped = f"{escaped[:cut]}\\{escaped[cut:]}"
        if escaped:
            self.inline.append(escaped)
            self.line_start = False

    # --- putting it together ---

    def _close_mark(self, marker: str) -> None:
        for k in range(len(self.open_marks) - 1, -1, -1):
            if self.open_marks[k][0] == marker:
                _, start = self.open_marks.pop(k)
                break
        else:
            return
        inner = "".join(self.inline[start:])
        del self.inline[start:]
        words = inner.strip(" ")
        if not words:  # <b> </b>: nothing to emphasise
            self.inline.append(inner)
            return
        lead = " " if inner.startswith(" ") else ""
        trail = " " if inner.endswith(" ") else ""
        self.inline.append(f"{lead}{marker}{words}{marker}{trail}")  # "** x**" is not emphasis

    def _paragraph_text(self) -> str:
        self.open_marks.clear()
        self.line_start = True
        lines = [" ".join(line.split()) for line in "".join(self.inline).split("\n")]
        self.inline = []
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        return "\n".join(lines)

    def _end_paragraph(self) -> None:
        text = self._paragraph_text()
        if text:
            self.blocks.append(re.sub(r"\n{2,}", "\n", text))

    def _end_item(self) -> None:
        text = self._paragraph_text()
        if not text or not self.lists:
            return
        ordered, number, _ = self.lists[-1]
        marker = f"{number}. " if ordered else "- "
        self.lists[-1][1] += 1
        self.lists[-1][2] += 1
        # nested under the items of the lists around it (a list opened outside any item is not)
        pad = "   " * sum(1 for outer in self.lists[:-1] if outer[2])
        body = text.replace("\n", "\n" + pad + " " * len(marker))
        self.items.append(f"{pad}{marker}{body}")

    def result(self) -> str:
        if self.raw is not None:  # an unclosed <code> or <pre>: keep its text
            self.inline.append(_INLINE_SPECIAL.sub(r"\\\1", "".join(self.raw)))
            self.raw = None
        while self.lists:
            self._end_item()
            self.lists.pop()
        if self.items:
            self.blocks.append("\n".join(self.items))
        self._end_paragraph()
        return "\n\n".join(block for block in self.blocks if block)


def _language(classes: str) -> str:
    match = _LANGUAGE.search(classes)
    return match[1] if match else ""


def _longest_run(code: str) -> int:
    return max((len(run) for run in re.findall(r"`+", code)), default=0)
