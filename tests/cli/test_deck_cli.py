"""`studykit deck validate | lint | new | list | show | schema`: exit codes, one line per problem,
JSON for machines, and never a traceback on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from studykit.cli import app
from studykit.deck.model import CARD_KINDS
from studykit.paths import bundled_decks_dir

runner = CliRunner()

GOOD = """\
id: gd
title: Gradient descent
description: Steps downhill.
topics:
  - id: gd-basics
    title: Basics
cards:
  - id: gd-1
    kind: mcq
    topic: gd-basics
    question: Which way does a gradient descent step move the parameters?
    choices:
      - text: Along the gradient
        why: That climbs the loss.
      - text: Against the gradient
    answer: B
    explanation: The gradient points uphill, so the update subtracts it.
"""


def invoke(*args: str):
    # wide enough that rich never wraps a long temporary path in the middle
    result = runner.invoke(app, ["deck", *args], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "gd.yaml"
    path.write_text(GOOD)
    return path


def test_validate_clean_deck(good):
    result = invoke("validate", str(good))
    assert result.exit_code == 0
    assert result.output == "checked 1 file: 1 deck, 1 card; no errors\n"


def test_validate_reports_one_line_per_error_and_exits_1(tmp_path, good):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        GOOD.replace("answer: B", "answer: E")
        .replace("id: gd\n", "id: gd2\n")
        .replace("gd-1", "gd-2")
        .replace("gd-basics", "gd2-basics")
    )
    result = invoke("validate", str(good), str(bad))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'{bad}:16:13: card gd-2: answer "E" is not one of the choices A-B; '
        "name a choice by its letter",
        "checked 2 files: 1 deck, 1 card; 1 error",
    ]


def test_validate_json(tmp_path, good):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    result = invoke("validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report) == {"files", "decks", "cards", "errors", "warnings"}
    assert (report["files"], report["decks"], report["cards"]) == (2, 1, 1)
    assert report["errors"][0] == {
        "file": str(bad),
        "line": 1,
        "column": 1,
        "card": None,
        "message": 'the deck needs "title"; add it',
    }
    assert len(report["errors"]) == 4 and report["warnings"] == []


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        pytest.param(b"", "", "the file is empty", id="empty"),
        pytest.param(b"\x00\x01\x02binary\xff", ":1:", "file contains NUL bytes", id="binary"),
        pytest.param(b"\xff\xfe\xfd", ":1:", "is not valid UTF-8", id="not utf-8"),
        pytest.param(b"id: [unclosed\n", ":1:", "YAML syntax error", id="unclosed"),
        pytest.param(b"- just\n- a list\n", ":1:", "a deck file is a mapping", id="a list"),
        pytest.param(b"id: x\nid: y\n", ":2:", 'duplicate key "id"', id="duplicate key"),
        pytest.param(b"a: &a [*a]\n", ":1:", "alias *a is used inside its own anchor", id="alias"),
        # our limit speaks, whatever limit the installed libyaml has of its own
        pytest.param(b"[" * 100_000, ":1:", "nest", id="100,000 levels of ["),
        pytest.param(b"id: x\nn: " + b"7" * 200_000, ":2:", "integer", id="200,000 digits"),
        pytest.param(
            b"x: !!python/object/apply:os.system [ls]\n", ":1:", "is not allowed", id="python tag"
        ),
    ],
)
def test_bad_files_get_a_clear_line_and_exit_1(tmp_path, content, where, message):
    path = tmp_path / "deck.yaml"
    path.write_bytes(content)
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    *problems, summary = result.output.splitlines()
    assert all(line.startswith(f"{path}:") for line in problems)
    assert any(line.startswith(f"{path}{where}") and message in line for line in problems), problems
    assert summary.startswith("checked 1 file: 0 decks")


def test_missing_path_and_folder_without_decks(tmp_path):
    result = invoke("validate", str(tmp_path / "nope.yaml"), str(tmp_path))
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        f"{tmp_path / 'nope.yaml'}: no such file or folder",
        f"{tmp_path}: no deck files (*.yaml, *.yml) in this folder",
    ]


def test_lint_prints_warnings_and_exits_1_until_clean(tmp_path, good):
    noisy = tmp_path / "noisy.yaml"
    noisy.write_text(
        GOOD.replace("gd-1", "gd-9")
        .replace("id: gd\n", "id: gd9\n")
        .replace("gd-basics", "gd9-basics")
        .replace("    explanation: The gradient points uphill, so the update subtracts it.\n", "")
    )
    result = invoke("lint", str(noisy))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'{noisy}:8:9: warning: card gd-9: no "explanation"; say why the answer is right, so a '
        "learner who got it wrong learns something",
        "checked 1 file: 1 deck, 1 card; no errors, 1 warning",
    ]
    as_json = json.loads(invoke("lint", "--json", str(noisy)).output)
    assert [w["card"] for w in as_json["warnings"]] == ["gd-9"]
    assert invoke("lint", str(good)).exit_code == 0


def test_new_writes_a_deck_that_validates_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "fresh.yaml"
    result = invoke("new", str(path))
    assert result.exit_code == 0 and path.exists()
    # the predict card is live once some bundled lab declares an observable for it to observe
    from studykit.lab.catalog import all_labs

    kinds = len(CARD_KINDS) - (not any(spec.observables for spec in all_labs().values()))
    assert f"one card of each of the {kinds} kinds" in result.output
    check = invoke("validate", "--json", str(path))
    # one card of every kind, plus the card that shows a fenced code block
    assert check.exit_code == 0 and json.loads(check.output)["cards"] == kinds + 1
    before = path.read_text()
    again = invoke("new", str(path))
    assert again.exit_code == 1 and "already exists" in again.output
    assert path.read_text() == before
    assert invoke("new", str(tmp_path / "deck.txt")).exit_code == 1


def test_list_shows_decks_in_a_table(good):
    result = invoke("list", str(good))
    assert result.exit_code == 0
    assert (
        "gd" in result.output and "Gradient descent" in result.output and "mcq 1" in result.output
    )


def test_list_defaults_to_the_bundled_decks():
    result = invoke("list")
    bundled = sorted(bundled_decks_dir().glob("*.yaml"))
    assert bundled and result.exit_code == 0
    assert f"checked {len(bundled)} files" in result.output


def test_show_renders_a_card_with_its_answer_and_feedback(good):
    result = invoke("show", "gd-1", "--decks", str(good))
    assert result.exit_code == 0
    for text in (
        "gd-1",
        "mcq",
        "✓ B. Against the gradient",
        "That climbs the loss.",
        "The gradient points uphill",
        f"{good}:8",
    ):
        assert text in result.output, text
    missing = invoke("show", "gd-2", "--decks", str(good))
    assert missing.exit_code == 1
    assert f'no card "gd-2" in {good}; did you mean gd-1?' in missing.output


def test_show_every_kind_from_the_scaffold(tmp_path):
    path = tmp_path / "kinds.yaml"
    invoke("new", str(path))
    for kind, expected in [
        ("flash-1", "Back"),
        ("multi-1", "✓ C."),
        ("tf-1", "answer: true"),
        ("match-1", "↔"),
        ("order-1", "4. Update the parameters"),
        ("short-1", "accepted: backpropagation | backprop"),
    ]:
        result = invoke("show", f"kinds-{kind}", "-d", str(path))
        assert result.exit_code == 0 and expected in result.output, (kind, result.output)


def test_schema_is_json_and_can_be_written_to_a_file(tmp_path):
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "studykit deck" and "cards" in schema["properties"]
    out = tmp_path / "deck.schema.json"
    assert invoke("schema", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_deck_commands_import_no_torch(tmp_path, good):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from studykit.cli import app\n"
        f"r = CliRunner().invoke(app, ['deck', 'lint', {str(good)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('torch', 'transformers', 'textual') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_validate_and_lint_default_to_the_bundled_decks():
    for command in ("validate", "lint"):
        result = invoke(command, "--json")
        data = json.loads(result.stdout)
        assert data["decks"] == 5 and data["cards"] >= 80, command


def test_show_takes_deck_paths_as_arguments_too(good):
    assert "✓ B. Against the gradient" in invoke("show", "gd-1", str(good)).stdout
    missing = invoke("show", "gd-99", str(good))
    assert missing.exit_code == 1 and 'no card "gd-99"' in missing.output


def test_lint_help_lists_every_check_as_flowing_text():
    shown = runner.invoke(app, ["deck", "lint", "--help"], env={"COLUMNS": "400"})
    assert shown.exit_code == 0
    # at 400 columns the checks fit on one line: no line break typer kept from the source
    [checks] = [line for line in shown.output.splitlines() if "Checks:" in line]
    assert "multi cards that all have the same number of correct answers" in checks
    assert checks.rstrip().endswith("short answers with two different numbers.")


BUILDS_ON_BUNDLED = GOOD.replace(
    "    title: Basics\n", "    title: Basics\n    learn_before: [gradient-descent]\n"
)


def test_validate_and_lint_resolve_learn_before_against_the_bundled_decks(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(BUILDS_ON_BUNDLED)
    assert invoke("lint", str(path)).exit_code == 0
    assert invoke("validate", str(path)).output == "checked 1 file: 1 deck, 1 card; no errors\n"
    alone = invoke("lint", str(path), "--no-bundled")
    assert alone.exit_code == 1
    assert 'learn_before: no loaded deck has a topic "gradient-descent"' in alone.output
    assert "1 warning" in invoke("validate", str(path), "--no-bundled").output


def test_topics_lists_bundled_and_given_topics_with_deck_and_title(tmp_path, good):
    listed = invoke("topics", str(good))
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["gd-basics", "gd", "Basics"]  # the decks given first
    assert any(line.split()[:2] == ["gradient-descent", "foundations"] for line in lines)
    rows = json.loads(invoke("topics", str(good), "--json", "--no-bundled").output)
    assert rows == [
        {
            "id": "gd-basics",
            "deck": "gd",
            "title": "Basics",
            "learn_before": [],
            "bundled": False,
            "file": str(good),
        }
    ]
    bundled = json.loads(invoke("topics", "--json").output)
    assert {row["deck"] for row in bundled} >= {"foundations", "soft-prompts"}
    assert all(row["bundled"] for row in bundled)


def test_topics_of_a_broken_deck_are_reported_not_listed(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("answer: B", "answer: Q"))
    result = invoke("topics", str(path), "--no-bundled")
    assert result.exit_code == 1
    assert "gd-basics" not in result.stdout
    assert 'answer "Q" is not one of the choices' in result.stderr


def test_the_duplicate_card_folder_loads_every_deck_but_the_clashing_card(tmp_path):
    folder = tmp_path / "decks"
    shutil.copytree(bundled_decks_dir(), folder)
    (folder / "aa-lora.yaml").write_text(
        GOOD.replace("id: gd\n", "id: lora\n").replace("gd-1", "bg-01")
        + "  - {id: lora-2, kind: flashcard, topic: gd-basics, front: F, back: B}\n"
    )
    bundled = json.loads(invoke("validate", str(bundled_decks_dir()), "--json").output)["cards"]
    result = invoke("validate", str(folder))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    # every bundled card, plus the new deck's own card; the clashing one is left out
    assert lines[-1] == f"checked 6 files: 6 decks, {bundled + 1} cards; 1 error"
    (error,) = lines[:-1]
    assert error.startswith(f"{folder}/aa-lora.yaml:")
    assert f"({folder}/backprop-and-gradient-descent.yaml:" in error
