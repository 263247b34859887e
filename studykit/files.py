"""Replacing an output file so that a failed write never leaves half a file behind.

    replace_atomically(Path("deck.yaml"), lambda temp: temp.write_text(text, encoding="utf-8"))

The content goes to a temporary file next to the target (so the final rename stays on one
filesystem), which is then renamed over the target. Renaming over something that is not a regular
file would replace it: a device like /dev/null, a named pipe, or the /dev/stdout link would become
a plain file. So an existing target must be a regular file (or a link to one, whose target is
replaced and the link kept).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class NotARegularFile(OSError):
    """The target exists and is a device, a pipe, a socket or a link to one."""

    def __init__(self, path: Path):
        super().__init__(
            errno.EINVAL, "not a regular file (a device, a pipe or a link to one)", str(path)
        )


def check_replaceable(out: Path) -> None:
    """Raise `NotARegularFile` when renaming a file over `out` would replace a non-file."""
    if os.path.lexists(out) and not out.is_file() and not out.is_dir():
        raise NotARegularFile(out)


def replace_atomically(out: Path, write: Callable[[Path], T]) -> T:
    """Call `write(temp)` to fill a temporary file beside `out`, rename it over `out`, and return
    what `write` returned.

    Raises `OSError` (and leaves `out` as it was) when anything fails, `NotARegularFile` included.
    A folder at `out` is left to the rename, which fails with IsADirectoryError.
    """
    out = Path(out)
    check_replaceable(out)
    if out.is_symlink():  # write where it points: a rename over the link would replace the link
        out = Path(os.path.realpath(out))
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        written = write(temp)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return written
