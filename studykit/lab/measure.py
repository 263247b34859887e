"""What a lab measures about the machine and the weights: checksums, memory, seeding."""

from __future__ import annotations

import hashlib
import os
import resource
import sys

import torch
from torch import nn


def checksum(model: nn.Module) -> str:
    """sha256 of every tensor in the state_dict (names and raw bytes, in name order).

    Two checksums are equal only if every weight is bit-for-bit the same.
    """
    digest = hashlib.sha256()
    state = model.state_dict()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(name.encode())
        digest.update(str(tensor.dtype).encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def adam_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of Adam's running averages (exp_avg and exp_avg_sq) held for every trainable
    parameter: two numbers per parameter, whatever the method."""
    return sum(
        state[name].nbytes
        for state in optimizer.state.values()
        for name in ("exp_avg", "exp_avg_sq")
        if name in state
    )


def rss_mb() -> float:
    """The process's resident memory now, in MB (Linux /proc; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KB on Linux


def seed_everything(seed: int) -> None:
    """Seed torch's global generator; the engine passes explicit generators everywhere else."""
    torch.manual_seed(seed)


def generator(seed: int, purpose: str) -> torch.Generator:
    """A torch generator for one purpose (e.g. a method's initial vectors), independent of the
    order in which methods run: the same seed and purpose always give the same numbers."""
    salt = int.from_bytes(hashlib.sha256(f"{seed}:{purpose}".encode()).digest()[:8], "little")
    return torch.Generator().manual_seed(salt)
