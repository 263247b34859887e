"""`studykit lab ...` and `studykit model info` through the real typer app: output, JSON, the
PNG plot, and one clear line for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from studykit.cli import app
from studykit.lab.catalog import all_labs, get_lab, lab_names

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


# The runs below are real, with the fewest steps that show what is asserted: part two's
# --new-steps (default 50, four methods) would be most of their time, and nothing here is about it.
@pytest.fixture(scope="module")
def json_run():
    out = invoke(
        "lab", "prompt-vs-prefix", "--steps", "2", "--new-steps", "1", "--seed", "1", "--json"
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_list_shows_the_lab_and_its_parameters():
    out = invoke("lab", "list")
    assert out.exit_code == 0
    assert "prompt-vs-prefix" in out.stdout and "virtual_tokens" in out.stdout


def test_list_json_mirrors_the_table_and_declares_each_parameter():
    out = invoke("lab", "list", "--json")
    assert out.exit_code == 0, out.output
    labs = json.loads(out.stdout)["labs"]
    assert [lab["name"] for lab in labs] == list(all_labs())  # the table's order
    for lab in labs:
        spec = all_labs()[lab["name"]]
        assert (lab["title"], lab["summary"]) == (spec.title, spec.summary)
        assert list(lab["params"]) == list(spec.params)
    declared = all_labs()["prompt-vs-prefix"].params["virtual_tokens"]
    (listed,) = [
        lab["params"]["virtual_tokens"] for lab in labs if lab["name"] == "prompt-vs-prefix"
    ]
    assert listed["type"] == "int" and listed["max"] == 8 and listed["default"] == declared.default


def test_lab_help_lists_every_lab_with_its_title():
    out = invoke("lab", "--help")
    assert out.exit_code == 0, out.output
    flat = " ".join(out.stdout.split())  # the help wraps long lines
    for command in ("list", "run", *all_labs()):
        assert command in flat, command
    for spec in all_labs().values():
        assert spec.title in flat, spec.title


@pytest.mark.parametrize("name", lab_names())
def test_each_lab_command_is_built_when_asked_for(name):
    """The lab commands are built lazily; asking for one's --help builds it with every flag."""
    spec = get_lab(name)
    out = invoke("lab", name, "--help")
    assert out.exit_code == 0, out.output
    assert spec.title in " ".join(out.stdout.split())
    for key in spec.params:
        assert "--" + key.replace("_", "-") in out.stdout, key
    assert "--json" in out.stdout and "--plot" in out.stdout


def test_a_mistyped_lab_name_suggests_the_close_one():
    out = invoke("lab", "soft-promt")
    assert out.exit_code == 2
    assert "soft-promt" in out.output and "'soft-prompt'" in out.output  # the typo, the guess
    assert "Traceback" not in out.output


