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


def adam_state_bytes(optimizer: object) -> int:
    """Bytes of Adam's running averages (exp_avg and exp_avg_sq) held for every trainable
    parameter: two numbers per parameter, whatever the method. 0 for an optimizer that keeps no
    such state (plain SGD)."""
    return sum(
        state[name].nbytes
        for state in getattr(optimizer, "state", {}).values()
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


class PeakRss:
    """The highest resident memory sampled so far, in MB: the "MB" of every method, trained or
    not. `sample()` is one pread of /proc/self/statm (about 2 µs, 1/7 of reopening the file),
    cheap enough for every training step; elsewhere it falls back to the process's peak.

        memory = PeakRss()        # samples once
        memory.sample()           # after each step
        memory.close(); memory.mb
    """

    def __init__(self) -> None:
        try:
            self._statm: int | None = os.open("/proc/self/statm", os.O_RDONLY)
            self._page = os.sysconf("SC_PAGE_SIZE")
        except (OSError, AttributeError, ValueError):
            self._statm = None
        self.mb = 0.0
        self.sample()

    def sample(self) -> None:
        now = None
        if self._statm is not None:
            try:
                now = int(os.pread(self._statm, 128, 0).split()[1]) * self._page / 1e6
            except (OSError, ValueError, IndexError):
                now = None
        if now is None:
            now = peak_rss_mb()
        if now > self.mb:
            self.mb = now

    def close(self) -> None:
        if self._statm is not None:
            os.close(self._statm)
            self._statm = None


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
