"""How fast studykit starts, cold (a new process each time), on this machine.

    .venv/bin/python bench/startup.py [--runs 5]

Prints two figures, each the median of `--runs` new processes (and the slowest, the first run
usually being slowest because the OS page cache is cold), plus the load average, since other
work on a 2-core machine stretches wall-clock figures:
- `studykit --help`: from launching the command to its exit (target ≤ 0.5 s);
- the TUI's first screen: from launching `studykit study` in a pseudo-terminal to the moment the
  home screen's footer has been drawn (target ≤ 1 s). The app then gets ctrl+q and exits.
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


CPU_SECONDS: list[float] = []  # user+sys CPU of each --help process: steadier on a busy machine


def time_help() -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(STUDYKIT), "--help"], check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def time_first_screen(data_dir: str, size: tuple[int, int] = (100, 30)) -> float:
    """Seconds from launching `studykit study` in a pty until the home screen is drawn."""
    master, slave = pty.openpty()
    columns, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "STUDYKIT_DATA_DIR": data_dir}
    start = time.perf_counter()
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
        return elapsed
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


def report(name: str, times: list[float], target: float) -> None:
    median = statistics.median(times)
    verdict = "meets" if median <= target else "misses"
    runs = ", ".join(f"{t:.3f}" for t in times)
    print(
        f"{name}: median {median:.3f} s, slowest {max(times):.3f} s over {len(times)} runs "
        f"({runs}); target ≤ {target} s: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load}")
    report("studykit --help", [time_help() for _ in range(args.runs)], 0.5)
    print(f"  (CPU time of each --help process, median: {statistics.median(CPU_SECONDS):.3f} s)")
    with tempfile.TemporaryDirectory() as data_dir:
        times = [time_first_screen(data_dir) for _ in range(args.runs)]
    report("TUI first screen", times, 1.0)


if __name__ == "__main__":
    main()
