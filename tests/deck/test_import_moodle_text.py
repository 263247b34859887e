"""Moodle's text formats as card text: [html] becomes the Markdown subset (images reported),
[markdown] stays as written, [plain] shows exactly its characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studykit.deck.importers.moodle_text import (
    html_to_card_text,
    markdown_to_card_text,
    plain_to_card_text,
)
from studykit.deck.markup import parse, to_plain


def convert(html: str) -> tuple[str, list[str]]:
    dropped: list[str] = []
    return html_to_card_text(html, dropped.append), dropped


def test_html_markup_becomes_the_subset():
    text, dropped = convert(
        "<p>Call <code>opt.zero_grad()</code> <b>before</b> <em>each</em> step.</p>"
        "<ul><li>forward</li><li>backward</li></ul>"
        '<pre><code class="language-python">loss.backward()\nopt.step()</code></pre>'
        '<p>See <a href="https://pytorch.org">the docs</a>, not <a href="javascript:x">this</a>'
        "<br>on a new line &amp; more.</p>"
    )
    assert text == (
        "Call `opt.zero_grad()` **before** *each* step.\n\n"
        "- forward\n- backward\n\n"
        "```python\nloss.backward()\nopt.step()\n```\n\n"
        "See [the docs](<https://pytorch.org>), not this\non a new line & more."
    )
    assert dropped == []


def test_every_image_is_reported_and_text_that_looks_like_markup_stays_text():
    text, dropped = convert('<p>2*3 = 6, a_b [x]</p><img alt="plot"><p>- not a list</p><img>')
    assert to_plain(text) == "2*3 = 6, a_b [x]\n\n- not a list"
    assert dropped == [
        'an image ("plot") was dropped; card text holds no images',
        'an image ("no description") was dropped; card text holds no images',
    ]


def test_markdown_is_kept_and_plain_text_is_escaped_only_where_needed():
    assert markdown_to_card_text("Use **this**  \nthen `a &lt; b` &lt; c") == (
        "Use **this**\nthen `a &lt; b` < c"
    )
    assert plain_to_card_text("nothing special") == "nothing special"
    assert to_plain(plain_to_card_text("**not bold** 2*3*4")) == "**not bold** 2*3*4"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["<p>", "</p>", "<b>", "</b>", "<i>", "<code>", "</code>", "<pre>", "</pre>", "<ul>",
             "<li>", "</ul>", "<ol>", "</ol>", "<br>", '<a href="https://x.y">', "</a>", "<img>",
             "&amp;", "*", "_", "`", "-", "1.", " ", "\n", "text", "<script>", "</script>", "<",
             '<ol start="x">', '<ol start="3">', "</li>", "</i>", "<h1>", "</div>", "<tt>"]
        )
        | st.text(max_size=5),
        max_size=30,
    )
)  # fmt: skip
def test_any_html_converts_without_raising_to_text_the_subset_reads(pieces):
    text, dropped = convert("".join(pieces))
    assert isinstance(text, str) and text == text.strip()
    parse(text)  # the subset reads whatever the conversion writes
    assert all(line.startswith(("an image (", "a <script>")) for line in dropped)
    if "<script>" not in "".join(pieces):  # inside a script, "<img>" is its text
        assert len(dropped) >= "".join(pieces).count("<img>")
