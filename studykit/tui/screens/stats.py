"""Statistics: headline figures, the due forecast for the next 30 days, a review heatmap,
mastery per topic and how often predictions (predict cards) were right. Every figure comes
from `studykit.study.stats`; this screen only draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Static
from textual_plotext import PlotextPlot

from studykit.tui.display import bar
from studykit.tui.widgets.footer import Footer
from studykit.tui.widgets.heatmap import ReviewHeatmap

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp

FORECAST_DAYS = 30
HEATMAP_DAYS = 371  # 53 weeks: enough for the widest terminal


class StatsScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="back"),
        Binding("r", "reload", "Refresh", id="reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats-area"):
            yield Static(id="stats-summary")
            yield PlotextPlot(id="forecast-chart")
            yield Static("Reviews per day", classes="section-title")
            yield ReviewHeatmap(id="heatmap")
            yield Static(id="stats-topics")
            yield Static(id="stats-predictions")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Statistics"
        self.action_reload()

    def action_reload(self) -> None:
        from studykit.study.stats import compute_stats, due_forecast, reviews_per_day

        app = self.app
        stats = compute_stats(
            app.store, app.decks, now=app.now, settings=app.preferences.scheduler_settings()
        )
        forecast = due_forecast(app.store, app.decks, days=FORECAST_DAYS, now=app.now)
        history = reviews_per_day(app.store, days=HEATMAP_DAYS, now=app.now)
        self.query_one("#stats-summary", Static).update(self._summary(stats))
        self._draw_forecast(forecast)
        self.query_one(ReviewHeatmap).set_days(history)
        self.query_one("#stats-topics", Static).update(self._topics(stats.topics))
        predictions = self.query_one("#stats-predictions", Static)
        predictions.update(self._predictions(stats.predictions))
        predictions.display = bool(stats.predictions)  # none until a predict card is graded

    @staticmethod
    def _summary(stats) -> Content:
        from studykit.study.stats import review_counts_note

        def pct(value: float | None) -> str:
            return "—" if value is None else f"{value:.0%}"

        figures = [
            ("cards seen", str(stats.cards_seen)),
            ("due today", str(stats.due_today)),
            ("due in 7 days", str(stats.due_next_7_days)),
            ("retention", pct(stats.retention)),
            ("true retention", pct(stats.true_retention)),
            ("leeches", str(stats.leeches)),
            ("suspended", str(stats.suspended)),
        ]
        # Three figures a row, in fixed-width cells, so a figure never wraps away from its label.
        # The review counts first, in the words `studykit stats` prints.
        parts: list[Content | str | tuple[str, str]] = [
            (f"{stats.reviews:>6}", "bold $accent"),
            " reviews ",
            (review_counts_note(stats), "$text-muted"),
            "\n",
        ]
        for i, (label, value) in enumerate(figures):
            parts += [(f"{value:>6}", "bold $accent"), (f" {label:<16}", "$text-muted")]
            if i % 3 == 2 and i < len(figures) - 1:
                parts.append("\n")
        parts.append(
            (
                "\nretention: share of ratings not Again · true retention: the same, counting "
                "only cards that came due for review (— until one has)",
                "$text-muted",
            )
        )
        return Content.assemble(*parts)

    def _draw_forecast(self, forecast) -> None:
        chart = self.query_one("#forecast-chart", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.title(f"Due in the next {len(forecast)} days")
        counts = [d.count for d in forecast]
        plt.bar(list(range(len(forecast))), counts, width=0.6)
        top = max(counts, default=0)
        step = max(1, -(-top // 4))  # at most ~5 whole-number ticks
        plt.yticks(list(range(0, top + step, step)))
        plt.xticks(list(range(0, len(forecast), 5)))
        plt.xlabel("days from today (0 = today, overdue included)")
        chart.refresh()

    @staticmethod
    def _topics(topics) -> Content:
        if not topics:
            return Content("")
        width = min(36, max(len(t.title) for t in topics))
        from studykit.study.scheduler import MASTERY_MEANING

        parts: list[Content | str | tuple[str, str]] = [
            ("Mastery per topic", "bold"),
            (f" (a card is mastered when {MASTERY_MEANING})\n", "$text-muted"),
        ]
        for topic in topics:
            title = topic.title if len(topic.title) <= width else topic.title[: width - 1] + "…"
            parts += [
                f"{title:<{width}} ",
                (bar(topic.share), "$success"),
                f" {topic.mastered}/{topic.total} mastered",
                (f", {topic.seen} seen\n", "$text-muted"),
            ]
        return Content.assemble(*parts)

    @staticmethod
    def _predictions(rates) -> Content:
        """Predictions right per lab, then per topic, beside the recall rate of the same cards,
        in the words and figures `studykit stats` prints (`stats.prediction_figures`)."""
        from studykit.study.stats import PREDICTIONS_HEADING, PREDICTIONS_NOTE, prediction_figures

        if not rates:
            return Content("")
        width = min(30, max(len(r.title) for r in rates))  # the row fits 80 columns
        parts: list[Content | str | tuple[str, str]] = [
            (PREDICTIONS_HEADING, "bold"),
            (f" {PREDICTIONS_NOTE}\n", "$text-muted"),
        ]
        for group in ("lab", "topic"):
            for rate in (r for r in rates if r.group == group):
                title = rate.title if len(rate.title) <= width else rate.title[: width - 1] + "…"
                count, share, recall = prediction_figures(rate)
                parts += [
                    (f"{group:<6}", "$text-muted"),
                    f"{title:<{width}} ",
                    (bar(rate.rate or 0.0), "$success"),
                    f" {count} {share:>4}",
                    (f"  {recall}\n", "$text-muted"),
                ]
        return Content.assemble(*parts).rstrip("\n")

    def action_back(self) -> None:
        self.dismiss()
