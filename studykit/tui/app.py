"""The studykit Textual app: decks on the home screen, a study screen per scope, labs, stats.

The app holds what every screen shares (the loaded decks, the progress store, the clock) and
nothing else: scheduling, grading and statistics come from `studykit.study`, and labs from
`studykit.lab.runner`, which is imported only inside the lab worker so torch never loads at start.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from studykit.study.preferences import StudyPreferences, load_preferences
from studykit.study.store import StoreError
from studykit.tui.commands import StudykitCommands
from studykit.tui.screens.home import HomeScreen

# Signals that end the app like a quit (Ctrl-C is a key in the TUI, not a signal).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class SaveOutcome:
    """Truthy unless the write inside `StudykitApp.saving` failed."""

    ok = True

    def __bool__(self) -> bool:
        return self.ok


class StudykitApp(App[None]):
    """Study decks with spaced repetition, and run each card's lab one keypress away."""

    TITLE = "studykit"
    CSS_PATH = Path(__file__).parent / "studykit.tcss"
    COMMANDS = App.COMMANDS | {StudykitCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit", show=False, priority=True),
    ]

    def __init__(
        self,
        load: Any,
        store: Any,
        *,
        now: datetime | Callable[[], datetime] | None = None,
        seed: int | None = None,
        lab_runner: Callable[..., Any] | None = None,
        lab_overrides: dict[str, Any] | None = None,
        labs_dir: Path | None = None,
        timer: Callable[[], float] = time.monotonic,
        deck_paths: Sequence[Path] | None = None,
    ) -> None:
        """
        Args:
            load: the deck loader's `LoadResult` (decks that loaded, problems, file count).
            store: an open `ProgressStore`.
            now: a fixed instant or a clock for the study layer (tests freeze it).
            seed: seeds the shuffling of choices and steps (tests fix it).
            lab_runner: replaces `studykit.lab.runner.run_lab` (same signature).
            lab_overrides: lab parameters applied over a card's own (e.g. tiny step counts).
            labs_dir: where lab specs are read (default: the bundled `studykit/lab/experiments/`).
            timer: monotonic seconds, used to time answers (tests freeze it).
            deck_paths: the deck files and folders `load` came from, loaded again after a card
                is edited (default: the files of the decks that loaded).
        """
        super().__init__()
        self.load = load
        self.decks = list(load.decks)
        self.problems = list(load.problems)
        self.store = store
        self.now = now
        self.seed = seed
        self.lab_runner = lab_runner
        self.lab_overrides = dict(lab_overrides or {})
        self.labs_dir = labs_dir
        self.timer = timer
        self.deck_paths = list(deck_paths) if deck_paths else None
        self.topics = {topic.id: topic for deck in self.decks for topic in deck.topics}

    def on_mount(self) -> None:
        if not self.is_headless:  # a real terminal (tests run headless, in pytest's loop)
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
        self.push_screen(HomeScreen())
        if any(p.severity == "error" for p in self.problems) or not self.decks:
            self.action_problems()

    def _stop_on_signal(self, signum: int) -> None:
        """`kill` or a closed terminal: quit as `ctrl+q` does, so Textual restores the terminal
        (main screen, mouse off, cursor shown) and a running lab stops after its step. Every
        rating was committed when it was made; exit 128 + the signal, as a shell reports it."""
        message = f"studykit: stopped by {signal.Signals(signum).name}; every rating made was saved"
        if signum == getattr(signal, "SIGHUP", None):
            message = ""  # the terminal is gone: nothing to say it on
        self.exit(return_code=128 + signum, message=message or None)

    def reload_decks(self) -> None:
        """Load the decks again (after an edit); a deck that now has errors is left out and the
        problems screen shows why, as at start."""
        from studykit.deck.loader import load_decks
        from studykit.lab.catalog import Catalog

        paths = self.deck_paths or [Path(s.file) for s in self.load.sources.values()]
        self.load = load_decks(paths, lab_catalog=Catalog(self.labs_dir))
        self.decks = list(self.load.decks)
        self.problems = list(self.load.problems)
        self.topics = {topic.id: topic for deck in self.decks for topic in deck.topics}

    def edit_card(self, card_id: str) -> bool:
        """Open the card's deck file at its line in $VISUAL/$EDITOR, handing the terminal over
        while it runs; then reload the decks. True if the decks were reloaded. Problems (no
        editor set, a card from no file) are one notice; deck errors open the problems screen."""
        from textual.app import SuspendNotSupported

        from studykit.tui.editor import EditorError, editor_command, run_editor

        where = self.load.card_location(card_id)
        if where is None:
            self.notify(f"Card {card_id} is in no deck file studykit loaded.", severity="error")
            return False
        try:
            command = editor_command(*where)
            try:
                with self.suspend():
                    run_editor(command)
            except SuspendNotSupported:
                if not self.is_headless:  # e.g. in a browser: there is no terminal to hand over
                    self.notify("This terminal cannot hand over to an editor.", severity="error")
                    return False
                run_editor(command)  # tests: nothing to hand over
        except EditorError as error:
            self.notify(str(error), severity="error", timeout=10)
            return False
        self.reload_decks()
        if any(p.severity == "error" for p in self.problems):
            self.action_problems()
        else:
            self.notify(f"Reloaded {len(self.decks)} deck(s) after editing {where[0]}.")
        return True

    def topic_title(self, topic_id: str) -> str:
        topic = self.topics.get(topic_id)
        return topic.title if topic else topic_id

    def learn_first(self, topic_id: str) -> list[str]:
        """Titles of the topics to learn before `topic_id` (its `learn_before`)."""
        topic = self.topics.get(topic_id)
        return [self.topic_title(t) for t in topic.learn_before] if topic else []

    @property
    def preferences(self) -> StudyPreferences:
        """Daily limits and retention, read afresh (a tiny table) so that `studykit settings`
        run in another terminal applies to the next session started here."""
        return load_preferences(self.store)

    @contextmanager
    def saving(self, what: str) -> Iterator[SaveOutcome]:
        """Run a write to the progress store; if it fails (disk full, database locked by another
        program), say so in one line and carry on: the write rolled back, the card stays put."""
        outcome = SaveOutcome()
        try:
            yield outcome
        except StoreError as error:  # the store turns every sqlite failure into one
            outcome.ok = False
            self.notify(
                f"Could not save the {what}: {error}. The card is as it was; check the disk "
                "space and other programs using the progress file, then try again.",
                severity="error",
                timeout=15,
            )

    def action_help(self) -> None:
        from studykit.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_problems(self) -> None:
        from studykit.tui.screens.problems import ProblemsScreen

        self.push_screen(ProblemsScreen(self.problems, deck_count=len(self.decks)))

    def action_stats(self) -> None:
        from studykit.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def action_browse(self) -> None:
        from studykit.tui.screens.browse import BrowseScreen

        if not isinstance(self.screen, BrowseScreen):
            self.push_screen(BrowseScreen())
