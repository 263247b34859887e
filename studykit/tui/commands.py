"""The command palette's studykit commands (ctrl+p): the main actions, by name.

Each command is an action on the screen the palette was opened from; commands that the screen
cannot perform right now (e.g. a lab on a card without one) are not offered.
"""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action name). The action runs on the current screen, then on the app.
COMMANDS: list[tuple[str, str, str]] = [
    ("Study all due cards", "Review every due card across all decks", "study_all"),
    ("Study this deck", "Review the highlighted deck", "study_deck"),
    ("Study this topic", "Review the highlighted topic", "study_topic"),
    (
        "Cram this deck",
        "Practise every card of the deck without touching the schedule",
        "cram_deck",
    ),
    ("Statistics", "Due forecast, review heatmap, retention, mastery per topic", "stats"),
    ("Browse cards", "Search by text, deck, topic, tag, kind, state; a card's history", "browse"),
    ("Edit this card", "Open the card's deck file at its line in $EDITOR", "edit"),
    ("Deck problems", "Errors and warnings from loading the decks", "problems"),
    ("Run this card's lab", "Train the card's experiment live", "lab"),
    ("Undo last rating", "Take back the last rating", "undo"),
    ("Suspend card", "Stop showing this card until it is unsuspended", "suspend"),
    ("Bury card", "Hide this card until tomorrow", "bury"),
    ("Back to decks", "Leave this screen", "back"),
    ("Help", "Keys and how each card kind is answered", "help"),
]


class StudykitCommands(Provider):
    def _available(self):
        for title, help_text, action in COMMANDS:
            for target in (self.screen, self.app):
                method = getattr(target, f"action_{action}", None)
                if method is not None:
                    # `available` (when a screen has it) ignores which widget has focus: the
                    # palette may suspend a card while its answer box has the keyboard.
                    available = getattr(target, "available", None)
                    if available(action) if available else target.check_action(action, ()):
                        yield title, help_text, method
                    break

    async def discover(self) -> Hits:
        for title, help_text, command in self._available():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
