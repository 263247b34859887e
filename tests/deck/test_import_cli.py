"""`studykit deck import`: writes a deck that validates, never overwrites by accident, and answers
every bad input with one line and exit code 1."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from studykit.cli import app
from studykit.deck.loader import load_decks
from studykit.deck.model import Deck
from studykit.lab.catalog import Catalog

runner = CliRunner()

BANK = """\
// Week 3
::Frozen::The base model is frozen in prompt tuning.{T}

::Rate::Which is the learning rate?{=η#Yes. ~∇L#That is the gradient.}

::Pi::π to two decimals?{#3.14:0.005}
"""


@pytest.fixture
def bank(tmp_path):
    path = tmp_path / "week3.gift"
    path.write_text(BANK, encoding="utf-8")
    return path


def load(path) -> Deck:
    loaded = load_decks([path])
    assert [str(p) for p in loaded.problems if p.severity == "error"] == []
    (deck,) = loaded.decks
    return deck


def test_import_writes_a_deck_that_validates(bank, tmp_path):
    out = tmp_path / "week3.yaml"
    result = runner.invoke(app, ["deck", "import", str(bank), "--from", "gift", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Imported 2 questions from {bank} into {out} (deck week3, 1 topic(s))" in result.stdout
    assert result.stderr.splitlines() == [
        f'warning: {bank}:6: question "Pi": is a numerical question whose answer "3.14:0.005" '
        "is not one exact number (a tolerance or a range), which studykit cannot grade; skipped"
    ]
    deck = load(out)
    assert [card.id for card in deck.cards] == ["week3-frozen", "week3-rate"]
    assert deck.cards[1].choices[0].why == "Yes."


def test_format_and_output_default_from_the_file_name(bank, tmp_path):
    result = runner.invoke(app, ["deck", "import", str(bank)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "week3.yaml").is_file()


def test_refuses_to_overwrite_without_force(bank, tmp_path):
    out = tmp_path / "week3.yaml"
    out.write_text("precious: true\n", encoding="utf-8")
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {out} already exists; pass --force to replace it\n"
    assert out.read_text(encoding="utf-8") == "precious: true\n"
    forced = runner.invoke(app, ["deck", "import", str(bank), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "id: week3" in out.read_text(encoding="utf-8")


def test_deck_id_title_and_prefix_options(bank, tmp_path):
    out = tmp_path / "d.yaml"
    args = ["--deck-id", "ml101", "--title", "ML 101, week 3", "--id-prefix", "ml101-"]
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    deck = load(out)
    assert (deck.id, deck.title) == ("ml101", "ML 101, week 3")
    assert [c.id for c in deck.cards] == ["ml101-frozen", "ml101-rate"]


def test_dash_prints_the_deck(bank):
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert Deck.model_validate(yaml.safe_load(result.stdout)).id == "week3"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["{dir}/missing.gift"], "error: {dir}/missing.gift: no such file"),
        (["{dir}/week3.gift", "--from", "xml"],
         'error: unknown format "xml" for --from; choose one of gift, aiken'),
        (["{dir}/bank.txt"], "error: say which format with --from gift|aiken"),
        (["{dir}/week3.gift", "-o", "{dir}"],
         "error: {dir} is a directory; give a file name with -o"),
        (["{dir}/week3.gift", "-o", "{dir}/no/such/dir/x.yaml"],
         "error: {dir}/no/such/dir does not exist; create the folder first"),
        (["{dir}/week3.gift", "--deck-id", "Bad Id"],
         'error: --deck-id "Bad Id" may hold only a-z, 0-9, ".", "-" and "_"'),
        (["{dir}/week3.gift", "--id-prefix", "p" * 80],
         'error: {dir}/week3.gift: id prefix "' + "p" * 60 + '…" is longer than 60 characters; '
         "use a shorter id prefix"),
        (["{dir}/week3.gift", "--deck-id", "d" * 81],
         'error: {dir}/week3.gift: deck id "' + "d" * 81 + '" is longer than 80 characters; '
         "use a shorter deck id or id prefix"),
        (["{dir}/broken.gift"],
         "warning: {dir}/broken.gift:2:8: question \"Q\": '{' is never closed; "
         "end the answers with '}'; skipped\n"
         "error: {dir}/broken.gift: no question could be imported (1 broken, each named "
         "above); fix them and import again"),
        (["{dir}/aiken.txt", "--from", "aiken"],
         "warning: {dir}/aiken.txt:1:1: question \"Q?\": has no 'ANSWER: <letter>' line; "
         "add one after its choices; skipped\n"
         "error: {dir}/aiken.txt: no question could be imported (1 broken, each named above); "
         "fix them and import again"),
    ],
)  # fmt: skip
def test_bad_input_gets_one_line_and_exit_1(bank, tmp_path, args, expected):
    (tmp_path / "bank.txt").write_text("Q?{T}", encoding="utf-8")
    (tmp_path / "broken.gift").write_text("// x\n::Q::Hi{=a ~b\n", encoding="utf-8")
    (tmp_path / "aiken.txt").write_text("Q?\nA. a\nB. b\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(
        app, ["deck", "import", *(a.replace("{dir}", str(tmp_path)) for a in args)]
    )
    assert result.exit_code == 1
    assert result.stderr == expected.replace("{dir}", str(tmp_path)) + "\n"
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_imported_deck_loads_cleanly_next_to_the_bundled_decks(bank, tmp_path):
    out = tmp_path / "week3.yaml"
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", str(out), "--id-prefix", "w3-"])
    assert result.exit_code == 0, result.output
    loaded = load_decks([out, Path(__file__).parents[2] / "decks"], lab_catalog=Catalog())
    assert [str(p) for p in loaded.problems if p.severity == "error"] == []
    assert "week3" in [deck.id for deck in loaded.decks]


def test_a_pipe_as_output_is_refused_even_with_force(bank, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", str(fifo), "--force"])
    assert result.exit_code == 1
    assert "is not a regular file" in result.stderr and len(result.stderr.splitlines()) == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_broken_question_is_skipped_unless_strict(tmp_path):
    bank = tmp_path / "mixed.gift"
    bank.write_text(BANK + "\n::Broken::Pick one{=a ~b\n\n::Fine::Last?{F}\n", encoding="utf-8")
    out = tmp_path / "mixed.yaml"
    result = runner.invoke(app, ["deck", "import", str(bank), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"warning: {bank}:8:19: question \"Broken\": '{{' is never closed" in result.stderr
    assert [c.id for c in load(out).cards] == ["mixed-frozen", "mixed-rate", "mixed-fine"]
    strict = tmp_path / "strict.yaml"
    refused = runner.invoke(app, ["deck", "import", str(bank), "-o", str(strict), "--strict"])
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        f"error: 1 broken question(s) in {bank} (see above); --strict writes nothing: fix them, "
        "or import without --strict to skip them"
    )
    assert not strict.exists()
