"""The browse screen (`b` on the home screen) and a card's page, driven by Textual's pilot."""

from __future__ import annotations

from datetime import UTC, datetime

from fsrs import Rating
from textual import events
from textual.widgets import Input
from tui_paths import TINY_DECK
from typer.testing import CliRunner

from studykit.cli import app as cli_app
from studykit.study.browse import COLUMNS
from studykit.study.lab_history import record_lab_run
from studykit.study.session import StudySession
from studykit.tui.screens.browse import BrowseScreen
from studykit.tui.screens.card_page import CardPageScreen

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)  # the app's frozen clock (conftest.FROZEN_NOW)


def table_cells(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def page_facts(page) -> dict[str, str]:
    lines = str(page.query_one("#card-facts").content).splitlines()
    return dict(line.split(None, 1) for line in lines)


async def open_browse(pilot, query: str = ""):
    await pilot.press("b")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen)
    if query:
        await paste(pilot, query)
    return screen


async def paste(pilot, text: str) -> None:
    """Put `text` in the search line in one go, as a paste: typed, the table is filtered again
    after every key (typing is what test_b_lists_every_card_and_a_search_narrows_it drives)."""
    box = pilot.app.focused
    assert isinstance(box, Input) and box.id == "browse-search"
    box.post_message(events.Paste(text))
    await pilot.pause()


async def test_b_lists_every_card_and_a_search_narrows_it(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_browse(pilot)
        table = screen.query_one("#browse-cards")
        assert table.row_count == 7
        assert str(screen.query_one("#browse-count").content) == "7 of 7 cards match"
        await pilot.press(*"kind:mcq")
        await pilot.pause()
        assert [r[0] for r in table_cells(table)] == ["t-mcq"]
        await pilot.press("ctrl+u", *"frozen is:new")  # words in any field: explanations too
        await pilot.pause()
        assert {r[0] for r in table_cells(table)} == {"t-flash", "t-tf", "t-multi"}


async def test_a_filter_naming_nothing_says_so_in_one_line(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_browse(pilot, "kind:mcqq")
        count = screen.query_one("#browse-count")
        assert str(count.content) == "no kind 'mcqq'; did you mean 'mcq'?"
        assert count.has_class("-error") and screen.query_one("#browse-cards").row_count == 0


async def test_states_follow_the_schedule(make_app, store, tiny_load):
    session = StudySession(store, tiny_load.decks, now=NOW, seed=0)
    session.rate(session.next(), Rating.Again, 1000)  # t-flash: learning
    shown = session.next()
    session.suspend(shown.card.id)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_browse(pilot, "is:learning")
        assert [r[0] for r in table_cells(screen.query_one("#browse-cards"))] == ["t-flash"]
        await pilot.press("ctrl+u")
        await paste(pilot, "is:suspended")
        rows = table_cells(screen.query_one("#browse-cards"))
        assert [(r[0], r[2]) for r in rows] == [(shown.card.id, "suspended")]


async def test_the_card_page_shows_ratings_and_lab_runs_and_unsuspends(make_app, store, tiny_load):
    session = StudySession(store, tiny_load.decks, now=NOW, seed=0)
    shown = session.next()
    assert shown.card.id == "t-flash"
    session.rate(shown, Rating.Good, 2500)
    session.suspend("t-flash")
    record_lab_run(
        store,
        "t-flash",
        {
            "lab": "soft-prompt",
            "seed": 3,
            "methods": {
                "soft-prompt": {"exact_match_before": 0.0, "exact_match_after": 0.75, "steps": 5}
            },
            "claims": [{"text": "the loss went down", "holds": True}],
        },
        now=NOW,
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_browse(pilot, "t-flash")
        await pilot.press("enter", "enter")  # leave the search line, open the card
        await pilot.pause()
        page = app.screen
        assert isinstance(page, CardPageScreen)
        facts = page_facts(page)
        assert (facts["state"], facts["reviews"], facts["due"]) == (
            "suspended",
            "1",
            "2025-01-06 12:10 (in 10 min)",
        )
        ratings = table_cells(page.query_one("#card-ratings"))
        assert ratings == [["2025-01-06 12:00", "new", "Good", "self-rated", "2.5 s", "+10 min"]]
        runs = table_cells(page.query_one("#card-lab-runs"))
        assert runs == [
            ["2025-01-06 12:00", "soft-prompt", "3", "soft-prompt 0% → 75%; 1 of 1 findings held"]
        ]
        assert "Unsuspend" in {b.binding.description for b in page.active_bindings.values()}
        await pilot.press("u")
        await pilot.pause()
        assert store.progress("t-flash").suspended is False
        assert page_facts(page)["state"] == "learning"
        await pilot.press("escape")  # back in browse, which reads the store again
        await pilot.pause()
        assert app.screen is screen
        assert table_cells(screen.query_one("#browse-cards"))[0][2] == "learning"


async def test_the_cli_and_the_browse_screen_show_the_same_cells(make_app, store, tiny_load):
    session = StudySession(store, tiny_load.decks, now=NOW, seed=0)
    for rating in (Rating.Good, Rating.Again):
        session.rate(session.next(), rating, 1000)
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await open_browse(pilot)
        tui_rows = table_cells(screen.query_one("#browse-cards"))
    cli = CliRunner().invoke(
        cli_app, ["browse", "--path", str(TINY_DECK), "--data-dir", str(store.path.parent)]
    )
    assert cli.exit_code == 0, cli.output
    lines = cli.output.splitlines()
    assert lines[0].split() == list(COLUMNS)
    # The CLI's clock is the wall clock: compare every cell but the due one (relative to now).
    due = COLUMNS.index("due")
    for tui_row, line in zip(tui_rows, lines[1:-1], strict=True):
        assert line.startswith(tui_row[0])
        for i, cell in enumerate(tui_row):
            if i != due:
                assert cell in line, (cell, line)
    assert lines[-1] == "7 of 7 cards match."


async def test_down_then_enter_after_a_search_opens_the_highlighted_card(make_app):
    # The issue: after typing a search, Down then Enter did not open the card; a second Enter did.
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_browse(pilot, "is:new")
        table = screen.query_one("#browse-cards")
        await pilot.press("down")
        await pilot.pause()
        assert table.has_focus and table.cursor_row == 1  # the highlight moved, as it looks
        expected = screen.highlighted().card_id
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CardPageScreen)
        assert app.screen.card_id == expected == table_cells(table)[table.cursor_row][0]
