"""Card text is a small Markdown subset: parsed once here, rendered by each screen and export.

The subset (docs/deck-format.md, "Text"):

    `inline code`                 *emphasis* or _emphasis_      **strong** or __strong__
    ```python                     - bullet lists (or * and +)   [a link](https://example.com)
    fenced code with a language   1. numbered lists             \\* a backslash keeps a character
    ```                                                           literal

Every line break is kept (Markdown would join the lines of a paragraph), and a blank line starts
a new paragraph. Nothing else is markup: a heading `#`, a quote `>`, a table, HTML such as `<b>`,
an image, an entity `&amp;` and Rich's `[bold]` are shown as written. A link must start with
`https://`, `http://` or `mailto:`; any other target is shown as text after the link's words.

    blocks = parse("Call `zero_grad()` **before** `backward()`")   # (Paragraph(...),)
    to_html(text)       # HTML, every character of the text escaped (Anki)
    to_markdown(text)   # the same text as Markdown any renderer reads alike (exports)
    to_plain(text)      # what it says without markup (lint, listings, grading)

The parser is markdown-it-py with only the subset's rules switched on, imported when a text
holds markup at all: text without any of the subset's characters takes a fast path that builds
the same tree, so plain cards cost nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Code:
    code: str


@dataclass(frozen=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Break:
    """A line break inside a paragraph."""


Inline = Union[Text, Code, Emphasis, Strong, Link, Break]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class CodeBlock:
    language: str  # "" when the fence names none
    code: str  # without the final line break


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    start: int  # the first number of an ordered list
    items: tuple[tuple[Block, ...], ...]


Block = Union[Paragraph, CodeBlock, ListBlock]  # noqa: UP007

LINK_SCHEMES = ("https://", "http://", "mailto:")

# A text holding none of these can hold no markup: backtick, star, underscore, bracket,
# backslash, tilde (a ~~~ fence), or a list marker opening a line. \r and NUL (which the parser
# normalises) and whitespace other than space, tab and newline (which it may strip) take the
# parser's path too.
_MAYBE_MARKUP = re.compile(
    r"[`*_\[\\~\r\x00]|[^\S \t\n]|^[ \t]*(?:[-+]|\d+[.)])(?:[ \t]|$)", re.MULTILINE
)
_LANGUAGE = re.compile(r"[\w+#.-]*")  # a fence's language: python, c++, c#, objective-c
_BLANK_LINE = re.compile(r"\n(?:[ \t]*\n)+")


def has_markup(text: str) -> bool:
    """Whether `text` may use the subset (False means it is certainly plain)."""
    return _MAYBE_MARKUP.search(text) is not None


@lru_cache(maxsize=4096)
def parse(text: str) -> tuple[Block, ...]:
    """The blocks of a card text (cached: screens render the same text again and again)."""
    if not has_markup(text):
        return _plain_blocks(text)
    return _blocks(_parser().parse(text))


def _plain_blocks(text: str) -> tuple[Block, ...]:
    """What the parser makes of text without markup: paragraphs at blank lines, each line
    stripped of surrounding spaces and tabs, a Break between lines."""
    blocks: list[Block] = []
    for chunk in _BLANK_LINE.split(text):
        lines = [line.strip(" \t") for line in chunk.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            continue
        inlines: list[Inline] = []
        for i, line in enumerate(lines):
            if i:
                inlines.append(Break())
            if line:
                inlines.append(Text(line))
        blocks.append(Paragraph(tuple(inlines)))
    return tuple(blocks)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # "zero" has only paragraphs and text; switch on the subset. breaks=True: every line break
    # counts (softbreak tokens), as card text always did. html=False: tags stay text.
    parser = MarkdownIt("zero", {"breaks": True, "html": False})
    return parser.enable(["fence", "list", "backticks", "emphasis", "link", "escape", "newline"])


def _blocks(tokens: list) -> tuple[Block, ...]:
    from markdown_it.tree import SyntaxTreeNode

    return _block_children(SyntaxTreeNode(tokens))


def _block_children(node: SyntaxTreeNode) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for child in node.children:
        if child.type == "paragraph":
            inline = child.children[0] if child.children else None
            inlines = _inlines(inline) if inline is not None else ()
            if inlines:
                blocks.append(Paragraph(inlines))
        elif child.type == "fence":
            language = (child.info or "").strip().split(" ")[0]
            if not _LANGUAGE.fullmatch(language):  # `python {.x}` or a stray backtick
                language = ""
            blocks.append(CodeBlock(language, child.content.removesuffix("\n")))
        elif child.type in ("bullet_list", "ordered_list"):
            start = child.attrs.get("start", 1)
            items = tuple(_block_children(item) for item in child.children)
            blocks.append(
                ListBlock(child.type == "ordered_list", int(start) if start else 1, items)
            )
    return tuple(blocks)


def _inlines(node: SyntaxTreeNode) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            _add_text(out, child.content)
        elif kind == "code_inline":
            out.append(Code(child.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(Break())
        elif kind == "em":
            out.append(Emphasis(_inlines(child)))
        elif kind == "strong":
            out.append(Strong(_inlines(child)))
        elif kind == "link":
            href = str(child.attrs.get("href", ""))
            words = _inlines(child)
            if href.lower().startswith(LINK_SCHEMES):
                out.append(Link(href, words))
            else:  # a relative or unknown target: the words, then the target as text
                for word in words:
                    _add_text(out, word.text) if isinstance(word, Text) else out.append(word)
                _add_text(out, f" ({href})")
    return tuple(out)


def _add_text(out: list[Inline], text: str) -> None:
    """Append text, joined to the text before it (escapes and links split runs of text)."""
    if not text:
        return
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].text + text)
    else:
        out.append(Text(text))


def uses_markup(text: str) -> bool:
    """Whether the text reads differently as the subset than as plain text (an escape counts)."""
    return has_markup(text) and parse(text) != _plain_blocks(text)


# --- plain text ---------------------------------------------------------------------------------


def to_plain(text: str) -> str:
    """The text without markup: code as written, emphasis dropped, a link as `words (url)`,
    list items as `- item` / `1. item`, paragraphs and blocks separated by a blank line."""
    return "\n\n".join(_plain_block(block) for block in parse(text))


def _plain_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return _plain_inlines(block.inlines)
    if isinstance(block, CodeBlock):
        return block.code
    lines = []
    for n, item in enumerate(block.items, start=block.start):
        marker = f"{n}. " if block.ordered else "- "
        body = "\n".join(_plain_block(b) for b in item)
        lines.append(marker + body.replace("\n", "\n" + " " * len(marker)))
    return "\n".join(lines)


def _plain_inlines(inlines: tuple[Inline, ...]) -> str:
    parts = []
    for inline in inlines:
        if isinstance(inline, Text):
            parts.append(inline.text)
        elif isinstance(inline, Code):
            parts.append(inline.code)
        elif isinstance(inline, Break):
            parts.append("\n")
        elif isinstance(inline, Link):
            words = _plain_inlines(inline.children)
            parts.append(words if words == inline.href else f"{words} ({inline.href})")
        else:
            parts.append(_plain_inlines(inline.children))
    return "".join(parts)


# --- HTML ---------------------------------------------------------------------------------------


def to_html(text: str) -> str:
    """The text as HTML: every character escaped, then the subset's markup as tags. One
    paragraph is bare inline HTML (line breaks as <br>); more blocks are <p>, <pre>, <ul>, <ol>."""
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        return _html_inlines(blocks[0].inlines)
    return "".join(_html_block(block) for block in blocks)


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_html_inlines(block.inlines)}</p>"
    if isinstance(block, CodeBlock):
        language = f' class="language-{html.escape(block.language)}"' if block.language else ""
        return f"<pre><code{language}>{html.escape(block.code)}</code></pre>"
    tag = "ol" if block.ordered else "ul"
    start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
    items = "".join(f"<li>{_html_item(item)}</li>" for item in block.items)
    return f"<{tag}{start}>{items}</{tag}>"


def _html_item(item: tuple[Block, ...]) -> str:
    # A tight item's single paragraph needs no <p> of its own.
    if len(item) == 1 and isinstance(item[0], Paragraph):
        return _html_inlines(item[0].inlines)
    return "".join(_html_block(block) for block in item)


def _html_inlines(inlines: tuple[Inline, ...]) -> str:
    parts = []
    for inline in inlines:
        if isinstance(inline, Text):
            parts.append(html.escape(inline.text))
        elif isinstance(inline, Code):
            parts.append(f"<code>{html.escape(inline.code)}</code>")
        elif isinstance(inline, Break):
            parts.append("<br>")
        elif isinstance(inline, Emphasis):
            parts.append(f"<em>{_html_inlines(inline.children)}</em>")
        elif isinstance(inline, Strong):
            parts.append(f"<strong>{_html_inlines(inline.children)}</strong>")
        else:
            href = html.escape(inline.href, quote=True)
            parts.append(f'<a href="{href}">{_html_inlines(inline.children)}</a>')
    return "".join(parts)


# --- Markdown ---------------------------------------------------------------------------------

# Characters any Markdown renderer may read as markup inside a line, escaped with a backslash.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# Moodle's Markdown Extra knows no backslash escape for < > & ~ (it would show the backslash):
# there `<` becomes an entity where it could open a tag, and the others need nothing.
_MOODLE_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_MOODLE_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
# Characters that start a block (list, heading, quote, setext underline) when they open a line.
_LINE_START_SPECIAL = re.compile(r"^(\s*)([-+=#>]|\d{1,9}(?=[.)](?:\s|$)))")
BACKSLASH_BREAK = HARD_BREAK = "\\\n"  # CommonMark's hard line break
SPACES_BREAK = "  \n"  # the hard break every dialect reads, Moodle's Markdown Extra too


def escape_line(line: str) -> str:
    """One line of plain text made literal in Markdown."""
    return _escape_line_start(_INLINE_SPECIAL.sub(r"\\\1", line))


def _escape_line_start(line: str) -> str:
    match = _LINE_START_SPECIAL.match(line)
    if match is None:
        return line
    lead, marker = match.groups()
    if marker[0].isdigit():  # "1. x" would start a list: escape the dot or paren instead
        cut = len(lead) + len(marker)
        return f"{line[:cut]}\\{line[cut:]}"
    return f"{lead}\\{line[len(lead) :]}"


def to_markdown(text: str, *, moodle: bool = False, indent: int = 0) -> str:
    """The text as Markdown that a renderer reads as the subset means it: the markup in one
    spelling (`*em*`, `**strong**`, `- item`, backtick fences), everything else escaped.

    CommonMark by default (line breaks as a backslash before the line end); `moodle=True` for
    Moodle's Markdown Extra (GIFT's `[markdown]`: two spaces before the line end, no backslash
    before < > & ~). `indent` indents every line after the first, to stay inside a list item."""
    rendered = _md_blocks(parse(text), moodle)
    return rendered.replace("\n", "\n" + " " * indent) if indent else rendered


def _md_blocks(blocks: tuple[Block, ...], moodle: bool) -> str:
    rendered = []
    alternate = False
    for i, block in enumerate(blocks):
        before = blocks[i - 1] if i else None
        # Two lists in a row would join into one unless the second changes its marker.
        alternate = (
            isinstance(block, ListBlock)
            and isinstance(before, ListBlock)
            and before.ordered == block.ordered
            and not alternate
        )
        rendered.append(_md_block(block, moodle, alternate))
    return "\n\n".join(rendered)


def _md_block(block: Block, moodle: bool, alternate: bool = False) -> str:
    if isinstance(block, Paragraph):
        lines = _md_inlines(block.inlines, moodle).split("\n")
        hard_break = SPACES_BREAK if moodle else BACKSLASH_BREAK
        return hard_break.join(_escape_line_start(line) for line in lines)
    if isinstance(block, CodeBlock):
        longest = max((len(run) for run in re.findall(r"`{3,}", block.code)), default=0)
        fence = "`" * max(3, longest + 1)
        body = block.code + "\n" if block.code else ""
        return f"{fence}{block.language}\n{body}{fence}"
    items = []
    for n, item in enumerate(block.items, start=block.start):
        if block.ordered:
            marker = f"{n}) " if alternate else f"{n}. "
        else:
            marker = "+ " if alternate else "- "
        body = _md_blocks(item, moodle)
        first, *rest = body.split("\n")
        pad = " " * len(marker)  # continuation lines stay inside the item
        items.append("\n".join([marker + first, *(pad + line if line else "" for line in rest)]))
    return "\n".join(items)


def _md_inlines(inlines: tuple[Inline, ...], moodle: bool) -> str:
    """Inline Markdown with "\\n" for each line break (the caller spells the break)."""
    special = _MOODLE_SPECIAL if moodle else _INLINE_SPECIAL
    parts = []
    for i, inline in enumerate(inlines):
        if isinstance(inline, Text):
            escaped = special.sub(r"\\\1", inline.text)
            if moodle:
                escaped = _MOODLE_TAG_START.sub("&lt;", escaped)
            if escaped.endswith("!") and isinstance(_next(inlines, i), Link):
                escaped = escaped[:-1] + "\\!"  # "![words](url)" would be an image
            parts.append(escaped)
        elif isinstance(inline, Code):
            parts.append(_md_code_span(inline.code))
        elif isinstance(inline, Break):
            parts.append("\n")
        elif isinstance(inline, Emphasis | Strong):
            delimiter = "*" if isinstance(inline, Emphasis) else "**"
            children = inline.children
            if len(children) == 1 and isinstance(children[0], Emphasis):
                # "**x**" and "***x***" would read as other nestings: the inner one takes _
                inner = _md_inlines(children[0].children, moodle)
                parts.append(f"{delimiter}_{inner}_{delimiter}")
            else:
                parts.append(f"{delimiter}{_md_inlines(children, moodle)}{delimiter}")
        else:
            href = inline.href.replace("<", "%3C").replace(">", "%3E")
            parts.append(f"[{_md_inlines(inline.children, moodle)}](<{href}>)")
    return "".join(parts)


def _next(inlines: tuple[Inline, ...], i: int) -> Inline | None:
    return inlines[i + 1] if i + 1 < len(inlines) else None


def _md_code_span(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    # A span that starts or ends with a backtick (or a space) needs a space inside its fence.
    # (A span of spaces alone is read as it is.)
    edges = code.startswith(("`", " ")) or code.endswith(("`", " "))
    pad = " " if edges and code.strip(" ") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"
