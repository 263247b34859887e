"""Cards' lab links are checked against the bundled labs by every command that loads decks, and by
the TUI. The deck loader imports nothing of the lab layer; these callers pass it the catalog
(`lab_catalog=Catalog()`), so this checks the wiring, not the loader's rules (tests/deck has those).
"""

from __future__ import annotations

from typer.testing import CliRunner

from studykit.cli import app
from studykit.tui.launch import build_app

runner = CliRunner()

DECK = """\
id: links
title: Lab links
description: Cards that point at labs.
topics:
  - {id: links-basics, title: Basics}
cards:
  - id: links-1
    kind: flashcard
    topic: links-basics
    front: What does a prefix add?
    back: Keys and values in every layer.
    explanation: A prefix reaches every layer.
    lab: {name: prompt-vs-prefix, params: {virtual_tokens: 99}}
  - id: links-2
    kind: flashcard
    topic: links-basics
    front: What does a soft prompt add?
    back: Vectors at the input.
    explanation: Only the input layer.
    lab: soft-promt
"""

BAD_PARAM = (
    "{path}:13:60: card links-1: lab prompt-vs-prefix: virtual_tokens must be ≤ 8, got 99; "
    "fix the card's lab params"
)
UNKNOWN = (
    '{path}:20:10: warning: card links-2: lab "soft-promt" does not exist (yet); '
    'did you mean "soft-prompt"?'
)


def deck_file(tmp_path):
    path = tmp_path / "links.yaml"
    path.write_text(DECK, encoding="utf-8")
    return path


def test_validate_and_lint_report_bad_lab_params_and_unknown_labs(tmp_path):
    path = deck_file(tmp_path)
    validated = runner.invoke(app, ["deck", "validate", str(path)])
    assert validated.exit_code == 1
    assert validated.output.splitlines()[0] == BAD_PARAM.format(path=path)
    assert "1 error, 1 warning" in validated.output  # validate counts warnings; lint lists them
    linted = runner.invoke(app, ["deck", "lint", str(path)])
    assert linted.exit_code == 1
    lines = linted.output.splitlines()
    assert BAD_PARAM.format(path=path) in lines and UNKNOWN.format(path=path) in lines, lines


def test_export_and_stats_hold_back_a_deck_with_bad_lab_params(tmp_path):
    path = deck_file(tmp_path)
    exported = runner.invoke(app, ["deck", "export", str(path), "--to", "csv", "-o", "-"])
    assert exported.exit_code == 1
    assert BAD_PARAM.format(path=path) in exported.output.splitlines()
    stats = runner.invoke(app, ["stats", str(path), "--data-dir", str(tmp_path / "data")])
    assert "deck problem(s), first: " + BAD_PARAM.format(path=path) in stats.output


def test_the_tui_problems_screen_gets_the_lab_link_problems(tmp_path):
    path = deck_file(tmp_path)
    tui = build_app([path], tmp_path / "data")
    try:
        shown = [str(p) for p in tui.problems]
    finally:
        tui.store.close()
    assert shown == [BAD_PARAM.format(path=path), UNKNOWN.format(path=path)]
