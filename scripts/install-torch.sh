# Sourced by scripts/setup.sh and scripts/check-latest.sh: install_torch PYTHON installs the torch
# release named in requirements/torch.txt into PYTHON's environment and says where it came from.
#
# On Linux, PyPI's default torch is a CUDA build that pulls about 15 nvidia-* packages (gigabytes);
# PyTorch's own CPU index has the CPU build. So: the CPU index when it answers within a few seconds,
# else the default index (whatever pip is configured with), never a long hang.
#   STUDYKIT_TORCH=cpu   (default) the CPU build where the CPU index is reachable
#   STUDYKIT_TORCH=cuda  the default index's build: CUDA on Linux, for a machine with an NVIDIA GPU
TORCH_CPU_INDEX="https://download.pytorch.org/whl/cpu"

torch_requirement() {
  grep -E '^torch==' "$(dirname "${BASH_SOURCE[0]}")/../requirements/torch.txt"
}

cpu_index_reachable() {  # $1: python; exit 0 if the CPU index answers within 5 s
  "$1" - "$TORCH_CPU_INDEX/torch/" <<'PY' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=5)
PY
}

install_torch() {  # $1: python of the target environment
  local py=$1 req
  req=$(torch_requirement)
  case "${STUDYKIT_TORCH:-cpu}" in
    cpu)
      if [ "$(uname -s)" = Linux ] && cpu_index_reachable "$py"; then
        echo "torch: $req, CPU build, from PyTorch's CPU index ($TORCH_CPU_INDEX)"
        # --no-deps: torch's own dependencies come from the lock, at their locked versions.
        "$py" -m pip install -q --no-deps --timeout 30 --retries 0 \
          --index-url "$TORCH_CPU_INDEX" "$req"
        return
      fi
      if [ "$(uname -s)" = Linux ]; then
        echo "torch: $req from the default index (PyTorch's CPU index did not answer within 5 s)"
      else
        echo "torch: $req from the default index (the CPU build on $(uname -s))"
      fi
      ;;
    cuda) echo "torch: $req from the default index (STUDYKIT_TORCH=cuda: a CUDA build on Linux)" ;;
    *) echo "error: STUDYKIT_TORCH must be cpu or cuda, not '${STUDYKIT_TORCH}'" >&2; return 2 ;;
  esac
  "$py" -m pip install -q "$req"
}
