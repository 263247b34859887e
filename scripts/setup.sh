#!/usr/bin/env bash
# Creates .venv and installs studykit with its test tools from the committed lock
# (requirements/lock.txt: every package at an exact version, with hashes), then torch
# (see scripts/install-torch.sh for which build), then studykit itself, editable.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-torch.sh

PIP_VERSION=26.3   # the pip the lock was installed with; an unpinned upgrade would drift
python3 -m venv .venv
.venv/bin/python -m pip install -q "pip==$PIP_VERSION"
# --no-deps: the lock already lists every dependency; pip must not resolve anew.
.venv/bin/python -m pip install -q --require-hashes --no-deps -r requirements/lock.txt
install_torch .venv/bin/python
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
.venv/bin/python -m pip check
