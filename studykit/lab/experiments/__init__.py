"""One folder for the experiments: each lab's spec `NAME.yaml` sits beside its script
`NAME_with_underscores.py`, which defines `run(lab, params)` (see `studykit.lab.engine.harness`)."""
