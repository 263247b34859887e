"""One module per lab: `labs/NAME.yaml` is implemented by `NAME_with_underscores.py`, which
defines `run(params, *, on_progress, should_stop) -> LabResult` (see `studykit.lab.harness`)."""
