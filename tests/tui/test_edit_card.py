"""`e` opens the card's deck file at its line in $VISUAL/$EDITOR; on return the decks are loaded
again and deck errors open the problems screen. The editor here is a small script."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap

import pytest
from textual import events
from tui_paths import LABS_DIR, TINY_DECK

from studykit.deck.loader import load_decks
from studykit.lab.catalog import Catalog
from studykit.tui.editor import EditorError, editor_command
from studykit.tui.screens.browse import BrowseScreen
from studykit.tui.screens.card_page import CardPageScreen
from studykit.tui.screens.problems import ProblemsScreen

OLD = "Which method updates every weight?"
NEW = "Which method updates all of the weights?"


def fake_editor(tmp_path, *, replace_with: str | None = NEW, break_yaml: bool = False):
    """An $EDITOR that records its arguments, then rewrites the file it was given."""
    log = tmp_path / "editor-calls.json"
    script = tmp_path / "fake-editor.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import json, sys
            from pathlib import Path
            log = Path({str(log)!r})
            calls = json.loads(log.read_text()) if log.exists() else []
            log.write_text(json.dumps(calls + [sys.argv[1:]]))
            path = Path(sys.argv[-1])
            text = path.read_text()
            if {break_yaml!r}:
                text += "\\n  - id: [unclosed\\n"
            elif {replace_with!r} is not None:
                text = text.replace({OLD!r}, {replace_with!r})
            path.write_text(text)
            """
        )
    )
    return f"{sys.executable} {script}", log


@pytest.fixture
def deck_copy(tmp_path):
    copy = tmp_path / "decks" / "tiny.yaml"
    copy.parent.mkdir()
    shutil.copy(TINY_DECK, copy)
    return copy


@pytest.fixture
def edit_app(make_app, deck_copy):
    load = load_decks([deck_copy], lab_catalog=Catalog(LABS_DIR))
    return make_app(load, deck_paths=[deck_copy])


def line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


async def highlight(pilot, card_id: str) -> BrowseScreen:
    await pilot.press("b")
    await pilot.pause()
    # Search it (pasted: typed, the listing is filtered after every key), then go to it.
    pilot.app.focused.post_message(events.Paste(card_id))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, BrowseScreen)
    return pilot.app.screen


async def test_e_in_browse_opens_the_card_s_line_and_reloads_the_deck(
    edit_app, deck_copy, tmp_path, monkeypatch
):
    command, log = fake_editor(tmp_path)
    monkeypatch.setenv("EDITOR", command)
    monkeypatch.delenv("VISUAL", raising=False)
    async with edit_app.run_test(size=(120, 30)) as pilot:
        screen = await highlight(pilot, "t-mcq")
        await pilot.press("e")
        await pilot.pause()
        [call] = json.loads(log.read_text())
        assert call == [f"+{line_of(deck_copy, '- id: t-mcq')}", str(deck_copy)]
        assert NEW in deck_copy.read_text()
        card = next(c for d in edit_app.decks for c in d.cards if c.id == "t-mcq")
        assert card.question == NEW  # the app's decks are the edited ones
        [row] = screen.rows
        assert row.text == NEW  # and the listing shows the edit
        assert isinstance(edit_app.screen, BrowseScreen)


async def test_e_on_a_card_page_reloads_the_page(edit_app, deck_copy, tmp_path, monkeypatch):
    command, _log = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", command)  # VISUAL wins over EDITOR
    monkeypatch.setenv("EDITOR", "/no/such/editor")
    async with edit_app.run_test(size=(120, 30)) as pilot:
        await highlight(pilot, "t-mcq")
        await pilot.press("enter")
        await pilot.pause()
        page = edit_app.screen
        assert isinstance(page, CardPageScreen)
        await pilot.press("e")
        await pilot.pause()
        assert str(page.query_one("#card-text").content) == NEW


async def test_an_edit_that_breaks_the_deck_opens_the_problems_screen(
    edit_app, deck_copy, tmp_path, monkeypatch
):
    command, _log = fake_editor(tmp_path, break_yaml=True)
    monkeypatch.setenv("EDITOR", command)
    monkeypatch.delenv("VISUAL", raising=False)
    async with edit_app.run_test(size=(120, 30)) as pilot:
        await highlight(pilot, "t-mcq")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(edit_app.screen, ProblemsScreen)
        listed = str(edit_app.screen.query_one("#problems-list").content)
        assert str(deck_copy) in listed
        assert edit_app.decks == []  # the broken deck is left out until it is fixed


async def test_without_an_editor_one_notice_says_how_to_set_one(edit_app, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    notices = []
    edit_app.notify = lambda message, **options: notices.append((message, options["severity"]))
    async with edit_app.run_test(size=(120, 30)) as pilot:
        await highlight(pilot, "t-mcq")
        await pilot.press("e")
        await pilot.pause()
        [(message, severity)] = notices
        assert "set $EDITOR" in message and severity == "error"
        assert isinstance(edit_app.screen, BrowseScreen)


def test_editor_command_puts_the_line_where_each_editor_reads_it():
    env = {"EDITOR": "vim"}
    assert editor_command("d.yaml", 12, env) == ["vim", "+12", "d.yaml"]
    assert editor_command("d.yaml", 12, {"EDITOR": "nano -w"}) == ["nano", "-w", "+12", "d.yaml"]
    assert editor_command("d.yaml", 3, {"VISUAL": "code --wait", "EDITOR": "vi"}) == [
        "code",
        "--wait",
        "--goto",
        "d.yaml:3",
    ]
    assert editor_command("d.yaml", 3, {"EDITOR": "/usr/bin/subl -w"}) == [
        "/usr/bin/subl",
        "-w",
        "d.yaml:3",
    ]
    assert editor_command("d.yaml", 3, {"VISUAL": " ", "EDITOR": "vi"})[0] == "vi"


@pytest.mark.parametrize(("env", "said"), [({}, "no editor is set"), ({"EDITOR": "'vi"}, "parse")])
def test_editor_command_refuses_in_one_line(env, said):
    with pytest.raises(EditorError, match=said):
        editor_command("d.yaml", 1, env)


def appending_editor(tmp_path) -> str:
    """An $EDITOR that appends ' EDITED' to the first prompt line of the card at +LINE."""
    script = tmp_path / "append-editor.py"
    script.write_text(
        textwrap.dedent(
            """\
            import re, sys
            from pathlib import Path
            line, path = int(sys.argv[1].lstrip("+")), Path(sys.argv[2])
            lines = path.read_text().splitlines()
            for i in range(line - 1, len(lines)):
                if re.match(r"\\s+(front|question|statement|prompt|text):", lines[i]):
                    lines[i] += " EDITED"
                    break
            path.write_text("\\n".join(lines) + "\\n")
            """
        )
    )
    return f"{sys.executable} {script}"


async def test_e_on_the_study_screen_shows_the_card_as_edited(edit_app, tmp_path, monkeypatch):
    from studykit.tui.screens.study import StudyScreen

    monkeypatch.setenv("EDITOR", appending_editor(tmp_path))
    monkeypatch.delenv("VISUAL", raising=False)
    async with edit_app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # study the deck
        await pilot.pause()
        screen = edit_app.screen
        assert isinstance(screen, StudyScreen)
        before = screen.presented.card
        assert "Edit" in {b.binding.description for b in screen.active_bindings.values()}
        await pilot.press("e")
        await pilot.pause()
        after = screen.presented.card
        assert after.id == before.id
        assert after.prompt_text() == before.prompt_text() + " EDITED"
        assert isinstance(edit_app.screen, StudyScreen)
