"""`?`: the keys of the screen underneath, and how each card kind is answered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from studykit.study.scheduler import LEECH_MEANING, MASTERY_MEANING

HOW_TO_ANSWER = [
    ("Flashcard", "space shows the answer; rate yourself 1 Again, 2 Hard, 3 Good, 4 Easy"),
    ("Multiple choice", "press the choice's letter or number; the result shows at once"),
    ("True or false", "t or f (1 or 2)"),
    ("Select all", "letters or numbers toggle choices; enter confirms"),
    ("Matching", "↑↓ pick a left item, press the letter of its partner; enter confirms"),
    ("Put in order", "↑↓ highlight; space grabs, ↑↓ moves, space drops (or shift+↑↓); enter"),
    (
        "Predict, then run",
        "pick (letter, or ↑↓ enter), order or type your prediction; it locks; type why (optional),"
        " enter runs the lab; the run grades it: 1-4 or enter rates, esc leaves it unrated",
    ),
    ("Short answer", "type, then enter; while typing, keys go to the answer: esc stops typing"),
    ("After answering", "enter takes the suggested rating (a line says why), or 1-4 another"),
    ("Nothing due yet", "w waits for the next learning step to fall due · esc ends the session"),
    ("Any card", "u undo the last rating, suspend or bury · @ suspend · - bury until tomorrow"),
    ("Fix a card", "e opens it at its line in $EDITOR (study, browse); the decks reload after"),
    ("Labs", "l runs the card's lab · esc stops it · r runs it again"),
    ("Anywhere", "ctrl+p command palette · esc back · ctrl+q quit"),
    ("Mastered", f"a card is mastered when {MASTERY_MEANING}"),
    ("Leech", f"{LEECH_MEANING}: it is flagged and suspended"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; padding: 0 1; background: $surface;
    }
    """

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._keys_here(), id="help-keys")
            yield Static(self._how_to(), id="help-kinds")

    def _keys_here(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [("Keys on this screen\n", "bold")]
        seen: set[str] = set()
        for _key, active in self.under.active_bindings.items():
            binding = active.binding
            # Only what the footer offers: scrolling and focus keys of containers are noise here.
            if not binding.show or not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            label = binding.key_display or self.app.get_key_display(binding)
            parts += [(f"{label:<10}", "bold $accent"), binding.description, "\n"]
        return Content.assemble(*parts).rstrip("\n")

    def _how_to(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [("\nAnswering cards\n", "bold")]
        for kind, how in HOW_TO_ANSWER:
            parts += [(kind, "bold $secondary"), "\n", ("  " + how, ""), "\n"]
        return Content.assemble(*parts)
