"""A matching card, keyboard only: move along the left items, press a right item's letter.

Left items keep their deck order and are numbered; right items are shuffled for this review and
lettered. Pressing a letter links it to the highlighted left item and moves on; a letter already in
use moves to the new row. Enter confirms once every left item has a partner. Answered, each row
says what the learner matched and, when that was wrong, the right match on the line below.
"""

from __future__ import annotations

import string

from textual.binding import Binding
from textual.content import Content

from studykit.deck.markup import to_plain
from studykit.tui.widgets.card_view import DIM, KEY, RIGHT, WRONG, CardView, key_label, prompt

LETTERS = string.ascii_uppercase


class MatchingView(CardView):
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("backspace,delete", "clear", "Clear", show=False),
        Binding("enter", "confirm", "Confirm", id="confirm"),
    ]

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self.row = 0
        # left index -> original right index
        self.links: dict[int, int] = {}
        count = len(self.order)
        for position in range(count):
            self._bindings.bind(
                LETTERS[position].lower(),
                f"link({position})",
                "Link",
                show=position == 0,
                key_display=f"a-{LETTERS[count - 1].lower()}",
            )

    def render_card(self) -> Content:
        if self.verdict is not None:
            return self._render_answered()
        pairs = self.card.pairs
        letter_of = {original: LETTERS[pos] for pos, original in enumerate(self.order)}
        lefts = [to_plain(p.left) for p in pairs]  # one row per pair: inline text, no markup
        width = max(len(left) for left in lefts)
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.prompt)]
        for left in range(len(pairs)):
            here = left == self.row and not self.answered
            cursor = ("▸ ", KEY) if here else "  "
            linked = self.links.get(left)
            link = f"→ {letter_of[linked]}" if linked is not None else "→ ?"
            style = "reverse" if here else ""
            mark: tuple[str, str] = ("", "")
            if self.verdict is not None:
                mark = (" ✓", RIGHT) if linked == left else (f" ✗ {letter_of[left]}", WRONG)
            # The partner's text, cut to the rest of the row so each pair stays on one line.
            used = 2 + len(str(left + 1)) + 1 + width + 2 + len(link) + len(mark[0]) + 1
            partner = to_plain(pairs[linked].right) if linked is not None else ""
            room = self.content_size.width - used
            if room < len(partner):
                partner = partner[: max(0, room - 1)] + "…" if room > 8 else ""
            parts += [
                cursor,
                (f"{left + 1} {lefts[left].ljust(width)}", style),
                "  ",
                (link, "bold"),
                mark,
                (f" {partner}" if partner else "", DIM),
                "\n",
            ]
        parts.append("\n")
        for position, original in enumerate(self.order):
            right = self.hang(pairs[original].right, 6)
            parts += ["  ", key_label(LETTERS[position]), " ", right, "\n"]
        if not self.answered:
            parts += [
                ("\n↑↓ choose a row · letter links it · ", DIM),
                key_label("enter"),
                (" confirms", DIM),
            ]
        return Content.assemble(*parts)

    def _render_answered(self) -> Content:
        """Each row: ✓ or ✗, the left item, `you:` the letter and text matched to it; under a
        wrong one, `right:` the letter and text of its match. The lettered list is not repeated."""
        pairs = self.card.pairs
        letter_of = {original: LETTERS[pos] for pos, original in enumerate(self.order)}
        lefts = [to_plain(p.left) for p in pairs]
        width = max(len(left) for left in lefts)
        indent = 2 + len(str(len(pairs))) + 1 + width + 2
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.prompt)]

        def match(label: str, original: int | None, style: str) -> list[Content | str | tuple]:
            if original is None:
                return [(label, DIM), ("nothing", style)]
            text = self.one_line(pairs[original].right, indent + len(label) + 2, style)
            return [(label, DIM), (letter_of[original], "bold"), " ", text]

        for left in range(len(pairs)):
            linked = self.links.get(left)
            number = str(left + 1).rjust(len(str(len(pairs))))
            row = f"{number} {lefts[left].ljust(width)}  "
            if linked == left:
                parts += [("✓ ", RIGHT), row, *match("you:   ", linked, RIGHT), "\n"]
            else:
                parts += [("✗ ", WRONG), row, *match("you:   ", linked, WRONG), "\n"]
                parts += [" " * indent, *match("right: ", left, RIGHT), "\n"]
        return Content.assemble(*parts)

    def action_cursor(self, delta: int) -> None:
        if not self.answered:
            self.row = (self.row + delta) % len(self.card.pairs)
            self.refresh_view()

    def action_link(self, position: int) -> None:
        if self.answered:
            return
        right = self.order[position]
        for left, linked in list(self.links.items()):
            if linked == right:
                del self.links[left]
        self.links[self.row] = right
        unlinked = [i for i in range(len(self.card.pairs)) if i not in self.links]
        if unlinked:
            later = [i for i in unlinked if i > self.row]
            self.row = (later or unlinked)[0]
        self.refresh_view()

    def action_clear(self) -> None:
        if not self.answered:
            self.links.pop(self.row, None)
            self.refresh_view()

    def action_confirm(self) -> None:
        if len(self.links) < len(self.card.pairs):
            missing = len(self.card.pairs) - len(self.links)
            self.notify(f"{missing} item(s) still need a partner.", severity="warning")
            return
        self.commit(dict(self.links))
