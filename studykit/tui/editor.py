"""Open a deck file at a card's line in the learner's own editor ($VISUAL, else $EDITOR).

The TUI hands the terminal over with Textual's `App.suspend()` while the editor runs, then takes
it back and reloads the decks. Most terminal editors (vi, vim, nvim, nano, emacs, micro, kak,
helix) open `+LINE FILE` at that line; VS Code-like editors take `--goto FILE:LINE`, Sublime
Text and Zed `FILE:LINE`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path

# Editors that do not take `+LINE`, by the name of their program, and how they take a line.
GOTO_FLAG = ("code", "code-insiders", "codium", "cursor", "windsurf")  # --goto FILE:LINE
FILE_COLON_LINE = ("subl", "zed", "mate")  # FILE:LINE


class EditorError(Exception):
    """No editor is set, or it could not be started; the message is one line."""


def editor_command(
    file: str | Path, line: int, environ: Mapping[str, str] | None = None
) -> list[str]:
    """The command that opens `file` at `line` in $VISUAL (else $EDITOR); EditorError if
    neither is set or the variable does not parse."""
    env = os.environ if environ is None else environ
    name, value = next(
        ((n, env[n]) for n in ("VISUAL", "EDITOR") if env.get(n, "").strip()), ("", "")
    )
    if not value:
        raise EditorError(
            "no editor is set: set $EDITOR (for example `export EDITOR=nano`) to edit cards "
            "from studykit"
        )
    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise EditorError(f"${name} ({value!r}) does not parse: {exc}") from None
    program = Path(words[0]).name
    if program in GOTO_FLAG:
        return [*words, "--goto", f"{file}:{line}"]
    if program in FILE_COLON_LINE:
        return [*words, f"{file}:{line}"]
    return [*words, f"+{max(line, 1)}", str(file)]


def run_editor(command: list[str]) -> int:
    """Run the editor in the foreground; its exit status. EditorError if it cannot start."""
    try:
        return subprocess.run(command, check=False).returncode
    except OSError as exc:
        raise EditorError(
            f"cannot start the editor {command[0]!r}: {exc.strerror or exc}"
        ) from None
