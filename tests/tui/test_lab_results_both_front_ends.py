"""One LabResult through both front ends: `studykit lab`'s rich output and the TUI's lab screen
show the same tables (cell for cell), the same checksums, claims and header facts, because both
draw `studykit.lab.view`. The fixture has parts, a target, a 100% share, a negative figure, a
value that was not finite (None), a long text cell and the device it ran on.
"""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from studykit.lab.catalog import get_lab
from studykit.lab.render import render
from studykit.lab.results import Claim, LabResult, MethodResult, Observation
from studykit.lab.view import result_view
from studykit.tui.screens.lab import LabScreen
from studykit.tui.widgets.lab_table import LabTable


def method(trainable: int, pct: float, after: float, steps: int, **extra) -> MethodResult:
    return MethodResult(
        trainable_params=trainable,
        trainable_pct=pct,
        exact_match_before=0.0,
        exact_match_after=after,
        steps=steps,
        seconds=0.02 * steps,
        ms_per_step=17.37 if steps else 0.0,
        peak_rss_mb=408.4,
        steps_to_target=31 if after >= 0.95 else None,
        seconds_to_target=0.61 if after >= 0.95 else None,
        extra={"target": 0.95} if steps else {},
    )


def fixture_result() -> LabResult:
    result = LabResult(lab="prompt-vs-prefix", seed=3, model="base_model", wall_seconds=12.34)
    result.methods = {
        "skill/hand-written": method(0, 0.0, 1.0, 0),
        "skill/prompt-tuning": method(256, 0.2473, 0.975, 40),
        "new/full-finetune": method(103_488, 100.0, 0.5, 40),
    }
    result.tables = {
        "gradient flow": {
            "columns": ["activation", "‖∂L/∂x‖", "vs. the row above", "steps"],
            "rows": [
                ["logits", 0.06703, "", 3],
                ["block 2 output", -0.1234, "the gradient shrinks a little on its way down", 12],
                ["prompt", None, "not finite", 1500],
            ],
            "note": "One backward pass; a dash is a value that was not finite.",
        },
        "not a table": {"figures": [1, 2]},  # a lab's other data: neither front end draws it
    }
    result.claims = [
        Claim("Prompt tuning trains k·d = 4·64 = 256 numbers (0.25% of the model)", True),
        Claim("Prefix tuning reached 95% on the new task", False),
        Claim("the base model's weights are unchanged", True, "invariant"),
    ]
    result.observables = {"winner_on_new_task": Observation("prompt-tuning", "97.5% vs 50.0%")}
    result.base_checksum_before = result.base_checksum_after = "468d9ec51e1a7b2c" + "0" * 48
    result.device = "cpu"
    return result


def cli_text(result: LabResult, title: str) -> str:
    console = Console(width=200, record=True, color_system=None)
    render(result, console, title, get_lab(result.lab))
    return console.export_text()


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_cli_and_the_tui_show_the_same_cells_claims_and_checksums(make_app, size):
    result = fixture_result()
    view = result_view(result, "Prompt tuning vs prefix tuning", get_lab(result.lab))
    cli = cli_text(result, view.title)
    cli_lines = [squeeze(line) for line in cli.splitlines()]

    app = make_app(lab_runner=lambda name, params, **_: result, labs_dir=None)
    async with app.run_test(size=size) as pilot:
        screen = LabScreen("t-flash", "prompt-vs-prefix", {})
        await app.push_screen(screen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        shown = list(screen.query(LabTable))
        tui_tables = {table.view.title: table.cells() for table in shown}
        for table in shown:  # at 80 columns too, each table fits: nothing hides off the edge
            grid = table.data_table
            assert grid.virtual_size.width <= grid.size.width, table.view.title
        claims = str(screen.query_one("#lab-claims").content)
        observed = str(screen.query_one("#lab-observed").content)
        checksum = str(screen.query_one("#lab-checksum").content)
        facts = str(screen.query_one("#lab-facts").content)

    # The figures themselves, so that two empty or equally wrong outputs cannot pass.
    assert tui_tables["Methods"] == [
        ["skill", "", "", "", "", "", "", "", ""],
        ["hand written", "0", "0.00%", "0.0%", "100.0%", "0", "-", "-", "408"],
        ["prompt tuning", "256", "0.25%", "0.0%", "97.5%", "40", "31/0.6s", "17.4", "408"],
        ["new", "", "", "", "", "", "", "", ""],
        ["full finetune", "103,488", "100%", "0.0%", "50.0%", "40", "no", "17.4", "408"],
    ]
    assert tui_tables["gradient flow"] == [
        ["logits", "0.067", "", "3"],
        ["block 2 output", "-0.123", "the gradient shrinks a little on its way down", "12"],
        ["prompt", "-", "not finite", "1500"],
    ]
    assert list(tui_tables) == [table.title for table in view.all_tables]  # no "not a table"

    # The CLI prints the same rows: each row's cells, in order, on one line.
    for table in view.all_tables:
        assert table.title in cli
        for row in table.rows:
            cells = [squeeze(cell) for cell in row.cells if cell.strip()]
            pattern = r"(^|\s)" + r"\s+".join(map(re.escape, cells)) + r"($|\s)"
            assert any(re.search(pattern, line) for line in cli_lines), (table.title, cells)
            assert [squeeze(cell) for cell in row.cells] in tui_tables[table.title]
        assert squeeze(table.note) in squeeze(cli)

    for claim in view.claims:
        line = f"{claim.mark} {claim.text}"
        assert line in squeeze(cli) and line in squeeze(claims)
    assert "✗ Prefix tuning reached 95% on the new task" in squeeze(claims)
    # The invariant is listed apart, under its own title, after every finding, in both.
    for text in (cli, claims):
        findings, _, invariants = text.partition(view.invariants_title)
        assert view.findings_title in findings and "Prefix tuning reached" in findings
        assert "✓ the base model's weights are unchanged" in squeeze(invariants)
        assert "weights are unchanged" not in findings
    assert view.observations  # the lab's observables, measured or not
    for line in view.observations:
        shown = f"{line.label}: {line.value}"
        assert shown in squeeze(cli) and shown in squeeze(observed), shown
    assert "winner on new task: prompt-tuning (97.5% vs 50.0%)" in squeeze(observed)
    shortened = "Base model sha256 before 468d9ec51e1a7b2c… after 468d9ec51e1a7b2c… identical"
    assert shortened in squeeze(cli) and shortened in squeeze(checksum)
    for fact in ("model base_model", "seed 3", "device cpu", "wall time 12.3s"):
        assert fact in squeeze(cli) and fact in squeeze(facts), fact


@pytest.mark.parametrize("width", [40, 60, 80])
def test_the_cli_never_cuts_a_figure_on_a_narrow_terminal(width):
    """Too narrow for the methods table as a grid, the CLI lists each method's figures after
    their column's name; every figure is printed whole, on one line."""
    result = fixture_result()
    console = Console(width=width, record=True, color_system=None)
    render(result, console, "t")
    text = console.export_text().replace("\u00a0", " ")
    assert "…" not in text.replace("468d9ec51e1a7b2c…", "")
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    for table in result_view(result).all_tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.strip() and len(cell) <= 12:  # a figure, not a sentence that may wrap
                    assert any(cell.strip() in line for line in lines), (width, cell)
    if width < 80:
        assert "after 97.5%" in text  # stacked: the column's name beside its value
