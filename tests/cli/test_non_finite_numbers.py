"""NaN and infinity are refused wherever a number is read: a lab flag, `lab run key=value`, a
card's lab params, `settings --retention`. NaN compares false with everything, so a bounds check
written with < and > let it through to torch.optim.Adam."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.catalog import check_params, get_lab

runner = CliRunner()
NON_FINITE = ["nan", "inf", "-inf"]


@pytest.mark.parametrize("value", [float(v) for v in NON_FINITE], ids=NON_FINITE)
def test_check_params_refuses_a_non_finite_float(value):
    spec = get_lab("soft-prompt")
    assert check_params(spec, {"lr": value}) == [
        f"lab soft-prompt: lr must be a finite number, got {value!r}"
    ]
    assert check_params(spec, {"lr": 0.05}) == []


@pytest.mark.parametrize("value", NON_FINITE)
def test_a_lab_flag_or_assignment_of_nan_is_one_line_before_torch_loads(value):
    torch_was_loaded = "torch" in sys.modules
    flag, assignment = ["--lr", value], ["run", "soft-prompt", f"lr={value}"]
    for args in (["lab", "soft-prompt", *flag], ["lab", *assignment]):
        done = runner.invoke(app, args)
        assert done.exit_code != 0
        assert done.exception is None or isinstance(done.exception, SystemExit)
        assert "must be a finite number" in done.output
        assert len(done.output.strip().splitlines()) == 1, done.output
    assert ("torch" in sys.modules) == torch_was_loaded


def test_a_card_lab_param_of_nan_is_a_deck_error(tmp_path):
    deck = tmp_path / "nan.yaml"
    deck.write_text(
        "id: nan\ntitle: N\ndescription: d\ntopics: [{id: nan-t, title: T}]\ncards:\n"
        "  - {id: nan-1, kind: flashcard, topic: nan-t, front: F, back: B,\n"
        "     lab: {name: soft-prompt, params: {lr: .nan}}}\n"
        "  - {id: nan-2, kind: flashcard, topic: nan-t, front: G, back: C,\n"
        "     lab: {name: soft-prompt, params: {lr: -.inf}}}\n"
    )
    done = runner.invoke(app, ["deck", "validate", str(deck)])
    assert done.exit_code == 1
    assert f"{deck}:7:" in done.output
    assert "card nan-1: lab soft-prompt: lr must be a finite number, got nan" in done.output
    assert "card nan-2: lab soft-prompt: lr must be a finite number, got -inf" in done.output


@pytest.mark.parametrize("value", NON_FINITE)
def test_settings_refuses_a_non_finite_retention(tmp_path, value):
    done = runner.invoke(app, ["settings", "--data-dir", str(tmp_path), "--retention", value])
    assert done.exit_code == 1
    assert f"--retention {float(value)} is outside 0.7-0.99" in done.output
