"""Where a lab runs and in which precision: the `device` and `dtype` parameters every lab takes.

    device = resolve_device("auto")          # cuda when torch sees a GPU, else mps, else cpu
    dtype = resolve_dtype("auto", device)    # float32

A device torch cannot use (cuda asked for on a machine without a GPU, or with a torch built
without CUDA) is a `DeviceError`: one line, before the model loads. `auto` precision is float32
everywhere: the labs' claims (finite differences, exact parameter counts, bit-for-bit
checksums) are checked in float32, and the bundled model is tiny; bfloat16 or float16 are for
fitting a bigger model on a GPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studykit.lab.errors import DeviceError

if TYPE_CHECKING:
    import torch


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device for `name` (auto, cpu, cuda, mps); `DeviceError` if torch cannot use it."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if torch.version.cuda is None:
            raise DeviceError(
                f"device cuda: this torch ({torch.__version__}) was built without CUDA; "
                "install a CUDA build of torch, or use --device cpu"
            )
        if not torch.cuda.is_available():
            raise DeviceError(
                "device cuda: torch sees no CUDA GPU on this machine (check the driver with "
                "nvidia-smi), or use --device cpu"
            )
        return torch.device("cuda")
    if name == "mps":
        if not _mps_available():
            raise DeviceError(
                "device mps: torch sees no Apple GPU (MPS needs macOS 12.3+ on Apple silicon); "
                "use --device cpu"
            )
        return torch.device("mps")
    raise DeviceError(f'unknown device "{name}"; use auto, cpu, cuda or mps')


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """The torch dtype for `name` (auto, float32, bfloat16, float16) on `device`."""
    import torch

    if name == "auto":
        return torch.float32
    if name not in ("float32", "bfloat16", "float16"):
        raise DeviceError(f'unknown dtype "{name}"; use auto, float32, bfloat16 or float16')
    if name == "bfloat16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise DeviceError(
            "dtype bfloat16: this GPU has no bfloat16 support; use --dtype float16 or float32"
        )
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def dtype_name(dtype: torch.dtype) -> str:
    """torch.bfloat16 -> "bfloat16"."""
    return str(dtype).removeprefix("torch.")
