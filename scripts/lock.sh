#!/usr/bin/env bash
# Refreshes requirements/lock.txt: the newest versions pyproject.toml's ranges allow, every
# transitive dependency, with hashes. A refresh is a change of its own: review the diff, run
# `bash scripts/setup.sh && .venv/bin/python -m pytest -n 2`, and commit it alone.
#   bash scripts/lock.sh                  refresh everything
#   bash scripts/lock.sh --upgrade-package textual   move one package, keep the rest
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-torch.sh
uv=.venv/bin/uv
[ -x "$uv" ] || { echo "error: $uv not found; run bash scripts/setup.sh first" >&2; exit 1; }

# The lock describes torch's CPU build, whose metadata names no nvidia-* packages, so the
# resolver must see that build: PyTorch's CPU index, or a folder of wheels pip is set up with.
if cpu_index_reachable .venv/bin/python; then
  torch_source=(--extra-index-url "$TORCH_CPU_INDEX" --index-strategy unsafe-best-match)
else
  wheels=${PIP_FIND_LINKS:-$(.venv/bin/python -m pip config get global.find-links 2>/dev/null || true)}
  [ -n "$wheels" ] || { echo "error: PyTorch's CPU index is unreachable and no local wheel folder is set (PIP_FIND_LINKS)" >&2; exit 1; }
  torch_source=(--find-links "$wheels")
fi
# Keep the versions already locked unless asked to move them (-U / --upgrade-package).
args=(--upgrade)
[ "$#" -gt 0 ] && args=("$@")
"$uv" pip compile pyproject.toml requirements/build.in --extra dev \
  --constraint requirements/torch.txt "${torch_source[@]}" "${args[@]}" \
  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --generate-hashes --no-emit-package torch \
  --custom-compile-command "bash scripts/lock.sh" \
  --output-file requirements/lock.txt
