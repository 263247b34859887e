"""Cards answered by picking: mcq (one choice), multi (several, then confirm) and true_false.

Choices are shown in the order the study layer shuffled them for this review and lettered by
display position; number keys work too. The answer handed on uses the original indexes.
"""

from __future__ import annotations

import string

from textual.binding import Binding
from textual.content import Content

from studykit.tui.widgets.card_view import DIM, RIGHT, WRONG, CardView, key_label, prompt

LETTERS = string.ascii_uppercase
MAX_KEYED = 9  # number keys 1-9; letters cover every choice


def _pick_bindings(count: int, description: str) -> list[Binding]:
    """Letter and number keys for `count` choices; one footer entry stands for all of them."""
    bindings = []
    for position in range(count):
        letter = LETTERS[position].lower()
        show = position == 0
        label = f"a-{LETTERS[count - 1].lower()}" if show else None
        bindings.append(
            Binding(letter, f"pick({position})", description, show=show, key_display=label)
        )
        if position < MAX_KEYED:
            bindings.append(
                Binding(str(position + 1), f"pick({position})", description, show=False)
            )
    return bindings


class _ChoicesView(CardView):
    """Shared drawing of lettered choices with marks after the verdict."""

    def correct_originals(self) -> set[int]:
        raise NotImplementedError

    def picked_originals(self) -> set[int]:
        raise NotImplementedError

    checkboxes = False  # multi shows what is selected as ☐ / ☒

    def render_card(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.question)]
        picked = self.picked_originals()
        correct = self.correct_originals()
        for position, original in enumerate(self.order):
            mark, style, note = "  ", "", ""
            if self.verdict is not None:
                if original in correct:
                    mark, style = "✓ ", RIGHT
                    if self.checkboxes and original not in picked:
                        note = "  (missed)"
                elif original in picked:
                    mark, style = "✗ ", WRONG
            elif original in picked and not self.checkboxes:
                mark = "● "
            box = ("☒ " if original in picked else "☐ ") if self.checkboxes else ""
            choice = self.card.choices[original].text
            if self.verdict is not None and original not in correct | picked:
                text = self.one_line(choice, 6 + len(box))  # neither picked nor right
            else:
                text = self.hang(choice, 6 + len(box), style=style)
            parts += [
                (mark, style),
                box,
                key_label(LETTERS[position]),
                " ",
                text,
                (note, WRONG),
                "\n",
            ]
        return Content.assemble(*parts)


class MultipleChoiceView(_ChoicesView):
    """One right choice: the pick is the answer, graded at once."""

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self._picked: int | None = None
        self._bindings_for(len(self.order), "Pick")

    def _bindings_for(self, count: int, description: str) -> None:
        for binding in _pick_bindings(count, description):
            self._bindings.bind(
                binding.key,
                binding.action,
                binding.description,
                show=binding.show,
                key_display=binding.key_display,
            )

    def correct_originals(self) -> set[int]:
        return {self.card.correct_index}

    def picked_originals(self) -> set[int]:
        return set() if self._picked is None else {self._picked}

    def action_pick(self, position: int) -> None:
        if self.answered or position >= len(self.order):
            return
        self._picked = self.order[position]
        self.commit(self._picked)


class MultipleSelectView(MultipleChoiceView):
    """Several right choices: keys toggle, Enter confirms."""

    checkboxes = True

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self._selected: set[int] = set()
        self._bindings.bind("enter", "confirm", "Confirm")

    def correct_originals(self) -> set[int]:
        return set(self.card.correct_indexes)

    def picked_originals(self) -> set[int]:
        return self._selected

    def render_card(self) -> Content:
        body = super().render_card()
        if self.answered:
            return body
        hint = Content.assemble(
            "\n", ("Select every right answer, then press ", DIM), key_label("enter")
        )
        return Content.assemble(body, hint)

    def action_pick(self, position: int) -> None:
        if self.answered or position >= len(self.order):
            return
        self._selected ^= {self.order[position]}
        self.refresh_view()

    def action_confirm(self) -> None:
        if self._selected:
            self.commit(frozenset(self._selected))
        else:
            self.notify("Select at least one answer first.", severity="warning")


class TrueFalseView(CardView):
    """A statement: t / f (or 1 / 2)."""

    BINDINGS = [
        Binding("t", "pick(True)", "True", id="pick-true"),
        Binding("f", "pick(False)", "False", id="pick-false"),
        Binding("1", "pick(True)", "True", show=False),
        Binding("2", "pick(False)", "False", show=False),
    ]

    def __init__(self, presented, **kwargs) -> None:
        super().__init__(presented, **kwargs)
        self._picked: bool | None = None

    def render_card(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [prompt(self.card.statement)]
        for value, key in ((True, "T"), (False, "F")):
            mark, style = "  ", ""
            if self.verdict is not None:
                if value == self.card.answer:
                    mark, style = "✓ ", RIGHT
                elif value == self._picked:
                    mark, style = "✗ ", WRONG
            elif value == self._picked:
                mark = "● "
            parts += [(mark, style), key_label(key), " ", (str(value), style), "\n"]
        return Content.assemble(*parts)

    def action_pick(self, value: bool) -> None:
        if self.answered:
            return
        self._picked = value
        self.commit(value)
