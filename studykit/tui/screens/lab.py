"""A card's lab, run live: progress, loss and metric curves, then results and checked claims.

The results are `studykit.lab.view`'s, the same tables, checksums and claims `studykit lab`
prints; this screen only draws them (a `LabTable` per table).

The training runs in a thread worker; it reports through messages (thread-safe `post_message`),
so keys keep working while it trains. Esc asks the run to stop (`should_stop`), and the run
returns what it measured so far. The run's summary is stored with the card's history.
`studykit.lab.runner` is imported inside the worker: torch loads when a lab starts, not before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from studykit.lab.view import ResultView, result_view
from studykit.tui.messages import LabFailed, LabFinished, LabProgressed
from studykit.tui.widgets.lab_chart import LabChart
from studykit.tui.widgets.lab_table import LabTable

if TYPE_CHECKING:
    from textual import getters

    from studykit.tui.app import StudykitApp


def _default_runner(name: str, params: dict[str, Any], on_progress: Any, should_stop: Any) -> Any:
    from studykit.lab.runner import run_lab  # torch loads here, in the worker thread

    return run_lab(name, params, on_progress=on_progress, should_stop=should_stop)


class LabScreen(Screen[None]):
    if TYPE_CHECKING:  # Textual's typed `app` (textual.getters); at run time its own property
        app = getters.app(StudykitApp)

    BINDINGS = [
        Binding("escape", "stop", "Stop the run", id="stop"),
        Binding("escape", "close", "Back", id="close"),
        Binding("r", "rerun", "Run again", id="rerun"),
    ]

    def __init__(
        self, card_id: str, lab_name: str, params: dict[str, Any], notice: str | None = None
    ) -> None:
        super().__init__()
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
            yield Static(id="lab-status")
            yield ProgressBar(id="lab-progress", show_eta=False)
            with Horizontal(id="lab-charts"):
                yield LabChart("loss", plots_loss=True, id="loss-chart")
                yield LabChart("metric", plots_loss=False, id="metric-chart")
            yield Static(id="lab-facts")  # model, seed, wall time; and whether it was stopped
            yield Vertical(id="lab-tables")  # the methods table, then the lab's own
            yield Static(id="lab-checksum")
            yield Static(id="lab-claims")
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
        self.start()

    def _intro(self) -> Content:
        spec = self.spec
        parts: list[Content | str | tuple[str, str]] = [(spec.title, "bold"), "\n", spec.summary]
        notice = self.notice or spec.notice
        if notice:
            parts += ["\n", ("Notice: ", "bold $accent"), notice.strip()]
        return Content.assemble(*parts)

    def run_params(self) -> dict[str, Any]:
        return {**self.params, **self.app.lab_overrides}

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        self.running, self.stopping, self.result = True, False, None
        self.query_one("#lab-tables").remove_children()  # a rerun's results replace these
        for part in ("#lab-facts", "#lab-checksum"):
            self.query_one(part, Static).update("")
        self.query_one("#lab-claims", Static).update(self._pending_claims())
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._show_status(Content.styled("Loading the model and starting the run…", "$text-muted"))
        self.worker = self.run_lab()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lab")
    def run_lab(self) -> None:
        worker = get_current_worker()
        runner = self.app.lab_runner or _default_runner
        history: list[Any] = []

        def on_progress(event: Any) -> None:
            history.append(event)
            self.post_message(LabProgressed(event, tuple(history)))

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

    @on(LabProgressed)
    def _progressed(self, message: LabProgressed) -> None:
        event, history = message.progress, message.history
        # The bar follows the method being trained; a lab may train several one after another.
        self.query_one(ProgressBar).update(total=event.total_steps, progress=event.step)
        methods_so_far = len(dict.fromkeys(e.method for e in history))
        # Evaluation metrics come every few steps: show the latest this method reported.
        metrics: dict[str, float] = next(
            (e.metrics for e in reversed(history) if e.method == event.method and e.metrics), {}
        )
        figures = "  ".join(f"{name} {value:.3g}" for name, value in metrics.items())
        stopping = ("  stopping…", "$warning") if self.stopping else ("", "")
        self._show_status(
            Content.assemble(
                (event.method, "bold $secondary"),
                f" (method {methods_so_far})  step {event.step}/{event.total_steps}  ",
                f"loss {event.loss:.4f}  {figures}  {event.elapsed:.1f}s",
                stopping,
            )
        )
        metric_chart = self.query_one("#metric-chart", LabChart)
        if metric_chart.metric is None and metrics:
            metric_chart.metric = next(iter(metrics))
            metric_chart.title = metric_chart.metric
        self.query_one("#loss-chart", LabChart).draw(history)
        metric_chart.draw(history)

    @on(LabFinished)
    def _finished(self, message: LabFinished) -> None:
        from studykit.study.lab_history import record_lab_run

        self.running = False
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
            return
        with self.app.saving("lab run") as saved:
            record_lab_run(self.app.store, self.card_id, result.to_json())
        if not result.interrupted:
            bar.update(total=1, progress=1)
        how = (
            ("stopped early", "bold $warning") if result.interrupted else ("done", "bold $success")
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

    @on(LabFailed)
    def _failed(self, message: LabFailed) -> None:
        self.running = False
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

    def _show_results(self, result: Any) -> None:
        view = result_view(result, self.spec.title)
        self.query_one("#lab-facts", Static).update(self._facts(view))
        self.query_one("#lab-tables").mount_all(
            LabTable(table, width=self._table_width()) for table in view.all_tables
        )
        checksum = view.checksum
        if checksum is not None:
            verdict = (checksum.verdict, "$success" if checksum.same else "bold $error")
            self.query_one("#lab-checksum", Static).update(
                Content.assemble(
                    (checksum.label, "bold"),
                    f"  before {checksum.before}  after {checksum.after}  ",
                    verdict if checksum.same is not None else "",
                )
            )
        parts: list[Content | str | tuple[str, str]] = [(view.claims_title, "bold"), "\n"]
        for claim in view.claims:
            mark = (f"  {claim.mark} ", "bold $success" if claim.holds else "bold $error")
            parts += [mark, claim.text, "\n"]
        if not view.claims:
            parts += [(f"  {view.no_claims}", "$text-muted"), "\n"]
        self.query_one("#lab-claims", Static).update(Content.assemble(*parts))

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
        self.query_one("#lab-status", Static).update(content)

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