def test_root_help_reads_no_lab_spec():
    """`studykit --help` (and every non-lab command) never reads the catalogue: that is what
    costs PyYAML and pydantic at start-up."""
    probe = """
import sys
from typer.testing import CliRunner
from studykit.cli import app
code = CliRunner().invoke(app, ["--help"]).exit_code
heavy = ("yaml", "pydantic", "studykit.lab.catalog")
print(code, [name for name in heavy if name in sys.modules])
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "0 []", done.stderr


BROKEN_SPECS = {  # a spec file's text -> its line that the error names, and the fix it gives
    "name: zz\ntitle: [unclosed\n": (":3:1: not valid YAML", "fix the YAML there"),
    "name: zz\ntitle: t\nsummary: s\ncolour: red\n": (":4: colour:", "remove it"),
    "name: zz\ntitle: t\n": (":1: summary:", "add summary"),
}


@pytest.mark.parametrize("text", list(BROKEN_SPECS))
@pytest.mark.parametrize(
    "args",
    [
        ("lab", "list"),
        ("lab", "list", "--json"),
        ("lab", "run", "zz"),
        ("lab", "--help"),
        ("lab", "zz"),
    ],
)
def test_a_broken_lab_spec_is_one_line_naming_its_file_and_line(monkeypatch, tmp_path, text, args):
    import studykit.cli.lab
    import studykit.lab.catalog

    spec = tmp_path / "zz.yaml"
    spec.write_text(text, encoding="utf-8")
    monkeypatch.setattr(studykit.lab.catalog, "bundled_labs_dir", lambda: tmp_path)
    studykit.cli.lab._lab_specs.cache_clear()
    try:
        out = invoke(*args)
    finally:
        studykit.cli.lab._lab_specs.cache_clear()
    where, fix = BROKEN_SPECS[text]
    assert out.exit_code == 2, out.output
    assert isinstance(out.exception, SystemExit)  # typer's exit, not a traceback
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"studykit: lab spec {spec}{where}"), lines[0]
    assert fix in lines[0]


def test_json_output(json_run):
    assert json_run["lab"] == "prompt-vs-prefix" and json_run["seed"] == 1
    assert json_run["params"]["steps"] == 2 and json_run["params"]["new_steps"] == 1
    prompt = json_run["methods"]["skill/prompt-tuning"]
    assert prompt["trainable_params"] == 256 and prompt["steps"] == 2
    assert json_run["base_checksum_before"] == json_run["base_checksum_after"]
    assert all(isinstance(c["holds"], bool) for c in json_run["claims"])


def test_table_output_plot_and_generic_run(tmp_path):
    png = tmp_path / "curves.png"
    params = ["steps=2", "new_steps=1", "-p", "new_task=swap"]  # positional KEY=VALUE and -p mix
    out = invoke("lab", "run", "prompt-vs-prefix", *params, "--plot", str(png))
    assert out.exit_code == 0, out.output
    for text in (
        "Methods",
        "prompt tuning",
        "prefix tuning",
        "hand written",
        "Findings on this run",
        "identical",
        "swap",
        "Ranking on seed 0",
    ):
        assert text in out.stdout, text
    assert "✓" in out.stdout and "✗" in out.stdout  # 2 steps: some claims fail, honestly
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lab", "prompt-vs-prefx"], "No such command"),
        (
            ["lab", "run", "prompt-vs-prefx"],
            'unknown lab "prompt-vs-prefx"; did you mean "prompt-vs-prefix"?',
        ),
        (["lab", "prompt-vs-prefix", "--virtual-tokens", "40"], "virtual_tokens must be ≤ 8"),
        (["lab", "prompt-vs-prefix", "--lr", "0"], "lr must be ≥ 1e-05"),
        (["lab", "prompt-vs-prefix", "--task", "rotate"], "task must be one of copy, reverse"),
        (["lab", "prompt-vs-prefix", "--model", "/no/such/dir"], "does not exist"),
        (["lab", "run", "prompt-vs-prefix", "-p", "steps=many"], 'steps must be int, got "many"'),
        (["lab", "run", "prompt-vs-prefix", "-p", "stepz=3"], 'did you mean "steps"'),
        (["lab", "run", "prompt-vs-prefix", "-p", "steps"], "a parameter is KEY=VALUE"),
        (["model", "info", "/no/such/dir"], "does not exist"),
        (["lab", "prompt-vs-prefix", "--plot", "curves.txt"], "ending in .png, .pdf, .svg"),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    out = invoke(*args)
    assert out.exit_code == 2
    assert message in out.output
    assert "Traceback" not in out.output
    if "No such command" not in message:
        assert len(out.stderr.strip().splitlines()) == 1


def test_unwritable_plot_or_model_folder_fails_before_any_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for args in (
        ["lab", "prompt-vs-prefix", "--plot", str(blocker / "curves.png")],
        ["model", "pretrain", "--out", str(blocker / "model")],
    ):
        out = invoke(*args)
        assert out.exit_code == 2, out.output
        assert "cannot create" in out.stderr and len(out.stderr.splitlines()) == 1, out.stderr


def test_a_plot_that_cannot_be_saved_after_the_run_is_one_line(tmp_path, monkeypatch):
    from stub_lab import run_lab

    import studykit.lab.render
    import studykit.lab.runner

    def disk_full(result, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(studykit.lab.render, "save_plot", disk_full)
    # What the run measured does not matter here, only that it is printed before the figure
    # fails: the stub lab (a real run's JSON is test_json_output's).
    monkeypatch.setattr(studykit.lab.runner, "run_lab", run_lab)
    png = tmp_path / "curves.png"
    out = invoke("lab", "prompt-vs-prefix", "--steps", "1", "--json", "--plot", str(png))
    assert out.exit_code == 1
    assert json.loads(out.stdout)["lab"] == "prompt-vs-prefix"  # the results still print
    assert out.stderr.splitlines()[-1] == (
        f"studykit: --plot {png}: cannot write (No space left on device)"
    )


def test_a_model_that_cannot_be_saved_is_one_line(tmp_path, monkeypatch):
    import studykit.lab.engine.pretrain

    def read_only(out_dir, config, on_progress=None, should_stop=None):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(studykit.lab.engine.pretrain, "pretrain", read_only)
    out = invoke("model", "pretrain", "--out", str(tmp_path / "model"), "--steps", "1")
    assert out.exit_code == 2
    assert out.stderr.splitlines()[-1] == (
        f"studykit: {tmp_path / 'model'}: cannot save the model (Read-only file system)"
    )


def test_not_a_model_directory(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"")
    out = invoke("lab", "prompt-vs-prefix", "--model", str(tmp_path))
    assert out.exit_code == 2 and "is not a model directory" in out.stderr


def test_model_info_on_the_bundled_model():
    out = invoke("model", "info")
    assert out.exit_code == 0, out.output
    assert "103,488 parameters" in out.stdout
    for task in ("copy", "reverse", "sort", "add1", "max", "count"):
        assert task in out.stdout


STUB_LAB = Path(__file__).with_name("stub_lab.py")  # the real CLI, a lab that trains nothing


@pytest.mark.slow  # a subprocess
def test_ctrl_c_stops_cleanly_and_prints_what_was_measured():
    import signal

    process = subprocess.Popen(
        [sys.executable, str(STUB_LAB), "lab", "prompt-vs-prefix", "--steps", "5000", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "Running lab prompt-vs-prefix" in process.stderr.readline()  # the handler is set
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    result = json.loads(stdout)
    assert result["interrupted"] is True
    assert result["methods"]["skill/no-prompt"]["exact_match_after"] >= 0
    assert len(result["methods"]) < 8


def _result_with_a_curve():
    from studykit.lab.results import LabResult, MethodResult

    result = LabResult(lab="demo", seed=0, model="fake", params={})
    result.methods["prompt-tuning"] = MethodResult(
        trainable_params=1,
        trainable_pct=1.0,
        exact_match_before=0.0,
        exact_match_after=0.5,
        steps=2,
        seconds=0.1,
        ms_per_step=50.0,
        peak_rss_mb=1.0,
        curve=[{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0, "exact_match": 0.5}],
    )
    return result


def test_a_plot_that_fails_half_written_keeps_the_older_figure(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from studykit.lab.render import save_plot

    png = tmp_path / "curves.png"
    png.write_bytes(b"the figure of yesterday's run")

    def disk_full(self, target, **kwargs):
        with open(target, "wb") as half:
            half.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", disk_full)
    with pytest.raises(OSError):
        save_plot(_result_with_a_curve(), png)
    assert png.read_bytes() == b"the figure of yesterday's run"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]  # no temporary file left
    monkeypatch.undo()
    save_plot(_result_with_a_curve(), png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_plot_path_that_cannot_be_replaced_fails_before_any_training(tmp_path):
    # A link to /dev/null: renaming a figure over what it points to would replace the device.
    link = tmp_path / "curves.png"
    link.symlink_to("/dev/null")
    out = invoke("lab", "prompt-vs-prefix", "--steps", "5000", "--plot", str(link))
    assert out.exit_code == 2, out.output
    assert "not a regular file" in out.stderr and len(out.stderr.splitlines()) == 1
