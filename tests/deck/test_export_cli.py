"""`studykit deck export`: each format from the command line, and one line for every bad input."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
from test_export_formats import EVERY_KIND_YAML
from typer.testing import CliRunner

from studykit.cli import app
from studykit.cli.deck_io import EXPORT_FORMATS
from studykit.deck.export import FORMATS, LEFT_OUT
from studykit.deck.importers.gift import parse_gift

runner = CliRunner()
BUNDLED_DECKS = Path(__file__).parents[2] / "decks"


@pytest.fixture
def deck_file(tmp_path) -> Path:
    path = tmp_path / "every-kind.yaml"
    path.write_text(EVERY_KIND_YAML, encoding="utf-8")
    return path


def test_cli_knows_the_same_formats_as_the_library():
    assert {fmt: exts[0] for fmt, exts in EXPORT_FORMATS.items()} == FORMATS


@pytest.mark.parametrize("fmt", ["anki", "gift", "markdown", "csv"])
def test_export_each_format(deck_file, tmp_path, fmt):
    out = tmp_path / f"out{FORMATS[fmt]}"
    result = runner.invoke(app, ["deck", "export", str(deck_file), "--to", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary, *left_out = result.stdout.splitlines()
    assert summary == f"Exported 7 cards from 1 deck(s) as {fmt} to {out}"
    # what the format cannot hold is said, except for Markdown, which prints everything
    assert left_out == ([] if fmt == "markdown" else [f"(not in {fmt}: {LEFT_OUT[fmt]})"])
    if fmt == "anki":
        with zipfile.ZipFile(out) as package:
            database = tmp_path / "c.anki2"
            database.write_bytes(package.read("collection.anki2"))
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT count(*) FROM notes").fetchone() == (7,)
    elif fmt == "gift":
        assert len(parse_gift(out.read_text(encoding="utf-8"), str(out)).drafts) == 7
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))) == 7
    else:
        assert out.read_text(encoding="utf-8").count("\n### ") == 7


def test_format_comes_from_the_output_extension(deck_file, tmp_path):
    out = tmp_path / "bank.gift"
    result = runner.invoke(app, ["deck", "export", str(deck_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("// Exported by studykit")


def test_dash_prints_text_formats_and_keeps_the_summary_on_stderr(deck_file):
    result = runner.invoke(app, ["deck", "export", str(deck_file), "--to", "csv", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("id,deck,kind,topic,question,answer,explanation,tags,lab")
    assert result.stderr.splitlines()[0] == "Exported 7 cards from 1 deck(s) as csv"


def test_refuses_to_overwrite_without_force(deck_file, tmp_path):
    out = tmp_path / "deck.md"
    out.write_text("my notes\n", encoding="utf-8")
    result = runner.invoke(app, ["deck", "export", str(deck_file), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out} already exists; pass --force to replace it\n"
    assert out.read_text(encoding="utf-8") == "my notes\n"
    forced = runner.invoke(app, ["deck", "export", str(deck_file), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8").startswith("# Every kind")


def test_skipped_cards_are_named_on_stderr(tmp_path):
    deck = tmp_path / "arrow.yaml"
    deck.write_text(EVERY_KIND_YAML.replace('"prompt tuning", right', '"a -> b", right'), "utf-8")
    out = tmp_path / "arrow.gift"
    result = runner.invoke(app, ["deck", "export", str(deck), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        'warning: card ek-match (matching) skipped: the left item "a -> b" contains "->", '
        "which GIFT cannot escape\n"
    )
    assert "Exported 6 cards" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["{deck}", "--to", "pdf", "-o", "{dir}/x.pdf"],
         'error: unknown format "pdf" for --to; choose one of anki, gift, markdown, csv'),
        (["{dir}/missing.yaml", "--to", "gift"],
         "error: {dir}/missing.yaml: no such file or folder"),
        (["{deck}", "-o", "{dir}/x.txt"],
         "error: say which format with --to anki|gift|markdown|csv"),
        (["{deck}", "--to", "anki", "-o", "-"],
         "error: an Anki package is binary; write it to a file with -o NAME.apkg"),
        (["{deck}", "--to", "csv", "-o", "{dir}/nowhere/x.csv"],
         "error: {dir}/nowhere does not exist; create the folder first"),
    ],
)  # fmt: skip
def test_bad_flags_get_one_line_and_exit_1(deck_file, tmp_path, args, expected):
    before = sorted(p.name for p in tmp_path.iterdir())
    fill = {"{deck}": str(deck_file), "{dir}": str(tmp_path)}

    def filled(text: str) -> str:
        for key, value in fill.items():
            text = text.replace(key, value)
        return text

    result = runner.invoke(app, ["deck", "export", *map(filled, args)])
    assert result.exit_code == 1
    assert result.stderr == filled(expected) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_broken_deck_is_reported_and_nothing_is_written(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(EVERY_KIND_YAML.replace("    answer: B\n", "    answer: E\n"), "utf-8")
    out = tmp_path / "out.gift"
    result = runner.invoke(app, ["deck", "export", str(broken), "-o", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{broken}:") and '"E"' in line for line in lines), lines
    assert lines[-1] == "error: 1 problem(s) in the decks; fix them and export again"
    assert not out.exists()


def test_bundled_decks_export_to_anki_one_note_per_card(tmp_path):
    from studykit.deck.loader import load_decks
    from studykit.lab.catalog import Catalog

    loaded = load_decks([BUNDLED_DECKS], lab_catalog=Catalog())
    # predict cards need a lab run: left out without --run-labs (test_predict_export.py)
    cards = sum(card.kind != "predict" for deck in loaded.decks for card in deck.cards)
    out = tmp_path / "studykit.apkg"
    result = runner.invoke(app, ["deck", "export", str(BUNDLED_DECKS), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        database = tmp_path / "c.anki2"
        database.write_bytes(package.read("collection.anki2"))
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(DISTINCT guid) FROM notes").fetchone() == (cards,)


def test_a_pipe_as_output_is_refused_even_with_force(deck_file, tmp_path):
    # A rename over a device or a pipe (-o /dev/null, /dev/stdout) would replace it by a file.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["deck", "export", str(deck_file), "-o", str(fifo), "--force"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {fifo} is not a regular file (a device or a pipe); use -o - for standard output\n"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)
