"""A review heatmap: one cell per study day, weeks as columns and weekdays as rows (GitHub-style).

It draws as many recent weeks as fit its width, so it works at 80 columns and shows more when
there is room.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.content import Content
from textual.widget import Widget

from studykit.tui.display import shade

WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
LABEL_WIDTH = 4


class ReviewHeatmap(Widget):
    DEFAULT_CSS = """
    ReviewHeatmap { height: 9; width: 1fr; }
    """

    def __init__(self, days: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.days = list(days)  # DayCount(day, count), oldest first, one per day

    def set_days(self, days: Sequence[Any]) -> None:
        self.days = list(days)
        self.refresh()

    def render(self) -> Content:
        if not self.days:
            return Content("No reviews yet.")
        last = self.days[-1].day
        weeks_known = (last - self.days[0].day).days // 7 + 1
        weeks_fit = max(1, min(weeks_known, self.size.width - LABEL_WIDTH))
        # Columns are weeks ending with the week of the last day; row = weekday (Mon = 0).
        first_monday = last.toordinal() - last.weekday() - 7 * (weeks_fit - 1)
        counts = {d.day.toordinal(): d.count for d in self.days}
        shown = [c for o, c in counts.items() if o >= first_monday]
        most = max(shown, default=0)
        lines: list[Content] = []
        for weekday in range(7):
            cells: list[tuple[str, str]] = []
            for week in range(weeks_fit):
                ordinal = first_monday + 7 * week + weekday
                if ordinal > last.toordinal() or ordinal not in counts:
                    cells.append((" ", ""))
                    continue
                count = counts[ordinal]
                cells.append((shade(count, most), "$success" if count else "$text-muted"))
            lines.append(Content.assemble(f"{WEEKDAYS[weekday]:<{LABEL_WIDTH}}", *cells))
        total = sum(shown)
        legend = Content.assemble(
            ("    ", ""),
            (f"{total} reviews in the last {weeks_fit} weeks", "$text-muted"),
            ("   · none  ░▒▓█ more", "$text-muted"),
        )
        return Content("\n").join([*lines, legend])
