"""Reading the lab specs (`studykit/lab/experiments/*.yaml`): a spec that cannot be used is one
`LabSpecError` line naming the file, the line where it can, and the fix; never another error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studykit.lab.catalog import all_labs, load_spec
from studykit.lab.errors import LabSpecError

GOOD = "name: zz\ntitle: A lab\nsummary: What it shows.\n"


def test_the_bundled_specs_load():
    assert "soft-prompt" in all_labs()


@pytest.mark.parametrize("name", sorted(all_labs()))
def test_every_lab_declares_at_least_two_observables_a_learner_can_predict(name):
    observables = all_labs()[name].observables
    assert len(observables) >= 2, f"{name} declares {sorted(observables)}"
    assert all(o.help.strip() for o in observables.values())


def test_a_good_spec_loads(tmp_path):
    (tmp_path / "zz.yaml").write_text(GOOD, encoding="utf-8")
    spec = all_labs(tmp_path)["zz"]
    assert spec.title == "A lab" and {"device", "dtype"} <= set(spec.params)


@pytest.mark.parametrize(
    ("text", "where", "fix"),
    [
        ("name: zz\ntitle: [unclosed\n", ":3:1: not valid YAML", "fix the YAML there"),
        (GOOD + "colour: red\n", ":4: colour:", "remove it, or use one of: name, title"),
        (
            GOOD + "params:\n  steps:\n    type: int\n    deflt: 3\n",
            ":5: params.steps.default:",
            "add default (1 more problem after it)",
        ),
        (
            GOOD + "params:\n  steps:\n    type: integer\n    default: 3\n",
            ":6: params.steps.type:",
            "correct the value",
        ),
        (
            GOOD + "params:\n  steps:\n    type: int\n    default: 3\n    deflt: 3\n",
            ":8: params.steps.deflt:",
            "remove it, or use one of: type, default",
        ),
        ("name: zz\nsummary: s\n", ":1: title:", "add title"),
        ("", ": a spec is a mapping", "start from another spec"),
        ("- a\n- b\n", ": a spec is a mapping", "got a list"),
        (b"name: \xff\n", ": cannot read it", "save it as UTF-8 text"),
    ],
)
def test_a_broken_spec_is_one_line_with_its_place_and_fix(tmp_path, text, where, fix):
    path = tmp_path / "zz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(LabSpecError) as caught:
        all_labs(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"lab spec {path}{where}"), message
    assert fix in message and "\n" not in message


def test_two_specs_with_one_name_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(LabSpecError, match=r'b\.yaml: name "zz" is taken by a\.yaml'):
        all_labs(tmp_path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=300), st.binary(max_size=200).map(lambda b: GOOD + b.decode("latin-1"))
    )
)
def test_any_text_is_a_spec_or_one_line_naming_the_file(tmp_path, text):
    path = tmp_path / "zz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_spec(path)
    except LabSpecError as error:
        assert str(error).startswith(f"lab spec {path}") and "\n" not in str(error)


def test_a_spec_that_cannot_be_read_names_it(tmp_path):
    folder = tmp_path / "zz.yaml"
    folder.mkdir()  # a folder where the spec's file should be
    with pytest.raises(LabSpecError, match=r"zz\.yaml: cannot read it"):
        load_spec(Path(folder))
