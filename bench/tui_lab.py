"""The same lab run from the CLI and from the TUI: the TUI's wall time ÷ the CLI's (target ≤ 1.1).

    .venv/bin/python bench/tui_lab.py                                  # prompt-vs-prefix, 2 rounds
    .venv/bin/python bench/tui_lab.py --labs prompt-vs-prefix,prompt-vs-finetune --rounds 3

Each run is a fresh process on a pseudo-terminal of --size (80x24), as a learner would start it,
so both front ends draw their live display for real:
- CLI: `studykit lab run NAME --json` (rich live progress on the terminal, the JSON to a file,
  which gives the run's own wall time);
- TUI: the studykit app (`StudykitApp` over no decks, a fresh progress store) opening the lab
  screen straight away, and quitting when the run's results are on the screen.
The time is from starting the process to its exit, so importing, loading the model, training
and drawing all count. CLI and TUI alternate, --rounds times, so load from other processes hits
both alike; the figure is the median of the rounds' ratios, printed with the load average. The
lab's own wall time (inside the run) is printed beside, to tell a slower run from slower drawing,
and each process's CPU time (user + system), which load from other processes inflates far less
than wall time: above two busy cores, read the CPU ratio beside the wall one.
"""

from __future__ import annotations

import argparse
import json
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
from fcntl import ioctl
from pathlib import Path
from typing import Any

STUDYKIT = Path(sys.executable).with_name("studykit")
TARGET = 1.1


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def on_a_terminal(
    command: list[str], size: tuple[int, int], env: dict[str, str], stdout: Any = None
) -> tuple[float, float]:
    """Run `command` on a new pseudo-terminal of `size` (what it draws is read and dropped;
    `stdout`, a file, takes its standard output instead); its wall and CPU time in seconds.
    Fails loudly if it exits non-zero."""
    master, slave = pty.openpty()
    columns, rows = size
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=slave,
        stdout=stdout or slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    tail = b""
    while True:  # drain the terminal, or the program blocks writing to it
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program exited and closed its end
                break
            if not chunk:
                break
            tail = (tail + chunk)[-4000:]
        elif process.poll() is not None:
            break
    code = process.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child's, once it was waited for
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    os.close(master)
    global last_output
    last_output = tail.decode(errors="replace")
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited {code}; its last output:\n{last_output}")
    return wall, cpu


last_output = ""  # what the last program drew last, to say why a run gave no result


def tui_child(lab: str, out: str) -> None:
    """In the child process: the app opens the lab screen, runs the lab, and quits once the
    results are drawn; the lab's own wall time goes to `out`."""
    from studykit.deck.loader import LoadResult
    from studykit.study.store import ProgressStore
    from studykit.tui.app import StudykitApp
    from studykit.tui.messages import LabFailed
    from studykit.tui.screens.lab import LabScreen

    class Timed(LabScreen):
        def on_lab_screen_finished(self, message: LabScreen.Finished) -> None:
            Path(out).write_text(json.dumps({"lab_seconds": message.result.wall_seconds}))
            self.app.call_after_refresh(self.app.exit)  # once the results are on the screen

        def on_lab_failed(self, message: LabFailed) -> None:
            self.app.exit(return_code=1, message=f"the lab failed: {message.error}")

    class BenchApp(StudykitApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.push_screen(Timed("bench", lab, {}))

    with tempfile.TemporaryDirectory() as data, ProgressStore.open(Path(data)) as store:
        BenchApp(LoadResult(decks=[], problems=[], files=0), store).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", default="prompt-vs-prefix")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--size", default="80x24", help="the terminal, COLUMNSxROWS")
    parser.add_argument("--child-tui", nargs=2, metavar=("LAB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_tui:
        tui_child(*args.child_tui)
        return
    columns, rows = (int(n) for n in args.size.split("x"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TERM": os.environ.get("TERM", "xterm-256color")}
    env["COLUMNS"], env["LINES"] = str(columns), str(rows)
    print(f"TUI ÷ CLI wall time, same lab, fresh processes on a {args.size} pseudo-terminal")
    print(f"load before: {load()}")
    for lab in args.labs.split(","):
        ratios, cpu_ratios = [], []
        for round_ in range(1, args.rounds + 1):
            with tempfile.TemporaryFile("w+") as out:
                command = [str(STUDYKIT), "lab", "run", lab, "--json"]
                cli, cli_cpu = on_a_terminal(command, (columns, rows), env, stdout=out)
                out.seek(0)
                cli_inside = json.load(out)["wall_seconds"]
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                command = [sys.executable, __file__, "--child-tui", lab, out.name]
                tui, tui_cpu = on_a_terminal(command, (columns, rows), env)
                recorded = Path(out.name).read_text()
                if not recorded:  # the app quit without a result: the figure would be wrong
                    raise SystemExit(
                        f"the TUI run of {lab} ended without a result; its last output:\n"
                        + last_output
                    )
                inside = json.loads(recorded)["lab_seconds"]
            ratios.append(tui / cli)
            cpu_ratios.append(tui_cpu / cli_cpu)
            print(
                f"  {lab} round {round_}: CLI {cli:.1f} s (run {cli_inside:.1f} s, "
                f"CPU {cli_cpu:.1f} s), TUI {tui:.1f} s (run {inside:.1f} s, CPU {tui_cpu:.1f} s), "
                f"TUI/CLI {tui / cli:.2f} (CPU {tui_cpu / cli_cpu:.2f})  [load {load()}]"
            )
        median = statistics.median(ratios)
        verdict = "ok" if median <= TARGET else f"ABOVE the target {TARGET}"
        print(
            f"{lab}: TUI ÷ CLI median {median:.2f} over {len(ratios)} rounds ({verdict}); "
            f"CPU time ÷ {statistics.median(cpu_ratios):.2f}"
        )


if __name__ == "__main__":
    main()
