"""How fast studykit starts, cold (a new process each time), on this machine.

    .venv/bin/python bench/startup.py [--runs 5]

Prints each figure as the median of `--runs` new processes, with the fastest and the slowest
(the first run is usually slowest because the OS page cache is cold), plus the load average and
the CPU time of each process: other work on a 2-core machine stretches wall-clock figures, and
then the fastest run and the CPU time are the steadier figures.
- `studykit --help`: from launching the command to its exit (target ≤ 0.25 s);
- `studykit lab --help`: the same, for the one help that reads the lab catalogue (no target);
- the TUI's first screen: from launching `studykit study` in a pseudo-terminal to the moment the
  home screen's footer has been drawn (target ≤ 0.5 s). The app then gets ctrl+q and exits.
A throwaway progress folder is used, so no one's progress is touched.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

STUDYKIT = Path(sys.executable).with_name("studykit")
FIRST_SCREEN_MARKER = b"All due"  # a footer label of the home screen
TIMEOUT_S = 30.0


def children_cpu() -> float:
    """User+sys CPU seconds of the processes this one has waited for, so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_help(*args: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one `studykit ARGS --help`."""
    cpu_before, start = children_cpu(), time.perf_counter()
    subprocess.run([str(STUDYKIT), *args, "--help"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu() - cpu_before


def time_first_screen(data_dir: str, size: tuple[int, int] = (100, 30)) -> tuple[float, float]:
    """(wall, CPU) seconds: from launching `studykit study` in a pty until the home screen is
    drawn, and the CPU the process used from start to exit (its quit included)."""
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "STUDYKIT_DATA_DIR": data_dir}
    cpu_before, start = children_cpu(), time.perf_counter()
    process = subprocess.Popen(
        [str(STUDYKIT), "study"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        while FIRST_SCREEN_MARKER not in seen:
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"no first screen after {TIMEOUT_S:.0f} s: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 65536)
        elapsed = time.perf_counter() - start
        os.write(master, b"\x11")  # ctrl+q
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return elapsed, children_cpu() - cpu_before
    finally:
        # Drain and close the terminal so the child never blocks on a full pty buffer.
        while select.select([master], [], [], 0.05)[0]:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        os.close(master)
        if process.poll() is None:
            process.kill()


def report(name: str, runs: list[tuple[float, float]], target: float | None) -> None:
    """One line of wall-clock figures (median, fastest, slowest, each run) and one of CPU."""
    times, cpu = [wall for wall, _ in runs], [cpu for _, cpu in runs]
    median = statistics.median(times)
    verdict = ""
    if target is not None:
        verdict = f"; target ≤ {target} s: {'meets' if median <= target else 'misses'}"
    each = ", ".join(f"{t:.3f}" for t in times)
    print(
        f"{name}: median {median:.3f} s, fastest {min(times):.3f} s, slowest {max(times):.3f} s "
        f"over {len(times)} runs ({each}){verdict}"
    )
    print(f"  CPU time per process: median {statistics.median(cpu):.3f} s, least {min(cpu):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="new processes per figure")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load}")
    report("studykit --help", [time_help() for _ in range(args.runs)], 0.25)
    report("studykit lab --help", [time_help("lab") for _ in range(args.runs)], None)
    with tempfile.TemporaryDirectory() as data_dir:
        screens = [time_first_screen(data_dir) for _ in range(args.runs)]
    report("TUI first screen", screens, 0.5)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
