"""Start-up stays light: `studykit --help` and the TUI's first screen import neither torch nor
transformers (they load when a lab starts), and the study layer never imports Textual.

Each check runs in a fresh interpreter, because this test process may have imported anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("torch", "transformers", "textual")

REPORT = """
import json as _json, sys as _sys
print(_json.dumps({"loaded": [m for m in HEAVY if m in _sys.modules], **result}))
"""


def loaded_after(code: str, tmp_path) -> dict:
    """Run `code` in a new interpreter; return `result` (a dict it sets) plus `loaded`: which of
    HEAVY were imported by then."""
    script = tmp_path / "probe.py"
    script.write_text(f"HEAVY = {HEAVY!r}\n" + textwrap.dedent(code) + REPORT)
    completed = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"STUDYKIT_DATA_DIR": str(tmp_path / "data"), "PATH": "", "TZ": "UTC"},
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_cli_help_imports_no_torch_transformers_or_textual(tmp_path):
    probe = loaded_after(
        """
        from typer.testing import CliRunner
        from studykit.cli import app
        out = CliRunner().invoke(app, ["--help"])
        result = {"exit_code": out.exit_code}
        """,
        tmp_path,
    )
    assert probe == {"loaded": [], "exit_code": 0}


def test_deck_lab_stats_and_progress_commands_import_no_torch_transformers_or_textual(tmp_path):
    """The everyday commands, each run to its end, on the bundled decks; the lab list and help;
    and lab runs refused for an unknown name or a bad --model, decided before the engine loads."""
    probe = loaded_after(
        """
        from typer.testing import CliRunner
        from studykit.cli import app
        from studykit.paths import bundled_decks_dir
        from studykit.study.store import ProgressStore
        ProgressStore.open().close()  # a learner who has studied: stats and export read it
        decks = str(bundled_decks_dir())
        commands = [
            ["deck", "validate", decks],
            ["deck", "lint", decks],
            ["deck", "list"],
            ["deck", "show", "no-such-card"],
            ["deck", "export", decks, "--to", "csv", "-o", "-"],
            ["stats", "--json"],
            ["progress", "export", "-"],
            ["lab", "list"],
            ["lab", "soft-prompt", "--help"],
            ["lab", "run", "no-such-lab"],
            ["lab", "soft-prompt", "--model", "/no/such/model"],
        ]
        runner = CliRunner()
        result = {"exit_codes": [runner.invoke(app, args).exit_code for args in commands]}
        """,
        tmp_path,
    )
    codes = probe.pop("exit_codes")
    assert probe == {"loaded": []}
    # Each ran to its end: lint's 0 or 1 depends on the bundled decks; `show` finds no card; the
    # two refused lab runs exit 2.
    assert codes[0] == 0 and codes[1] in (0, 1) and codes[2:] == [0, 1, 0, 0, 0, 0, 0, 2, 2]


def test_tui_first_screen_imports_neither_torch_nor_transformers(tmp_path):
    probe = loaded_after(
        """
        import asyncio
        import studykit.cli
        from studykit.tui.launch import build_app
        from studykit.tui.screens.home import HomeScreen

        async def first_screen():
            app = build_app(None, None)  # the bundled decks; progress in STUDYKIT_DATA_DIR
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                home = app.screen_stack[1]  # a problems screen may sit on top of it
                assert isinstance(home, HomeScreen), app.screen_stack
                rows = home.query_one("#decks").row_count
            app.store.close()
            return rows

        result = {"deck_rows": asyncio.run(first_screen())}
        """,
        tmp_path,
    )
    assert probe["loaded"] == ["textual"]
    assert probe["deck_rows"] >= 1  # the bundled decks are listed


def test_study_layer_imports_no_textual(tmp_path):
    probe = loaded_after(
        """
        import studykit.study.session, studykit.study.stats, studykit.study.grading
        result = {}
        """,
        tmp_path,
    )
    assert probe == {"loaded": []}
