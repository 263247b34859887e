"""Pilot tests: answer every card kind from the keyboard, rate, override, undo, suspend, bury,
and check what reached the SQLite store.
"""

from __future__ import annotations

from datetime import timedelta

import fsrs
from tui_paths import one_kind

from studykit.tui.screens.home import HomeScreen
from studykit.tui.screens.study import StudyScreen
from studykit.tui.widgets.verdict import RatingBar, VerdictPanel


def text_of(widget) -> str:
    return str(widget.content)


async def open_deck(pilot) -> StudyScreen:
    await pilot.press("enter")  # the only deck is highlighted
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, StudyScreen)
    return screen


async def answer_until(pilot, screen: StudyScreen, kind: str) -> None:
    """Rate earlier cards Good (flipping flashcards, giving up on others) until `kind` shows."""
    for _ in range(10):
        if screen.presented.card.kind == kind:
            return
        screen.view.commit(None)  # "I don't know" for any kind
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
    raise AssertionError(f"no {kind} card came up")


def letter(screen: StudyScreen, original: int) -> str:
    """The key that picks original choice `original` in this showing's shuffled order."""
    return "abcdefghij"[screen.presented.order.index(original)]


async def test_home_lists_the_deck_with_counts(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        decks = app.screen.query_one("#decks")
        assert decks.row_count == 1
        title, new, due, total = (str(c) for c in decks.get_row_at(0))
        assert (title, new, due, total) == ("Tiny test deck", "7", "0", "7")
        topics = app.screen.query_one("#topics")
        assert [str(topics.get_row_at(i)[0]) for i in range(topics.row_count)] == [
            "Basics",
            "Methods",
        ]
        await pilot.press("q")


async def test_flashcard_flips_with_space_and_rates_with_a_number(make_app, store, timer):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        assert screen.presented.card.id == "t-flash"  # first topic, first card
        timer.advance(4.5)
        await pilot.press("space")
        assert "embedding vectors" in text_of(screen.view.query_one(".card-body"))
        assert "Lester et al. 2021" in text_of(screen.query_one(VerdictPanel))
        await pilot.press("2")
        await pilot.pause()
        assert screen.presented.card.id != "t-flash"
    [review] = store.reviews()
    assert (review.card_id, review.rating) == ("t-flash", fsrs.Rating.Hard)
    assert review.duration_ms == 4500  # from showing the card to flipping it
    assert review.correct is None  # self-rated


async def test_mcq_right_pick_shows_the_why_and_enter_accepts_the_suggestion(
    make_app, tiny_load, store, timer
):
    app = make_app(one_kind(tiny_load, "mcq"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "mcq")
        timer.advance(10)  # between mcq's fast (6 s) and slow (25 s) thresholds: Good
        await pilot.press(letter(screen, 1))  # "Full fine-tuning" is choice B (index 1)
        panel = text_of(screen.query_one(VerdictPanel))
        assert "✓ Correct" in panel
        assert "Every weight receives a gradient step." in panel
        assert "Good  (suggested)" in text_of(screen.query_one(RatingBar))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.rating, review.correct) == ("t-mcq", fsrs.Rating.Good, True)


async def test_mcq_wrong_pick_suggests_again_and_can_be_overridden(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "mcq"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "mcq")
        await pilot.press(str(screen.presented.order.index(0) + 1))  # number key, wrong choice
        panel = text_of(screen.query_one(VerdictPanel))
        assert "✗ Not quite" in panel
        assert "Prompt tuning trains only the soft prompt." in panel  # the picked choice's why
        assert "Again  (suggested)" in text_of(screen.query_one(RatingBar))
        await pilot.press("2")  # override: Hard
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.rating, review.correct) == ("t-mcq", fsrs.Rating.Hard, False)


async def test_true_false_with_the_f_key(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "true_false"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "true_false")
        await pilot.press("f")
        assert "Right, only the prompt vectors change." in text_of(screen.query_one(VerdictPanel))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    # Frozen timer: answered in 0 ms and right, but on first sight: Good, never Easy.
    assert (review.card_id, review.correct, review.rating) == ("t-tf", True, fsrs.Rating.Good)


async def test_multi_toggles_then_confirms(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "multi"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "multi")
        await pilot.press(letter(screen, 0), letter(screen, 2), letter(screen, 2))  # C off again
        assert not screen.rating_open
        await pilot.press(letter(screen, 1), "enter")
        assert "✓ Correct" in text_of(screen.query_one(VerdictPanel))
        await pilot.press("3")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.correct, review.score) == ("t-multi", True, 1.0)


