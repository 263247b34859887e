#!/usr/bin/env bash
# Creates .venv and installs studykit with its test tools, from scratch.
# torch is pinned to the CPU build first so the project's looser range never pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev]"
