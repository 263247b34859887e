"""Every on/off option is a flag, and `--help` shows it as one: `--json`, never `--json <bool>`."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from studykit.cli import app

runner = CliRunner()


def _commands(command, path=()):
    """(path, command) for the root and every command and group below it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_option_of_any_command_shows_bool_in_help():
    root = typer.main.get_command(app)
    paths = [path for path, _ in _commands(root)]
    assert ("stats",) in paths and ("progress", "export") in paths  # the walk found them
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, (path, result.output)


def test_every_bool_option_is_a_flag():
    root = typer.main.get_command(app)
    flags = 0
    for path, command in _commands(root):
        for param in getattr(command, "params", []):
            if getattr(param, "param_type_name", "") != "option":
                continue
            if isinstance(param.default, bool):
                assert param.is_flag, (path, param.name)
                flags += 1
    assert flags >= 5  # --json, --force, --yes, ... were all looked at


def test_json_is_a_switch_in_the_help_line():
    result = runner.invoke(app, ["stats", "--help"], env={"COLUMNS": "120"})
    line = next(line for line in result.output.splitlines() if "--json" in line)
    assert line.split("--json")[1].lstrip().startswith("Print JSON")  # no value between