async def test_matching_is_answered_with_letters_and_arrows(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "matching"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "matching")
        # Link rows 1 and 2 the wrong way round (each letter moves on to the next row), go back
        # up to row 1 and relink it (which frees the other row and moves there), then finish.
        await pilot.press(letter(screen, 1), letter(screen, 0))
        assert (screen.view.links, screen.view.row) == ({0: 1, 1: 0}, 2)
        await pilot.press("up", "up", letter(screen, 0))
        assert (screen.view.links, screen.view.row) == ({0: 0}, 1)
        await pilot.press(letter(screen, 1), letter(screen, 2))
        assert screen.view.links == {0: 0, 1: 1, 2: 2}
        await pilot.press("enter")
        assert "✓ Correct" in text_of(screen.query_one(VerdictPanel))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.correct) == ("t-match", True)


async def test_order_is_arranged_by_grabbing_and_moving(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "order"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "order")
        view = screen.view
        # Selection sort with the keyboard: bring step k to position k.
        for target in range(4):
            position = view.arrangement.index(target)
            while view.row != position:
                await pilot.press("down" if view.row < position else "up")
            await pilot.press("space")  # grab
            for _ in range(position - target):
                await pilot.press("up")
            await pilot.press("space")  # drop
        assert view.arrangement == [0, 1, 2, 3]
        await pilot.press("enter")
        assert "✓ Correct" in text_of(screen.query_one(VerdictPanel))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.correct) == ("t-order", True)


async def test_short_answer_is_typed(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "short"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "short")
        await pilot.press(*"Soft  Prompt")  # case and spacing are forgiven
        await pilot.press("enter")
        assert "✓ Correct" in text_of(screen.query_one(VerdictPanel))
        await pilot.press("enter")
        await pilot.pause()
    review = store.reviews()[-1]
    assert (review.card_id, review.correct) == ("t-short", True)


async def test_undo_takes_back_the_rating_and_shows_the_card_again(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await pilot.press("space", "4")
        await pilot.pause()
        assert len(store.reviews()) == 1
        assert screen.presented.card.id != "t-flash"
        await pilot.press("u")
        await pilot.pause()
        assert screen.presented.card.id == "t-flash"
        assert store.reviews() == []
        assert store.progress("t-flash") is None or store.progress("t-flash").is_new


async def test_suspend_and_bury_hide_cards(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await pilot.press("@")  # suspend the flashcard
        await pilot.pause()
        assert screen.presented.card.id == "t-mcq"
        await pilot.press("minus")  # bury the mcq until tomorrow
        await pilot.pause()
        assert screen.presented.card.id == "t-tf"
    assert store.progress("t-flash").suspended
    assert store.progress("t-mcq").buried_until > app.now


async def test_finishing_a_scope_says_so_and_escape_returns_home(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "down", "enter")  # the topics table: "Methods"
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StudyScreen) and "Methods" in screen.scope_title
        for _ in range(20):
            if screen.presented is None:
                break
            if screen.presented.card.kind == "short":
                # "@" would be typed into the answer box: use the command palette instead.
                await pilot.press("ctrl+p", *"suspend")
                await pilot.pause(0.2)  # the palette searches asynchronously
                await pilot.press("enter")
            else:
                await pilot.press("@")  # suspend every card of the topic
            await pilot.pause()
        assert "Nothing more to study" in text_of(screen.query_one("#card-slot"))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert str(app.screen.query_one("#decks").get_row_at(0)[1]) == "3"  # new: 7 - 4


async def test_escape_leaves_the_answer_box_and_enter_returns_to_it(make_app, tiny_load, store):
    app = make_app(one_kind(tiny_load, "short"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await answer_until(pilot, screen, "short")
        await pilot.press(*"soft ")
        await pilot.press("escape")  # leave the box: now keys are commands, not text
        await pilot.pause()
        assert isinstance(app.screen, StudyScreen) and not screen.view.answered
        await pilot.press("enter", *"prompt", "enter")
        assert "You typed: soft prompt" in text_of(screen.view.query_one(".card-body"))


async def test_a_failed_save_keeps_the_card_and_says_so(make_app, store, monkeypatch):
    import sqlite3

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    app = make_app()
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append((message, kw["severity"])))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        monkeypatch.setattr(store, "add_review", disk_full)
        await pilot.press("space", "3")
        await pilot.pause()
        assert screen.presented.card.id == "t-flash" and screen.reviewed == 0  # still here
        assert said and said[-1][1] == "error"
        assert said[-1][0].startswith("Could not save the rating: ")
        assert "database or disk is full" in said[-1][0]
        monkeypatch.undo()  # the disk has room again: the same keypress now saves
        await pilot.press("3")
        await pilot.pause()
        assert screen.presented.card.id != "t-flash"
    assert [r.card_id for r in store.reviews()] == ["t-flash"]


async def test_a_failed_undo_says_so_once_and_u_tries_it_again(make_app, store, monkeypatch):
    from studykit.study.store import StoreError

    save_progress, locked = store.save_progress, False

    def save_unless_locked(progress):
        if locked:
            raise StoreError("the progress database failed (database is locked)")
        save_progress(progress)

    app = make_app()
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append((message, kw["severity"])))
    monkeypatch.setattr(store, "save_progress", save_unless_locked)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        await pilot.press("at")  # suspend the first card
        await pilot.pause()
        suspended = store.progress("t-flash")
        assert suspended is not None and suspended.suspended
        locked = True
        said.clear()
        await pilot.press("u")
        await pilot.pause()
        assert [severity for _, severity in said] == ["error"]  # not "nothing to undo" as well
        locked = False
        await pilot.press("u")
        await pilot.pause()
        assert said[-1] == ("Took back the last suspend.", "information")
        assert screen.presented.card.id == "t-flash" and not store.progress("t-flash").suspended


async def test_undo_refused_because_another_session_rated_the_card_says_so(
    make_app, store, tiny_load, monkeypatch
):
    from studykit.study.session import StudySession

    app = make_app()
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append((message, kw["severity"])))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_deck(pilot)
        await pilot.press("space", "1")  # Again: the flashcard is due again in a minute
        await pilot.pause()
        # Another terminal, two minutes later, rates the same card.
        other = StudySession(store, tiny_load.decks, now=app.now + timedelta(minutes=2), seed=1)
        shown = other.next()
        assert shown.card.id == "t-flash"
        other.rate(shown, fsrs.Rating.Good, 1000)
        await pilot.press("u")
        await pilot.pause()
        assert said[-1][1] == "warning"
        assert said[-1][0].startswith("Not undone: card t-flash was rated in another session")
        assert len(store.reviews(card_id="t-flash")) == 2 and store.progress("t-flash").reps == 2


