"""Card text on screen: its Markdown subset (deck/markup.py) as Textual Content.

Content is built span by span from the parsed text, never from markup strings, so a card that
says `[bold]` or `[link=…]` shows those characters: only the subset is read. Fenced code is
highlighted by Textual's own Pygments theme (theme variables, so it suits light and dark
themes) and indented under the text; a cloze card's gap and revealed answer (deck/cloze.py
marks them) are styled here.
"""

from __future__ import annotations

from textual.content import Content
from textual.highlight import highlight

from studykit.deck import cloze, markup

CODE = "$text-warning on $boost"
LINK = "underline $text-primary"
GAP = "bold reverse $accent"
ANSWER = "bold underline $text-success"
CODE_INDENT = "  "


def card_text(text: str, style: str = "") -> Content:
    """`text` as Content; `style` (e.g. "bold" for a question) goes under every paragraph."""
    blocks = markup.parse(text.strip())
    content = Content("\n\n").join(_block(block, style) for block in blocks)
    marked = cloze.GAP_START in text or cloze.ANSWER_START in text
    return _cloze_marks(content) if marked else content


def hang(content: Content, width: int, indent: int) -> Content:
    """`content` wrapped to `width` with every line after the first indented by `indent`, so a
    long choice lines up under its own first word rather than under its key."""
    if width < 20:  # not laid out yet, or too narrow to bother
        return content
    lines = []
    for line in content.split("\n", allow_blank=True):
        lines += line.wrap(width) or [Content("")]
    return Content("\n" + " " * indent).join(lines)


def _block(block: markup.Block, style: str) -> Content:
    if isinstance(block, markup.Paragraph):
        content = _inlines(block.inlines)
        return content.stylize_before(style) if style else content
    if isinstance(block, markup.CodeBlock):
        code = highlight(block.code or " ", language=block.language or "text")
        lines = code.split("\n", allow_blank=True)
        return Content("\n").join(Content.assemble(CODE_INDENT, line) for line in lines)
    items = []
    for n, item in enumerate(block.items, start=block.start):
        marker = f"{n}. " if block.ordered else "• "
        body = Content("\n").join(_block(b, style) for b in item)
        pad = "\n" + " " * len(marker)
        lines = body.split("\n", allow_blank=True)
        items.append(Content.assemble(marker, Content(pad).join(lines)))
    return Content("\n").join(items)


def _inlines(inlines: tuple[markup.Inline, ...]) -> Content:
    parts: list[Content | str | tuple[str, str]] = []
    for inline in inlines:
        if isinstance(inline, markup.Text):
            parts.append(inline.text)
        elif isinstance(inline, markup.Code):
            parts.append((inline.code, CODE))
        elif isinstance(inline, markup.Break):
            parts.append("\n")
        elif isinstance(inline, markup.Emphasis):
            parts.append(_inlines(inline.children).stylize_before("italic"))
        elif isinstance(inline, markup.Strong):
            parts.append(_inlines(inline.children).stylize_before("bold"))
        else:
            words = _inlines(inline.children).stylize_before(LINK)
            parts.append(words)
            if words.plain != inline.href:
                parts.append((f" ({inline.href})", "$text-muted"))
    return Content.assemble(*parts)


def _cloze_marks(content: Content) -> Content:
    """Style each marked gap or answer and drop the marks themselves."""
    for start_mark, end_mark, style in (
        (cloze.GAP_START, cloze.GAP_END, GAP),
        (cloze.ANSWER_START, cloze.ANSWER_END, ANSWER),
    ):
        while (start := content.plain.find(start_mark)) >= 0:
            end = content.plain.find(end_mark, start)
            if end < 0:
                end = len(content.plain)
            inner = content[start + 1 : end].stylize(style)
            content = Content.assemble(content[:start], inner, content[end + 1 :])
    return content
