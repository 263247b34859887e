"""A card's lab, run live: progress, loss and metric curves, then results and checked claims.

The results are `studykit.lab.view`'s, the same tables, checksums, findings, invariants and
measured observables `studykit lab` prints; this screen only draws them (a `LabTable` per table).

The training runs in a thread worker. It only appends each `Progress` event to a list; a timer
on the UI thread reads what is new twice a second and redraws once, so a fast lab is not
slowed by a redraw per step (the UI and the training share the GIL and two cores). Keys keep
working while it trains. Esc asks the run to stop (`should_stop`), and the run returns what it
measured so far. The run's summary is stored with the card's history. `studykit.lab.runner` is
imported inside the worker: torch loads when a lab starts, not before.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from studykit.lab.view import ResultView, metric_text, result_view
from studykit.tui.messages import LabFailed, LabFinished
from studykit.tui.widgets.footer import Footer
from studykit.tui.widgets.lab_chart import LabCharts
from studykit.tui.widgets.lab_table import LabTable

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp


# Seconds between two redraws of the live line and bar. Each redraw is Python the training thread
# waits for (one GIL): on a GIL-bound fake lab, 10 a second cost it 15%; bench/tui_lab.py puts
# prompt-vs-prefix's TUI run at 1.16x the CLI's with 4 a second, 0.87x with 2.
REDRAW_EVERY = 0.5


class LabScreen(Screen[None]):
    """Runs `lab_name` with `params` for `card_id`, live, then shows its results.

    Hooks for a caller that builds on this screen (the predict flow does):
    - `LabScreen.Finished(lab_screen, result)` is posted when a run returns, completed or stopped
      (`result.interrupted`; `result.observables` says what was measured). It bubbles from the
      screen to the app, so either can handle it (`on_lab_screen_finished`).
    - `highlight`: method keys ("skill/prompt-tuning") whose rows the results tables
      highlight; give them to the constructor, or call `set_highlight(keys)` after the run.
    - `mount_in_slot(widget)` puts a widget (a verdict panel) in `#lab-slot`, above the
      results; it stays across reruns until the caller removes it.
    - `autostart=False` waits for `start()` (e.g. until the learner has committed a prediction).
    """

    class Finished(Message):
        """A run returned; posted after its results are on the screen."""

        def __init__(self, lab_screen: LabScreen, result: Any) -> None:
            super().__init__()
            self.lab_screen = lab_screen
            self.result = result  # studykit.lab.results.LabResult

        @property
        def control(self) -> LabScreen:
            return self.lab_screen

    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    BINDINGS = [
        Binding("escape", "stop", "Stop the run", id="stop"),
        Binding("escape", "close", "Back", id="close"),
        Binding("r", "rerun", "Run again", id="rerun"),
    ]

    def __init__(
        self,
        card_id: str,
        lab_name: str,
        params: dict[str, Any],
        notice: str | None = None,
        *,
        highlight: Collection[str] = (),
        autostart: bool = True,
    ) -> None:
        super().__init__()
        self.highlight: frozenset[str] = frozenset(highlight)
        self.autostart = autostart
        self.events: list[Any] = []  # this run's Progress events; the worker appends to it
        self.drawn = 0  # how many of them the screen has drawn
        self.started_at = 0.0
        self.phase = ""  # what the run is doing before its first step, shown while loading
        self.ticker: Timer | None = None
        self.notice = notice  # the card's own "what to look for", preferred to the lab's
        self.card_id = card_id
        self.lab_name = lab_name
        self.params = params
        self.spec: Any = None
        self.running = False
        self.stopping = False
        self.result: Any = None
        self.worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="lab-area"):
            yield Static(id="lab-intro")
            yield Static(id="lab-history")  # this card's earlier runs of the lab
            yield Static(id="lab-status")
            yield ProgressBar(id="lab-progress", show_eta=False)
            yield LabCharts(id="lab-charts")
            yield Vertical(id="lab-slot")  # a caller's widget, above the results
            yield Static(id="lab-facts")  # model, seed, wall time; and whether it was stopped
            yield Vertical(id="lab-tables")  # the methods table, then the lab's own
            yield Static(id="lab-checksum")
            yield Static(id="lab-claims")
            yield Static(id="lab-observed")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        from studykit.lab.catalog import UnknownLab, get_lab

        self.sub_title = f"Lab · {self.lab_name}"
        self.query_one("#lab-area").focus()  # arrows and page keys scroll the results
        try:
            self.spec = get_lab(self.lab_name, self.app.labs_dir)
        except UnknownLab as error:
            for part in ("#lab-progress", "#lab-charts"):
                self.query_one(part).display = False
            self._show_status(
                Content.assemble(
                    (str(error), "$error"), "\n", ("esc", "bold $accent"), " back to the card"
                )
            )
            return
        self.query_one("#lab-intro", Static).update(self._intro())
        self._show_history()
        if self.autostart:
            self.start()

    def _intro(self) -> Content:
        spec = self.spec
        parts: list[Content | str | tuple[str, str]] = [(spec.title, "bold"), "\n", spec.summary]
        notice = self.notice or spec.notice
        if notice:
            parts += ["\n", ("Notice: ", "bold $accent"), notice.strip()]
        return Content.assemble(*parts)

    SHOWN_RUNS = 3  # earlier runs listed above the curves; the card's page lists them all

    def _show_history(self) -> None:
        """This card's earlier runs of the lab, newest first: when, seed, key figures."""
        from studykit.lab.view import observed_value
        from studykit.study.lab_history import past_runs

        kinds = {name: declared.type for name, declared in self.spec.observables.items()}
        runs = past_runs(
            self.app.store,
            self.card_id,
            self.lab_name,
            show=lambda name, value: observed_value(value, kinds.get(name)),
        )
        widget = self.query_one("#lab-history", Static)
        widget.display = bool(runs)
        if not runs:
            return
        parts: list[Content | str | tuple[str, str]] = [
            (f"This card's runs of the lab ({len(runs)}, newest first)", "bold")
        ]
        for run in runs[: self.SHOWN_RUNS]:
            seed = "?" if run.seed is None else str(run.seed)
            parts += ["\n", (f"  {run.when}  seed {seed}  ", "$text-muted"), run.figures]
        if len(runs) > self.SHOWN_RUNS:
            more = len(runs) - self.SHOWN_RUNS
            parts += ["\n", (f"  and {more} more on the card's page (browse)", "$text-muted")]
        widget.update(Content.assemble(*parts))

    def run_params(self) -> dict[str, Any]:
        return {**self.params, **self.app.lab_overrides}

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start a run (again): the earlier run's results go, a caller's slot stays."""
        if self.running or self.spec is None:
            return
        self.running, self.stopping, self.result = True, False, None
        self.query_one("#lab-tables").remove_children()  # a rerun's results replace these
        for part in ("#lab-facts", "#lab-checksum", "#lab-observed"):
            self.query_one(part, Static).update("")
        self.query_one("#lab-claims", Static).update(self._pending_claims())
        # A still bar until the first step: an animated one would redraw 60 times a second
        # while the model loads, on the cores the loading needs.
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one(LabCharts).reset()
        self.events, self.drawn = [], 0
        self.started_at = time.monotonic()
        self.phase = "starting the run"
        self._show_loading()
        if self.ticker is None:
            self.ticker = self.set_interval(REDRAW_EVERY, self._tick)
        else:
            self.ticker.resume()
        self.worker = self.run_lab(self.events)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab")
    def run_lab(self, events: list[Any]) -> None:
        worker = get_current_worker()
        runner = self.app.lab_runner
        if runner is None:
            self.phase = "importing torch and the lab"
            from studykit.lab.runner import run_lab  # torch loads here, in this thread

            self.phase = "loading the base model and building the data"
            runner = run_lab

        def on_progress(event: Any) -> None:
            events.append(event)  # list.append is atomic: the UI timer reads what is new

        try:
            result = runner(
                self.lab_name,
                self.run_params(),
                on_progress=on_progress,
                should_stop=lambda: worker.is_cancelled,
            )
        except Exception as error:
            self.post_message(LabFailed(error))
            raise  # the worker records it too; exit_on_error=False keeps the app running
        self.post_message(LabFinished(result))

    def _tick(self) -> None:
        """Draw what the run reported since the last tick (at most one redraw per tick)."""
        if not self.running:
            return
        count = len(self.events)
        charts = self.query_one(LabCharts)
        if count > self.drawn:
            new, self.drawn = self.events[self.drawn : count], count
            self._show_progress(new[-1])
            charts.add(new)
        elif not count:
            self._show_loading()
        charts.tick()

    def _show_loading(self) -> None:
        seconds = time.monotonic() - self.started_at
        self._show_status(
            Content.assemble(
                ("Loading", "bold $secondary"),
                f" {seconds:.0f}s: {self.phase}…  ",
                ("esc", "bold $accent"),
                " stops it",
            )
        )

    def _show_progress(self, event: Any) -> None:
        # The bar follows the method being trained; a lab may train several one after another.
        self.query_one(ProgressBar).update(total=event.total_steps, progress=event.step)
        methods_so_far = len(self.query_one(LabCharts).methods | {event.method})
        # Evaluation metrics come every few steps: show the latest this method reported.
        metrics: dict[str, float] = next(
            (e.metrics for e in reversed(self.events) if e.method == event.method and e.metrics),
            {},
        )
        figures = "  ".join(metric_text(name, value) for name, value in metrics.items())
        stopping = ("  stopping…", "$warning") if self.stopping else ("", "")
        self._show_status(
            Content.assemble(
                (event.method, "bold $secondary"),
                f" (method {methods_so_far})  step {event.step}/{event.total_steps}  ",
                f"loss {event.loss:.4f}  {figures}  {event.elapsed:.1f}s",
                stopping,
            )
        )

    @on(LabFinished)
    def _finished(self, message: LabFinished) -> None:
        from studykit.study.lab_history import record_lab_run

        self._tick()  # the last steps, before the timer stops
        self.query_one(LabCharts).flush()
        self.running = False
        if self.ticker is not None:
            self.ticker.pause()
        result = self.result = message.result
        bar = self.query_one(ProgressBar)
        if result.interrupted and not result.measured_anything():
            # Stopped while the model was loading: there is nothing to show or keep.
            bar.update(total=1, progress=0)  # stop the "waiting" animation
            self._show_status(
                Content.assemble(
                    ("stopped", "bold $warning"),
                    " before the first step: nothing measured, nothing saved · ",
                    ("r", "bold $accent"),
                    " run · ",
                    ("esc", "bold $accent"),
                    " back",
                )
            )
            self.refresh_bindings()
            self.post_message(self.Finished(self, result))
            return
        with self.app.saving("lab run") as saved:
            record_lab_run(self.app.store, self.card_id, result.to_json(), now=self.app.now)
        self._show_history()
        if not result.interrupted:
            bar.update(total=1, progress=1)
        how = (
            ("stopped by you", "bold $warning") if result.interrupted else ("done", "bold $success")
        )
        self._show_status(
            Content.assemble(
                how,
                f" in {result.wall_seconds:.1f}s · ",
                "saved to this card's history · " if saved else ("not saved · ", "$error"),
                ("r", "bold $accent"),
                " run again · ",
                ("esc", "bold $accent"),
                " back",
            )
        )
        self._show_results(result)
        self.refresh_bindings()
        self.post_message(self.Finished(self, result))

    @on(LabFailed)
    def _failed(self, message: LabFailed) -> None:
        self.running = False
        if self.ticker is not None:
            self.ticker.pause()
        error = message.error
        self._show_status(
            Content.assemble(
                ("The lab failed: ", "bold $error"),
                f"{type(error).__name__}: {error}\n",
                ("esc", "bold $accent"),
                " back · ",
                ("r", "bold $accent"),
                " try again",
            )
        )
        self.refresh_bindings()

    # -- results -------------------------------------------------------------------------------

    def view_of(self, result: Any) -> ResultView:
        """What this screen shows of a finished run (a predict card's run shows less)."""
        return result_view(result, self.spec.title, self.spec)

    def _show_results(self, result: Any) -> None:
        view = self.view_of(result)
        self.query_one("#lab-facts", Static).update(self._facts(view))
        self.query_one("#lab-tables").mount_all(
            LabTable(table, width=self._table_width(), highlight=self.highlight)
            for table in view.all_tables
        )
        checksum = view.checksum
        self.query_one("#lab-checksum").display = checksum is not None
        if checksum is not None:
            verdict = (checksum.verdict, "$success" if checksum.same else "bold $error")
            self.query_one("#lab-checksum", Static).update(
                Content.assemble(
                    (checksum.label, "bold"),
                    f"  before {checksum.before}  after {checksum.after}  ",
                    verdict if checksum.same is not None else "",
                )
            )
        self.query_one("#lab-claims", Static).update(self._claims(view))
        self.query_one("#lab-observed", Static).update(self._observed(view))

    @staticmethod
    def _claims(view: ResultView) -> Content:
        """The findings (what this run showed), then the invariants apart: their ✓ is by
        construction, so it is drawn quietly, and a ✗ there is a bug, drawn loud."""
        parts: list[Content | str | tuple[str, str]] = [(view.findings_title, "bold"), "\n"]
        for claim in view.findings:
            mark = (f"  {claim.mark} ", "bold $success" if claim.holds else "bold $error")
            parts += [mark, claim.text, "\n"]
        if not view.claims:
            parts += [(f"  {view.no_claims}", "$text-muted"), "\n"]
        if view.invariants:
            parts += ["\n", (view.invariants_title, "bold"), "\n"]
            for claim in view.invariants:
                if claim.holds:
                    parts += [("  ✓ ", "$success"), (claim.text, "$text-muted"), "\n"]
                else:
                    parts += [("  ✗ ", "bold $error"), (claim.text, "bold $error"), "\n"]
        return Content.assemble(*parts).rstrip("\n")

    @staticmethod
    def _observed(view: ResultView) -> Content:
        if not view.observations:
            return Content("")
        parts: list[Content | str | tuple[str, str]] = ["\n", (view.observations_title, "bold")]
        for line in view.observations:
            parts += ["\n  ", f"{line.label}: "]
            parts.append((line.value, "bold" if line.measured else "$text-muted"))
            if line.detail:
                parts.append((f"  ({line.detail})", "$text-muted"))
        return Content.assemble(*parts)

    # -- hooks for a caller ----------------------------------------------------------------------

    def set_highlight(self, keys: Collection[str]) -> None:
        """Highlight the rows of these method keys in the results tables (now and after a rerun)."""
        self.highlight = frozenset(keys)
        for table in self.query(LabTable):
            table.set_highlight(self.highlight)

    def mount_in_slot(self, widget: Widget) -> None:
        """Show `widget` above the results (after the curves)."""
        self.query_one("#lab-slot").mount(widget)

    def _table_width(self) -> int:
        return self.query_one("#lab-area").scrollable_content_region.width

    def on_resize(self) -> None:
        # After the layout has settled, so that the width is the new one.
        def fit() -> None:
            for table in self.query(LabTable):
                table.fit_to(self._table_width())

        self.call_after_refresh(fit)

    @staticmethod
    def _facts(view: ResultView) -> Content:
        facts = "   ".join(f"{fact.label} {fact.value}" for fact in view.facts)
        notes = [item for note in view.notes for item in ("\n", (note, "bold $warning"))]
        return Content.assemble((facts, "$text-muted"), *notes)

    def _pending_claims(self) -> Content:
        """What the run will check, shown while it trains (✓ / ✗ replace the dots at the end)."""
        if not self.spec.claims:
            return Content("")
        parts: list[Content | str | tuple[str, str]] = [("This run checks\n", "bold")]
        for claim in self.spec.claims:
            parts += [("· ", "$text-muted"), claim, "\n"]
        return Content.assemble(*parts)

    def _show_status(self, content: Content) -> None:
        widget = self.query_one("#lab-status", Static)
        # A layout pass of the whole screen costs the training thread time (one GIL); the live
        # line changes 4 times a second but seldom its height, so lay out only when it may.
        width = max(1, widget.content_region.width - 8)  # wrapping at spaces loses some room
        lines = sum(1 + len(line) // width for line in content.plain.split("\n"))
        widget.update(content, layout=lines != widget.content_region.height)

    # -- keys ----------------------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.worker is not None and not self.stopping:
            self.stopping = True
            self.worker.cancel()  # the run sees should_stop() and returns what it measured
            self._show_status(Content.styled("Stopping after this step…", "$warning"))

    def action_close(self) -> None:
        self.dismiss()

    def action_rerun(self) -> None:
        if not self.running and self.spec is not None:
            self.start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running
        if action == "close":
            return not self.running
        if action == "rerun":
            return not self.running and self.spec is not None
        return True