async def test_a_card_whose_saved_state_cannot_be_read_is_skipped_with_one_notice(
    make_app, store, tiny_load, monkeypatch
):
    import json

    from studykit.study.session import StudySession

    app = make_app()
    # Five minutes before the app's frozen now, t-flash was rated Again: it is due again.
    first = StudySession(store, tiny_load.decks, now=app.now - timedelta(minutes=5), seed=1)
    first.rate(first.next(), fsrs.Rating.Again, 1000)
    # What an older studykit's import let in: a step fsrs compares with numbers.
    state = json.loads(store._db.execute("SELECT fsrs_json FROM card").fetchone()[0])
    state["step"] = "abc"
    store._db.execute("UPDATE card SET fsrs_json = ?", (json.dumps(state),))
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: said.append((message, kw["severity"])))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_deck(pilot)
        seen = []
        for _ in range(8):
            if screen.presented is None:
                break
            seen.append(screen.presented.card.id)
            screen.view.commit(None)
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
        assert "t-flash" not in seen and len(seen) >= 2
    warnings = [m for m, severity in said if severity == "warning"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Skipped card t-flash: its saved progress cannot be read (")


def test_the_done_note_names_the_setting_of_each_limit_that_holds_cards_back():
    from studykit.study.session import Counts

    class HeldBack:  # a session whose reviews (not new cards) wait beyond today's limit
        new_per_day, reviews_per_day = 20, 5

        def held_back(self):
            return Counts(new=0, learning=0, review=7)

        def siblings_waiting(self):
            return 0

        def next_due(self):
            return None

    note = StudyScreen(HeldBack(), "deck")._done_note().plain
    assert "Today's limits (20 new, 5 reviews) hold back 7 review(s);" in note
    assert "`studykit settings --reviews-per-day N` changes them" in note


async def test_a_failed_read_ends_the_app_with_one_line_not_a_traceback(make_app, store, capsys):
    import pytest

    from studykit.study.store import StoreError

    def damaged(*args, **kwargs):
        raise StoreError("progress.sqlite3: the progress database failed (disk I/O error)")

    app = make_app()
    with pytest.raises(StoreError):  # the pilot re-raises what ended the app
        async with app.run_test(size=(80, 24)) as pilot:
            store.all_progress = damaged
            await pilot.press("enter")  # starting a session reads every card's progress
            await pilot.pause()
    assert app.return_code == 1
    printed = capsys.readouterr().err  # what Textual prints as the app exits
    assert "studykit: progress.sqlite3: the progress database failed (disk I/O error)" in printed
    assert "Traceback" not in printed
