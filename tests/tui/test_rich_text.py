"""Pilot tests: card text's Markdown on the study screen (code highlighted, markup-looking text
literal) and a cloze card answered by typing and by revealing."""

from __future__ import annotations

from studykit.deck.loader import load_decks
from studykit.tui.screens.study import StudyScreen
from studykit.tui.widgets.card_text import CODE, card_text
from studykit.tui.widgets.verdict import RatingBar, VerdictPanel

RICH = r"""
id: rich
title: Rich
description: Code and cloze.
topics:
  - {id: rich-t, title: Loops}
cards:
  - id: rich-1
    kind: mcq
    topic: rich-t
    question: |-
      What is **wrong** here? [bold]not markup[/bold]

      ```python
      for x, y in batches:
          loss = loss_fn(model(x), y)
          loss.backward()
          optimizer.step()
      ```
    choices:
      - text: "`optimizer.zero_grad()` is never called"
      - text: "`backward()` comes before `step()`"
        why: That order is *right*.
    answer: A
    explanation: "`.grad` adds up: zero it every step."
  - id: rich-2
    kind: cloze
    topic: rich-t
    text: "Prompt tuning trains {{c1::k·d}} numbers and keeps the model {{c2::frozen::state}}."
    accept: {c1: [kd]}
    explanation: The prompt is a k × d matrix.
"""


def body_of(screen: StudyScreen):
    return screen.view.query_one(".card-body").content


async def open_rich(make_app, tmp_path, pilot_size=(100, 40)):
    path = tmp_path / "rich.yaml"
    path.write_text(RICH, encoding="utf-8")
    load = load_decks([path])
    assert load.errors == []
    return make_app(load)


def styles_at(content, text: str) -> list[str]:
    """The styles of every span that covers the start of `text` in `content`."""
    at = content.plain.index(text)
    return [str(span.style) for span in content.spans if span.start <= at < span.end]


async def test_markdown_renders_with_highlighted_code_and_literal_markup(make_app, tmp_path):
    app = await open_rich(make_app, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        assert screen.presented.card.id == "rich-1"
        body = body_of(screen)
        plain = body.plain
        assert "What is wrong here? [bold]not markup[/bold]" in plain  # no stars, no Rich markup
        assert "bold" in " ".join(styles_at(body, "wrong"))
        # The code block: indented, line by line, keywords styled by the highlighter.
        assert "  for x, y in batches:\n      loss = loss_fn(model(x), y)" in plain
        assert any("$text-accent" in style for style in styles_at(body, "for x"))
        assert "```" not in plain
        # Inline code in a choice is styled as code, without its backticks.
        assert "optimizer.zero_grad() is never called" in plain
        assert CODE in styles_at(body, "optimizer.zero_grad()")
        await pilot.press(next(k for k in "ab" if screen.presented.order["ab".index(k)] == 1))
        await pilot.pause()
        verdict = screen.query_one(VerdictPanel).content
        assert "That order is right." in verdict.plain
        assert ".grad adds up: zero it every step." in verdict.plain


async def test_a_cloze_card_is_typed_then_revealed(make_app, store, tmp_path, timer):
    app = await open_rich(make_app, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        screen.view.commit(None)  # past the mcq
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()

        assert screen.presented.card.id == "rich-2::c1"
        plain = body_of(screen).plain
        assert "Prompt tuning trains [...] numbers and keeps the model frozen." in plain
        timer.advance(5)
        await pilot.press(*"KD", "enter")  # an accepted alternative, any case
        await pilot.pause()
        verdict = screen.query_one(VerdictPanel).content.plain
        assert "Correct" in verdict
        shown = body_of(screen)
        assert "trains k·d numbers" in shown.plain
        assert "bold underline $text-success" in styles_at(shown, "k·d")
        assert "You typed: KD" in shown.plain
        await pilot.press("enter")  # accept the suggested rating
        await pilot.pause()
        assert store.progress("rich-2::c1") is not None

        assert [r.card_id for r in store.reviews()] == ["rich-1", "rich-2::c1"]


async def test_a_cloze_gap_shown_with_an_empty_enter_is_self_rated(make_app, store, tmp_path):
    path = tmp_path / "one.yaml"
    one = RICH.split("cards:")[0] + (
        "cards:\n  - id: rich-3\n    kind: cloze\n    topic: rich-t\n"
        '    text: "Keep the model {{c1::frozen::state}}; train {{c2::the prompt}}."\n'
        "    explanation: Only the prompt trains.\n"
    )
    path.write_text(one, encoding="utf-8")
    app = make_app(load_decks([path]))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert screen.presented.card.id == "rich-3::c1"
        gap = body_of(screen)
        assert "Keep the model [state]; train the prompt." in gap.plain
        assert "bold reverse $accent" in styles_at(gap, "[state]")
        await pilot.press("enter")  # an empty box: show the answer
        await pilot.pause()
        assert screen.verdict is None and screen.rating_open  # self-rated, like a flashcard
        assert "Keep the model frozen; train the prompt." in body_of(screen).plain
        assert "(suggested)" not in screen.query_one(RatingBar).content.plain
        assert "Only the prompt trains." in screen.query_one(VerdictPanel).content.plain
        await pilot.press("2")
        await pilot.pause()
        assert [r.card_id for r in store.reviews()] == ["rich-3::c1"]
        assert store.reviews()[0].correct is None  # not graded


def test_card_text_builds_content_from_spans_never_markup():
    content = card_text("[red]x[/red] *y* [@click=app.quit]q[/]")
    assert content.plain == "[red]x[/red] y [@click=app.quit]q[/]"
    assert [str(span.style) for span in content.spans] == ["italic"]
