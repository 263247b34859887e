"""Card text's Markdown subset: what is markup, what stays text, and how each target writes it."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.deck import markup
from studykit.deck.markup import (
    Break,
    Code,
    CodeBlock,
    Emphasis,
    Link,
    ListBlock,
    Paragraph,
    Strong,
    Text,
    has_markup,
    parse,
    to_html,
    to_markdown,
    to_plain,
)


def test_the_subset_is_markup():
    assert parse("Call `zero_grad()` **first**, *then* [docs](https://pytorch.org)") == (
        Paragraph(
            (
                Text("Call "),
                Code("zero_grad()"),
                Text(" "),
                Strong((Text("first"),)),
                Text(", "),
                Emphasis((Text("then"),)),
                Text(" "),
                Link("https://pytorch.org", (Text("docs"),)),
            )
        ),
    )
    assert parse("```python\nx = 1\n```") == (CodeBlock("python", "x = 1"),)
    assert parse("- a\n- b") == (
        ListBlock(False, 1, ((Paragraph((Text("a"),)),), (Paragraph((Text("b"),)),))),
    )
    assert parse("3. c") == (ListBlock(True, 3, ((Paragraph((Text("c"),)),),)),)


@pytest.mark.parametrize(
    "literal",
    ["[bold]red[/bold]", "# not a heading", "> not a quote", "<b>not bold</b>", "&amp;",
     "| a | b |", "![no image]", "    not code"],
)  # fmt: skip
def test_everything_else_stays_text(literal):
    assert to_plain(literal) == literal.strip()


def test_every_line_break_is_kept_and_a_blank_line_starts_a_paragraph():
    assert parse("one\ntwo\n\nthree") == (
        Paragraph((Text("one"), Break(), Text("two"))),
        Paragraph((Text("three"),)),
    )


def test_a_link_to_anything_but_the_web_or_mail_is_text():
    assert parse("[run](javascript:alert(1))") == (
        Paragraph((Text("[run](javascript:alert(1))"),)),
    )
    assert to_plain("[notes](notes.md)") == "notes (notes.md)"
    assert to_html("[notes](notes.md)") == "notes (notes.md)"


def test_html_escapes_everything_then_adds_the_subset():
    assert to_html('Use `a<b>` & *"quotes"*\nnext') == (
        "Use <code>a&lt;b&gt;</code> &amp; <em>&quot;quotes&quot;</em><br>next"
    )
    assert to_html("Fix:\n\n```python\nif a < b:\n    pass\n```") == (
        '<p>Fix:</p><pre><code class="language-python">if a &lt; b:\n    pass</code></pre>'
    )
    assert to_html('[x](https://a.org/?q="1"&r=2)') == (
        '<a href="https://a.org/?q=%221%22&amp;r=2">x</a>'
    )


def test_markdown_writes_the_subset_and_escapes_the_rest():
    assert to_markdown("*em* and _em_, <b> # [x]") == "*em* and *em*, \\<b\\> # \\[x\\]"
    assert parse(to_markdown("_*both*_ and *_both_*")) == parse("_*both*_ and *_both_*")
    assert to_markdown("a\n# b") == "a\\\n\\# b"
    assert to_markdown("a\nb", moodle=True) == "a  \nb"
    assert to_markdown("a < b, <b>, R&D ~x~", moodle=True) == "a < b, &lt;b>, R&D ~x~"
    fence_in_code = "````\n```\n````"
    assert to_markdown(fence_in_code) == fence_in_code


def test_a_list_item_keeps_its_blocks_inside_it():
    text = "- step\n\n  ```python\n  x = 1\n  ```\n- next"
    assert to_markdown(text) == text
    assert parse(to_markdown(text, indent=2).replace("\n  ", "\n")) == parse(text)


# --- properties -------------------------------------------------------------------------------

# Text built from the characters that matter to the parser, and some that do not. Without `_`:
# emphasis nested in emphasis next to a letter (`_a*b*_`) has no spelling with `*` alone, and the
# writer spells every emphasis with `*` (test_markdown_writes_the_subset_and_escapes_the_rest).
_ALPHABET = st.sampled_from(list("ab 1.-+*`[]()\\\n\t#>!<&~:") + ["```", "\n\n", "https://x.y"])
card_text = st.lists(_ALPHABET, max_size=40).map("".join)
# Loaded text holds no control character but tab and newline (deck/text.py takes them out).
plain_text = st.text(
    alphabet=st.characters(blacklist_characters="`*_[\\~", blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(" \t\n"),
    max_size=60,
)


@given(plain_text)
@settings(max_examples=150)
def test_the_fast_path_builds_what_the_parser_builds(text):
    if has_markup(text):
        return
    assert parse(text) == markup._blocks(markup._parser().parse(text))


@given(card_text)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_markdown_export_reads_back_as_the_same_text(text):
    assert parse(to_markdown(text)) == parse(text)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        assert all(name in ("href", "class", "start") for name, _ in attrs)


@given(st.text(max_size=80) | card_text)
@settings(max_examples=150)
def test_html_holds_only_the_subsets_tags(text):
    tags = _Tags()
    tags.feed(to_html(text))
    assert tags.tags <= {"p", "br", "code", "pre", "em", "strong", "a", "ul", "ol", "li"}


@pytest.mark.parametrize(
    "hostile", ["[" * 10_000, "*a" * 5_000, "`" * 10_000, "- " * 5_000, "_" * 10_000,
                "[a](" * 2_500, "> " * 5_000, "1. " * 3_000, "\\" * 10_000],
    ids=lambda text: f"{text[:4]!r}x{len(text)}",  # short ids, not 10,000 characters
)  # fmt: skip
def test_a_hostile_text_parses_quickly(hostile):
    # CPU time, not wall time: other processes' load must not fail it
    started = time.process_time()
    for render in (to_html, to_markdown, to_plain):
        render(hostile)
    assert time.process_time() - started < 2.0
