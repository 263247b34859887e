#!/usr/bin/env bash
# Installs the newest versions pyproject.toml's ranges allow into a throwaway venv and runs the
# tests there, so that an upgrade that breaks studykit is found on purpose, not by a newcomer.
# torch stays at requirements/torch.txt (a newer torch on Linux's default index is a CUDA build
# of several GB); everything else is resolved afresh. Prints what moved against the lock.
#   bash scripts/check-latest.sh [PYTEST ARGS...]     (default: -n 2)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-torch.sh
venv=$(mktemp -d "${TMPDIR:-/tmp}/studykit-latest.XXXXXX")
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
py=$venv/bin/python
"$py" -m pip install -q --upgrade pip
install_torch "$py"
torch_pin="torch==$("$py" -c 'import importlib.metadata as m; print(m.version("torch"))')"
"$py" -m pip install -q --upgrade --upgrade-strategy eager -e ".[dev]" -c <(echo "$torch_pin")

echo "Versions that differ from requirements/lock.txt:"
"$py" - requirements/lock.txt <<'PY'
import importlib.metadata as md, re, sys
locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", open(sys.argv[1]).read(), re.M))
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
locked = {norm(k): v for k, v in locked.items()}
moved = sorted((norm(d.metadata["Name"]), locked[norm(d.metadata["Name"])], d.version)
               for d in md.distributions()
               if norm(d.metadata["Name"]) in locked and locked[norm(d.metadata["Name"])] != d.version)
for name, old, new in moved:
    print(f"  {name:28} {old:>14} -> {new}")
print(f"  ({len(moved)} of {len(locked)} locked packages moved)")
PY
[ "$#" -gt 0 ] || set -- -n 2
"$py" -m pytest "$@"
